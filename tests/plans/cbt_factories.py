"""Factories for CBT work between sessions and objective progress, and plans built directly with the models
(independent of the plan-building services). Text is invented."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import factory
from django.utils import timezone

from plans.models import (
    BehaviouralExperiment,
    CheckingLogEntry,
    Goal,
    Homework,
    Objective,
    Problem,
    ProgressPoint,
    ThoughtRecord,
    TreatmentPlan,
)


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def make_plan(couple, *, by, status: str = "active", number: int = 1, supersedes=None) -> TreatmentPlan:
    """A plan version with one problem and one goal (objectives are added with make_objective)."""
    plan = TreatmentPlan.objects.create(couple=couple, number=number, status=status, created_by=by,
                                        supersedes=supersedes, formulation="Formulation text.")
    problem = Problem.objects.create(plan=plan, couple=couple, title="Trust after an affair")
    Goal.objects.create(problem=problem, couple=couple, text="Rebuild trust")
    return plan


def make_objective(plan: TreatmentPlan, *, text: str = "Fewer checking episodes", metric: str = "checking episodes",
                   unit: str = "per week", baseline: str = "12", target: str = "2", who: str = "a",
                   direction: str = "decrease", lineage: uuid.UUID | None = None, position: int = 0,
                   status: str = "in_progress") -> Objective:
    goal = Goal.objects.filter(problem__plan=plan).first()
    return Objective.objects.create(
        goal=goal, couple_id=plan.couple_id, text=text, metric=metric, unit=unit, baseline=Decimal(baseline),
        target=Decimal(target), who=who, direction=direction, lineage=lineage or uuid.uuid4(), position=position,
        status=status,
    )


class ThoughtRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThoughtRecord

    partner = "a"
    occurred_on = factory.LazyFunction(lambda: days_ago(2))
    situation = "Partner came home an hour late without texting."
    moods = factory.LazyFunction(lambda: [{"mood": "anxious", "before": 85, "after": 40}])
    automatic_thought = "They are seeing someone again."
    evidence_for = "It happened before."
    evidence_against = "They were at the office; a colleague confirmed it."
    balanced_thought = "Being late does not mean being unfaithful."
    balanced_belief = 60
    distortions = factory.LazyFunction(lambda: ["mind_reading", "fortune_telling"])


class ExperimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BehaviouralExperiment

    partner = "b"
    planned_on = factory.LazyFunction(lambda: days_ago(3))
    prediction = "If I do not reply within an hour, she will be furious."
    belief_before = 80
    experiment = "Waited two hours before replying."
    outcome = "She did not mention it."
    belief_after = 20
    learned = "Delays are not read as rejection."


class CheckingLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckingLogEntry

    partner = "a"
    occurred_on = factory.LazyFunction(lambda: days_ago(1))
    kind = "checking"
    trigger = "Phone face down on the table."
    resisted = False


class HomeworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Homework

    partner = "both"
    assigned_on = factory.LazyFunction(lambda: days_ago(7))
    description = "Ten minutes of listening without interrupting, three evenings."
    status = "assigned"


class ProgressPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressPoint

    recorded_on = factory.LazyFunction(lambda: days_ago(7))
    value = Decimal("8")
    source = "manual"
    note = ""
