"""progress_point_record: manual values, upserts by (objective lineage, source, source id), and refusals."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from plans.models import ProgressPoint
from plans.services.progress import progress_point_record
from tests.factories import CoupleFactory
from tests.plans.cbt_factories import days_ago, make_objective, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def objective(cast):
    return make_objective(make_plan(cast.couple, by=cast.therapist))


def record(cast, objective, **overrides):
    fields = {"couple": cast.couple, "objective_lineage": objective.lineage, "recorded_on": days_ago(3),
              "value": 7, "source": "manual", "by": cast.therapist}
    fields.update(overrides)
    return progress_point_record(**fields)


def test_manual_values_are_added_each_time(cast, objective):
    first = record(cast, objective, value=9, note="From the couple's diary.")
    second = record(cast, objective, value=9)
    assert first.pk != second.pk
    saved = ProgressPoint.objects.get(pk=first.pk)
    assert saved.value == Decimal("9.00") and saved.note == "From the couple's diary."
    assert saved.recorded_by == cast.therapist and saved.couple_id == cast.couple.pk
    event = AuditEvent.objects.filter(action="progress_point.record").first()
    assert event.detail == {"source": "manual", "created": True}
    assert "diary" not in str(event.detail)


def test_a_source_id_makes_it_an_upsert(cast, objective):
    note_id = uuid.uuid4()
    first = record(cast, objective, source="session", source_id=note_id, value=6, recorded_on=days_ago(10))
    again = record(cast, objective, source="session", source_id=note_id, value=4, recorded_on=days_ago(9),
                   note="Re-signed.")
    assert again.pk == first.pk
    point = ProgressPoint.objects.get(objective_lineage=objective.lineage)
    assert (point.value, point.recorded_on, point.note) == (Decimal("4.00"), days_ago(9), "Re-signed.")
    assert [e.detail["created"] for e in AuditEvent.objects.filter(action="progress_point.record")] == [True, False]


def test_the_same_source_id_from_another_source_or_objective_is_another_point(cast, objective):
    other = make_objective(objective.goal.problem.plan, metric="minutes of listening", position=1)
    source_id = uuid.uuid4()
    record(cast, objective, source="session", source_id=source_id)
    record(cast, objective, source="measure", source_id=source_id)
    record(cast, other, source="session", source_id=source_id)
    assert ProgressPoint.objects.count() == 3


def test_values_are_rounded_to_two_decimals(cast, objective):
    assert record(cast, objective, value="6.666").value == Decimal("6.67")
    assert record(cast, objective, value=2.5).value == Decimal("2.50")


@pytest.mark.parametrize(("overrides", "field"), [
    ({"recorded_on": timezone.localdate() + datetime.timedelta(days=1)}, "recorded_on"),
    ({"value": "many"}, "value"),
    ({"value": "NaN"}, "value"),
    ({"value": "123456789"}, "value"),
    ({"source": "guess"}, "source"),
    ({"objective_lineage": uuid.uuid4()}, "objective"),
    ({"objective_lineage": "not-a-uuid"}, "objective"),
])
def test_bad_values_are_refused_naming_the_field(cast, objective, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        record(cast, objective, **overrides)
    assert list(excinfo.value.message_dict) == [field]
    assert not ProgressPoint.objects.exists()


def test_another_couples_objective_is_refused(cast, objective):
    elsewhere = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    foreign = make_objective(make_plan(elsewhere, by=cast.therapist))
    with pytest.raises(ValidationError) as excinfo:
        record(cast, foreign)
    assert excinfo.value.message_dict == {"objective": ["Choose one of this couple's objectives."]}


def test_an_objective_of_an_earlier_plan_version_keeps_its_lineage(cast, objective):
    old_plan = objective.goal.problem.plan
    old_plan.status = "superseded"
    old_plan.save()
    new_plan = make_plan(cast.couple, by=cast.therapist, number=2, supersedes=old_plan)
    revised = make_objective(new_plan, lineage=objective.lineage, target="1")
    point = record(cast, revised)
    assert point.objective_lineage == objective.lineage == revised.lineage
