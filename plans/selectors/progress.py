"""Reads for the progress tab and the progress API: the couple's current plan, its objectives and their
values (by lineage, so values recorded under earlier versions of the plan carry over).

The number of queries does not grow with objectives or points: one for the plan, one for its objectives,
one for every point of every objective.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from clinic.models import Couple
from plans import charts
from plans.models import Objective, PlanStatus, ProgressPoint, TreatmentPlan


def objective_label(objective: Objective) -> str:
    """A short label for choosing an objective: its text and metric, truncated."""
    return f"{Truncator(objective.text).chars(70)} ({Truncator(objective.metric).chars(50)})"


def objective_lineage_exists(*, couple_id: Any, objective_lineage: uuid.UUID) -> bool:
    """Whether the lineage names an objective of the couple `couple_id` (in any version of its plan)."""
    return Objective.objects.filter(couple_id=couple_id, lineage=objective_lineage).exists()


def current_plan(couple: Couple) -> TreatmentPlan | None:
    """The couple's active plan, else its draft, else None (one query)."""
    plans = list(
        TreatmentPlan.objects.filter(couple_id=couple.pk, status__in=[PlanStatus.ACTIVE, PlanStatus.DRAFT])
        .defer("formulation")
    )
    active = [plan for plan in plans if plan.status == PlanStatus.ACTIVE]
    return active[0] if active else (plans[0] if plans else None)


def objectives_of(plan: TreatmentPlan | None) -> list[Objective]:
    """The plan's objectives in plan order (problem, goal, objective)."""
    if plan is None:
        return []
    return list(
        Objective.objects.filter(goal__problem__plan=plan)
        .order_by("goal__problem__position", "goal__position", "position", "id")
    )


def current_objectives(couple: Couple) -> tuple[TreatmentPlan | None, list[Objective]]:
    """The current plan (active, else draft) and its objectives."""
    plan = current_plan(couple)
    return plan, objectives_of(plan)


def progress_points(couple: Couple, *, objective_lineage: uuid.UUID | None = None) -> QuerySet[ProgressPoint]:
    """The couple's progress points, oldest first; optionally of one objective (lineage)."""
    points = ProgressPoint.objects.filter(couple_id=couple.pk)
    if objective_lineage is not None:
        points = points.filter(objective_lineage=objective_lineage)
    return points.order_by("recorded_on", "recorded_at", "id")


# --- The progress tab -------------------------------------------------------------------------------


@dataclass
class ObjectiveProgress:
    number: int
    objective: Objective
    points: list[ProgressPoint] = field(default_factory=list)

    @property
    def latest(self) -> ProgressPoint | None:
        return self.points[-1] if self.points else None

    @property
    def chart(self) -> SafeString:
        return charts.render(objective_chart(self.number, self.objective, self.points))


@dataclass
class ProgressOverview:
    plan: TreatmentPlan | None
    objectives: list[ObjectiveProgress]

    @property
    def is_draft(self) -> bool:
        return self.plan is not None and self.plan.status == PlanStatus.DRAFT


def progress_overview(couple: Couple) -> ProgressOverview:
    """Every objective of the current plan with all its points (three queries)."""
    plan, objectives = current_objectives(couple)
    by_lineage: dict[uuid.UUID, list[ProgressPoint]] = defaultdict(list)
    if objectives:
        lineages = {objective.lineage for objective in objectives}
        for point in progress_points(couple).filter(objective_lineage__in=lineages):
            by_lineage[point.objective_lineage].append(point)
    return ProgressOverview(plan, [
        ObjectiveProgress(number, objective, by_lineage.get(objective.lineage, []))
        for number, objective in enumerate(objectives, start=1)
    ])


def _y_range(values: list[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 10.0
    low, high = min(values), max(values)
    span = high - low
    pad = span * 0.1 if span else max(abs(high) * 0.1, 1.0)
    y_min, y_max = low - pad, high + pad
    if low >= 0 and (y_min < 0 or low <= high / 4):
        y_min = 0.0  # counts and ratings near zero read best against a zero baseline
    return y_min, y_max


def objective_chart(number: int, objective: Objective, points: list[ProgressPoint]) -> charts.Chart:
    """The chart of one objective: its values, baseline and target, on a y range covering all three.
    A baseline or target not set yet (a draft objective copied from the library) has no line."""
    references = [
        charts.ReferenceLine(label, float(value), kind=kind)
        for label, value, kind in (("Baseline", objective.baseline, "baseline"), ("Target", objective.target, "target"))
        if value is not None
    ]
    series_points = [(point.recorded_on, float(point.value)) for point in points]
    y_min, y_max = _y_range([line.value for line in references] + [value for _, value in series_points])
    goal = f"Baseline {_number(objective.baseline)}, target {_number(objective.target)}"
    if points:
        first, last = points[0], points[-1]
        description = (
            f"{len(points)} value{'s' if len(points) != 1 else ''} from {date_format(first.recorded_on, 'j F Y')} "
            f"to {date_format(last.recorded_on, 'j F Y')}; latest {_number(last.value)}. "
            f"{goal} ({objective.get_direction_display().lower()})."
        )
    else:
        description = f"No values yet. {goal}."
    return charts.Chart(
        title=f"Objective {number}: {objective.metric}",
        description=description,
        y_label=objective.unit or "Value",
        y_min=y_min,
        y_max=y_max,
        series=(charts.Series(label="Recorded values", points=series_points, style="objective"),),
        reference_lines=tuple(references),
    )


def _number(value: Decimal | Any) -> str:
    if value is None:
        return "not set"
    return f"{Decimal(value).normalize():f}"
