"""factory_boy factories for treatment plans, and helpers that build whole plans and version histories."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.db.models import Max
from django.utils import timezone

from plans.models import (
    Goal,
    Intervention,
    LibraryItem,
    MeasureSchedule,
    Objective,
    Problem,
    ProgressPoint,
    TreatmentPlan,
)
from tests.factories import CoupleFactory, UserFactory


def _next_number(plan) -> int:
    top = TreatmentPlan.objects.filter(couple=plan.couple).aggregate(top=Max("number"))["top"]
    return (top or 0) + 1


class TreatmentPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TreatmentPlan

    couple = factory.SubFactory(CoupleFactory)
    number = factory.LazyAttribute(_next_number)
    status = "draft"
    formulation = "Checking and accusations keep the hurt partner's fear going; withdrawal confirms it."
    created_by = factory.LazyAttribute(lambda plan: UserFactory(practice=plan.couple.practice))


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Problem

    plan = factory.SubFactory(TreatmentPlanFactory)
    couple = factory.LazyAttribute(lambda problem: problem.plan.couple)
    position = factory.LazyAttribute(lambda problem: Problem.objects.filter(plan=problem.plan).count())
    applies_to = "both"
    title = "Trust broken after a disclosed affair"
    behavioural_definition = "Daily checking of phone and location; arguments when messages are unanswered."


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    problem = factory.SubFactory(ProblemFactory)
    couple = factory.LazyAttribute(lambda goal: goal.problem.couple)
    position = factory.LazyAttribute(lambda goal: Goal.objects.filter(problem=goal.problem).count())
    text = "Rebuild trust so that honesty can be assumed most of the time."


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    goal = factory.SubFactory(GoalFactory)
    couple = factory.LazyAttribute(lambda objective: objective.goal.couple)
    position = factory.LazyAttribute(lambda objective: Objective.objects.filter(goal=objective.goal).count())
    text = "Reduce checking episodes to three a week or fewer."
    who = "a"
    metric = "Checking episodes"
    unit = "per week"
    baseline = Decimal("12")
    target = Decimal("3")
    direction = "decrease"


class InterventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intervention

    goal = factory.SubFactory(GoalFactory)
    couple = factory.LazyAttribute(lambda intervention: intervention.goal.couple)
    position = factory.LazyAttribute(
        lambda intervention: Intervention.objects.filter(goal=intervention.goal).count())
    approach = "cbt"
    description = "Thought records on moments of doubt."
    frequency = "Weekly"
    delivered_by = "Primary therapist"


class LibraryItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LibraryItem

    kind = "cause"
    slug = factory.Sequence(lambda n: f"test-item-{n}")
    title = factory.Sequence(lambda n: f"Library item {n}")
    description = "Generic description."
    behavioural_definition = "Generic behavioural definition."
    goal_text = "Generic goal."


def add_structure(plan: TreatmentPlan, *, problems: int = 1, goals: int = 1, objectives: int = 1,
                  interventions: int = 1) -> TreatmentPlan:
    """Fill `plan` with problems, each with goals, each with objectives and interventions."""
    for _ in range(problems):
        problem = ProblemFactory(plan=plan)
        for _ in range(goals):
            goal = GoalFactory(problem=problem)
            for _ in range(objectives):
                ObjectiveFactory(goal=goal)
            for _ in range(interventions):
                InterventionFactory(goal=goal)
    return plan


def make_plan(couple, *, by, status: str = "draft", review_due: datetime.date | None = None,
              **structure: int) -> TreatmentPlan:
    """A plan of `couple` created (and, unless a draft, signed) by `by`, with a structure (see add_structure)."""
    signed = status != "draft"
    now = timezone.now()
    plan = TreatmentPlanFactory(
        couple=couple, created_by=by, status=status,
        signed_by=by if signed else None, signed_at=now if signed else None,
        superseded_at=now if status == "superseded" else None,
        review_due=review_due if review_due or not signed else timezone.localdate() + datetime.timedelta(days=90),
    )
    return add_structure(plan, **structure)


def make_history(couple, *, by, superseded: int, **structure: int) -> TreatmentPlan:
    """`superseded` old versions and one active plan (returned), each with the same shape of structure."""
    previous = None
    for _ in range(superseded):
        previous = make_plan(couple, by=by, status="superseded", **structure)
    active = make_plan(couple, by=by, status="active", **structure)
    if previous is not None:
        active.supersedes = previous
        active.save(update_fields=["supersedes"])
    return active


def add_schedule(plan: TreatmentPlan, instrument: str = "csi4", every: str = "session") -> MeasureSchedule:
    return MeasureSchedule.objects.create(plan=plan, instrument=instrument, every=every)


def add_progress(objective: Objective, value: str, on: datetime.date, *, by=None) -> ProgressPoint:
    return ProgressPoint.objects.create(
        couple_id=objective.couple_id, objective_lineage=objective.lineage, recorded_on=on,
        value=Decimal(value), source="manual", recorded_by=by,
    )
