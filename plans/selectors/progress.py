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
from plans.structure import PARTNER_LABELS, Attainment, partner_attainment


def objective_label(objective: Objective) -> str:
    """A short label for choosing an objective: its text and metric, truncated."""
    return f"{Truncator(objective.text).chars(70)} ({Truncator(objective.metric).chars(50)})"


def objective_lineage_exists(*, couple_id: Any, objective_lineage: uuid.UUID) -> bool:
    """Whether the lineage names an objective of the couple `couple_id` (in any version of its plan)."""
    return Objective.objects.filter(couple_id=couple_id, lineage=objective_lineage).exists()


def objective_of_lineage(*, couple_id: Any, objective_lineage: uuid.UUID) -> Objective | None:
    """The newest objective of a lineage (the one in the latest plan version), or None (one query)."""
    return (
        Objective.objects.filter(couple_id=couple_id, lineage=objective_lineage)
        .order_by("-goal__problem__plan__number").first()
    )


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
class PartnerLine:
    """One partner's values of a both-partners objective ("" for values recorded for the couple)."""

    partner: str
    label: str
    baseline: Decimal | None
    points: list[ProgressPoint]
    attainment: str = ""

    @property
    def latest(self) -> ProgressPoint | None:
        return self.points[-1] if self.points else None

    @property
    def attainment_label(self) -> str:
        return Attainment.LABELS.get(self.attainment, "")


def partner_lines(objective: Objective, points: list[ProgressPoint]) -> list[PartnerLine]:
    """A both-partners objective's values split by partner: partner A, partner B, then any values recorded
    for the couple before values were kept per partner (only when there are some). [] for an individual
    objective, and for a both-partners one with neither a value per partner nor a baseline per partner yet (its
    values, all recorded before values were kept per partner, show as one line, as they always did)."""
    if not objective.per_partner:
        return []
    if not any(point.partner for point in points) and objective.baseline_a is None and objective.baseline_b is None:
        return []
    by_partner: dict[str, list[ProgressPoint]] = {"a": [], "b": [], "": []}
    for point in points:
        by_partner.setdefault(point.partner, []).append(point)
    lines = [PartnerLine(partner, PARTNER_LABELS[partner], objective.baseline_for(partner), rows)
             for partner, rows in by_partner.items() if partner or rows]
    _, each = partner_attainment(objective, {line.partner: line.latest.value if line.latest else None
                                             for line in lines})
    for line in lines:
        line.attainment = each.get(line.partner, "")
    return lines


@dataclass
class ObjectiveProgress:
    number: int
    objective: Objective
    points: list[ProgressPoint] = field(default_factory=list)

    @property
    def latest(self) -> ProgressPoint | None:
        return self.points[-1] if self.points else None

    @property
    def lines(self) -> list[PartnerLine]:
        return partner_lines(self.objective, self.points)

    @property
    def attainment(self) -> str:
        latest = {line.partner: line.latest.value if line.latest else None for line in self.lines}
        if not latest:
            latest = {"": self.latest.value if self.latest else None}
        return Attainment.LABELS[partner_attainment(self.objective, latest)[0]]

    @property
    def client_reported(self) -> bool:
        return any(point.client_reported for point in self.points)

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


CLIENT_NOTE = "client-reported"
SERIES_STYLE = {"a": "a", "b": "b", "": "objective"}


def _series(label: str, points: list[ProgressPoint], style: str) -> charts.Series:
    return charts.Series(label=label, points=[(point.recorded_on, float(point.value)) for point in points],
                         style=style, notes=[CLIENT_NOTE if point.client_reported else "" for point in points])


def objective_chart(number: int, objective: Objective, points: list[ProgressPoint]) -> charts.Chart:
    """The chart of one objective: its values, baseline and target, on a y range covering all three.
    A baseline or target not set yet (a draft objective copied from the library) has no line.

    A both-partners objective draws one line per partner (partner A solid with circles, partner B dashed with
    squares, see plans.charts.STYLES) and, for values recorded for the couple before values were kept per
    partner, a third line; each partner's own baseline gets its own reference line. Client-reported values
    (from the partner's portal entries) are ringed."""
    lines = partner_lines(objective, points)
    baselines: list[tuple[str, Any]] = [("Baseline", objective.baseline)]
    if lines and (objective.baseline_a is not None or objective.baseline_b is not None):
        baselines = [(f"Baseline {partner.upper()}", value)
                     for partner, value in (("a", objective.baseline_for("a")), ("b", objective.baseline_for("b")))]
    references = [
        charts.ReferenceLine(label, float(value), kind=kind)
        for label, value, kind in [*((label, value, "baseline") for label, value in baselines),
                                   ("Target", objective.target, "target")]
        if value is not None
    ]
    if lines:
        series = tuple(_series(line.label if line.partner else "Both (not split)", line.points,
                               SERIES_STYLE[line.partner]) for line in lines)
    else:
        series = (_series("Recorded values", points, "objective"),)
    y_min, y_max = _y_range([line.value for line in references] + [float(point.value) for point in points])
    goal = ", ".join(f"{label} {_number(value)}" for label, value in baselines) + \
        f", target {_number(objective.target)}"
    if points:
        first, last = points[0], points[-1]
        if lines:
            latest = "; ".join(
                f"{line.label} latest {_number(line.latest.value)}" if line.latest else f"{line.label} no value yet"
                for line in lines)
        else:
            latest = f"latest {_number(last.value)}"
        description = (
            f"{len(points)} value{'s' if len(points) != 1 else ''} from {date_format(first.recorded_on, 'j F Y')} "
            f"to {date_format(last.recorded_on, 'j F Y')}; {latest}. "
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
        series=series,
        reference_lines=tuple(references),
        ring_legend="Client-reported",
    )


def _number(value: Decimal | Any) -> str:
    if value is None:
        return "not set"
    return f"{Decimal(value).normalize():f}"
