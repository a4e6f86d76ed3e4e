"""plans.services.measures: the rules hold whoever calls them (views, API, seed data)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from plans.instruments import BUILTIN
from plans.models import CustomInstrument, MeasureAdministration, MeasureSchedule
from plans.selectors.instruments import instruments_for
from plans.services import measures as services
from rapport.versioning import StaleVersion
from tests.plans.measure_factories import administration, answers_for, definition, plan

pytestmark = pytest.mark.django_db
CSI4 = BUILTIN["csi4"]


def record(cast, **overrides):
    arguments = {"couple": cast.couple, "by": cast.therapist, "instrument": CSI4, "partner": "a",
                 "administered_on": timezone.localdate(), "answers": [3, 3, 3, 3], **overrides}
    return services.measure_record(**arguments)


def test_record_stores_total_band_and_risk_flag(cast):
    measure = record(cast, instrument=BUILTIN["phq9"], answers=answers_for(BUILTIN["phq9"], 22, risk=1))
    measure.refresh_from_db()
    assert (measure.total, measure.band, measure.risk_flag) == (22, "Severe", True)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"answers": [3, 3, 3]}, "answers"),
    ({"answers": [3, 3, 3, 9]}, "answers"),
    ({"partner": "both"}, "partner"),
    ({"administered_on": timezone.localdate() + datetime.timedelta(days=1)}, "administered_on"),
])
def test_record_refuses_what_the_form_would_refuse(cast, overrides, field):
    with pytest.raises(ValidationError) as refused:
        record(cast, **overrides)
    assert field in refused.value.message_dict
    assert not MeasureAdministration.objects.exists()
    assert not AuditEvent.objects.filter(action="measure.record").exists()


def test_the_database_refuses_a_duplicate_the_service_did_not_see(cast, monkeypatch):
    record(cast)
    # Simulate a race: the existence check passes, then the unique constraint stops the second insert.
    original = MeasureAdministration.objects.filter

    def blind_filter(*args, **kwargs):
        queryset = original(*args, **kwargs)
        return queryset.none() if "administered_on" in kwargs else queryset

    monkeypatch.setattr(MeasureAdministration.objects, "filter", blind_filter)
    with pytest.raises(ValidationError) as refused:
        record(cast)
    assert "already has a CSI-4" in refused.value.message_dict["administered_on"][0]
    assert MeasureAdministration.objects.count() == 1
    monkeypatch.undo()
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureAdministration.objects.create(
            couple=cast.couple, partner="a", instrument="csi4", administered_on=timezone.localdate(),
            answers=[3, 3, 3, 3], total=12, recorded_by=cast.therapist)


def test_acknowledge_requires_a_note(cast):
    measure = administration(cast.couple, cast.therapist, instrument="phq9", total=3, risk=1)
    with pytest.raises(ValidationError) as refused:
        services.measure_acknowledge_risk(administration=measure, by=cast.therapist, note="   ")
    assert "note" in refused.value.message_dict


def test_schedule_set_adds_changes_and_removes(cast):
    row = plan(cast.couple, cast.therapist, csi4="week", gad7="month")
    instruments = instruments_for(cast.practice.pk)
    services.schedule_set(plan=row, by=cast.therapist, entries={"csi4": "session", "phq9": "month"},
                          instruments=instruments, base_version=1)
    assert dict(MeasureSchedule.objects.filter(plan=row).values_list("instrument", "every")) == {
        "csi4": "session", "phq9": "month"}
    assert AuditEvent.objects.get(action="measure.schedule_set").detail == {
        "added": ["phq9"], "removed": ["gad7"], "changed": ["csi4"]}
    with pytest.raises(StaleVersion):
        services.schedule_set(plan=row, by=cast.therapist, entries={}, instruments=instruments, base_version=1)


def test_an_unchanged_schedule_writes_nothing(cast):
    row = plan(cast.couple, cast.therapist, csi4="week")
    services.schedule_set(plan=row, by=cast.therapist, entries={"csi4": "week"},
                          instruments=instruments_for(cast.practice.pk), base_version=1)
    row.refresh_from_db()
    assert row.schedule_version == 1
    assert not AuditEvent.objects.filter(action="measure.schedule_set").exists()


def test_only_the_practice_admin_can_add_an_instrument(cast):
    for user in (cast.therapist, cast.manager):
        with pytest.raises(ValidationError):
            services.custom_instrument_create(practice=cast.practice, by=user, code="wtc", definition=definition())
    with pytest.raises(ValidationError):  # another practice's administrator
        from tests.factories import UserFactory

        other_admin = UserFactory(practice=cast.other_practice, role="admin", username="olga.otheradmin")
        services.custom_instrument_create(practice=cast.practice, by=other_admin, code="wtc",
                                          definition=definition())
    row = services.custom_instrument_create(practice=cast.practice, by=cast.admin, code="WTC",
                                            definition=definition())
    assert row.code == "wtc"
    assert CustomInstrument.objects.count() == 1
