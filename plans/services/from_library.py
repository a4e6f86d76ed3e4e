"""Copying items of the practice's trust-issue library into a draft plan: causes become problems with their
long-term goal, signs become objectives, interventions become interventions. The copies are plain plan rows
(see plans.services.library for the library itself). Same rules as plans.services.plans: drafts only, the plan
row locked for the transaction, one audit event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import record_event
from clinic.models import User
from plans.models import (
    Direction,
    Goal,
    Intervention,
    LibraryItem,
    LibraryKind,
    Objective,
    PartnerScope,
    Problem,
    TreatmentPlan,
)
from plans.services.plans import lock_plan, next_position
from plans.structure import objective_errors


@dataclass(frozen=True)
class LibraryAdditions:
    problems: int
    goals: int
    objectives: int
    interventions: int
    objectives_without_numbers: int = 0


def plan_add_from_library(
    *,
    plan: TreatmentPlan,
    by: User,
    items: Iterable[LibraryItem],
    partner: str = PartnerScope.BOTH,
    goal: Goal | None = None,
    numbers: dict[str, dict[str, Any]] | None = None,
) -> LibraryAdditions:
    """Copy library items into this draft, all at once.

    - a cause becomes a problem (for `partner`) with its long-term goal;
    - a sign becomes an objective (for `partner`) with the sign's text, metric, unit and direction. `numbers`
      ({sign id: {"metric", "unit", "baseline", "baseline_a", "baseline_b", "target"}}) gives, in the same
      pass, this couple's metric and unit and its baseline (per partner on a both-partners objective) and
      target; numbers left out stay empty, for the therapist to set before signing. Numbers that contradict
      the direction of improvement are refused (ValidationError on "sign_<id>_<part>"), nothing written;
    - an intervention becomes an intervention.
    Objectives and interventions go under `goal` (a goal of this draft) when given; otherwise under the goal
    of the first cause added, or, with no cause, under a new problem and goal made from the first sign.
    Items must belong to the plan's practice (the caller chose them from its library). The copies are
    plain plan rows: editing them never touches the library, and editing the library never touches them.
    """
    items = list(items)
    if not items:
        raise ValidationError({"items": "Tick at least one item of the library to add."})
    if partner not in PartnerScope.values:
        raise ValidationError({"partner": "Choose partner A, partner B or both partners."})
    causes = [i for i in items if i.kind == LibraryKind.CAUSE]
    signs = [i for i in items if i.kind == LibraryKind.SIGN]
    interventions = [i for i in items if i.kind == LibraryKind.INTERVENTION]
    if goal is None and not causes and not signs:
        raise ValidationError({"goal": "Choose the goal these interventions belong to. This draft has no goal "
                                       "yet: tick a cause or a sign as well to create one."})
    counts = {"problems": 0, "goals": 0, "objectives": 0, "interventions": 0, "objectives_without_numbers": 0}
    with transaction.atomic():
        lock_plan(plan.pk)
        if goal is not None and not Goal.objects.filter(pk=goal.pk, problem__plan=plan).exists():
            raise ValidationError({"goal": "Choose a goal of this draft."})
        couple_id = plan.couple_id
        problem_position = next_position(Problem.objects.filter(plan=plan))

        def new_problem(source: LibraryItem) -> Goal:
            nonlocal problem_position
            problem = Problem(plan=plan, couple_id=couple_id, position=problem_position, applies_to=partner,
                              title=source.title, behavioural_definition=source.behavioural_definition,
                              library_item=source)
            problem_position += 1
            problem.full_clean()
            problem.save()
            created = Goal(problem=problem, couple_id=couple_id, position=0,
                           text=source.goal_text or source.title)
            created.full_clean()
            created.save()
            counts["problems"] += 1
            counts["goals"] += 1
            return created

        first_goal = None
        for cause in causes:
            made = new_problem(cause)
            first_goal = first_goal or made
        target_goal = goal or first_goal
        if target_goal is None:
            target_goal = new_problem(signs[0])
        objective_position = next_position(Objective.objects.filter(goal=target_goal))
        for offset, sign in enumerate(signs):
            given = (numbers or {}).get(str(sign.pk), {})
            objective = Objective(
                goal=target_goal, couple_id=couple_id, position=objective_position + offset,
                text=sign.objective_text or sign.title, who=partner,
                metric=given.get("metric") or sign.metric or sign.title,
                unit=given.get("unit") or sign.unit or "per week", direction=sign.direction or Direction.DECREASE,
                library_item=sign, baseline=given.get("baseline"), target=given.get("target"),
                baseline_a=given.get("baseline_a") if partner == PartnerScope.BOTH else None,
                baseline_b=given.get("baseline_b") if partner == PartnerScope.BOTH else None,
            )
            problems = objective_errors(
                baseline=objective.baseline, target=objective.target, direction=objective.direction,
                target_date=None, today=None,
                partner_baselines={"a": objective.baseline_a, "b": objective.baseline_b},
            )
            if problems:
                raise ValidationError({f"sign_{sign.pk}_{name}": f"{sign.title}: {message}"
                                       for name, message in problems.items()})
            objective.full_clean()
            objective.save()
            counts["objectives"] += 1
            if not objective.has_baseline or objective.target is None:
                counts["objectives_without_numbers"] += 1
        intervention_position = next_position(Intervention.objects.filter(goal=target_goal))
        for offset, source in enumerate(interventions):
            description = f"{source.title}: {source.description}" if source.description else source.title
            intervention = Intervention(
                goal=target_goal, couple_id=couple_id, position=intervention_position + offset,
                approach=source.approach or "other", description=description, frequency=source.frequency,
                library_item=source,
            )
            intervention.full_clean()
            intervention.save()
            counts["interventions"] += 1
        record_event("plan.library_add", actor=by, obj=plan, detail={
            **counts, "library_items": sorted(str(i.pk) for i in items),
            "objectives_with_numbers": sum(1 for values in (numbers or {}).values()
                                           if values.get("target") is not None),
        })
    return LibraryAdditions(**counts)
