"""Discharging a couple: what it must record (page, API, service), what it closes, and what it leaves alone."""

from __future__ import annotations

import datetime
import json
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import Couple, CoupleStatus, Discharge
from clinic.services.couples import couple_update
from plans.models import PlanStatus, TreatmentPlan
from plans.services.plans import plan_start
from tests.clinic.discharge_support import DISCHARGE
from tests.plans.plan_factories import make_plan

pytestmark = pytest.mark.django_db

MISSING = {
    "discharge_reason": "Choose the reason for discharge.",
    "status_at_discharge": "Describe how the couple is doing at discharge: the discharge summary prints it.",
    "aftercare": "Write the aftercare and referrals (or \u201cNone\u201d, if there are none).",
    "recommendations": "Write your recommendations for the couple's future care.",
}


def _discharge(cast, end_date=None, **details):
    return couple_update(couple=Couple.objects.get(pk=cast.couple.pk), by=cast.therapist, base_version=1,
                         status=CoupleStatus.DISCHARGED, end_date=end_date, discharge={**DISCHARGE, **details})


def test_a_discharge_without_what_it_must_record_is_refused_field_by_field(cast):
    with pytest.raises(ValidationError) as refused:
        couple_update(couple=cast.couple, by=cast.therapist, status=CoupleStatus.DISCHARGED)
    assert refused.value.message_dict == {name: [message] for name, message in MISSING.items()}
    with pytest.raises(ValidationError) as blank:
        _discharge(cast, status_at_discharge="   ", recommendations="")
    assert set(blank.value.message_dict) == {"status_at_discharge", "recommendations"}
    with pytest.raises(ValidationError) as other:
        _discharge(cast, discharge_reason="other", discharge_reason_detail="")
    assert other.value.message_dict == {"discharge_reason_detail": ["Say what the other reason for discharge is."]}
    couple = Couple.objects.get(pk=cast.couple.pk)
    assert (couple.status, couple.end_date, couple.version) == ("active", None, 1)
    assert not Discharge.objects.exists() and not AuditEvent.objects.filter(action="couple.discharge").exists()


def test_a_discharge_is_recorded_encrypted_and_closes_the_active_plan_only(cast):
    superseded = make_plan(cast.couple, by=cast.therapist, status="superseded")
    active = make_plan(cast.couple, by=cast.therapist, status="active")
    draft = make_plan(cast.couple, by=cast.therapist, status="draft")
    couple = _discharge(cast, end_date=datetime.date.today())
    assert couple.status == "discharged" and couple.end_date == timezone.localdate()
    record = Discharge.objects.get()
    assert (record.couple_id, record.reason, record.discharged_on, record.recorded_by) == (
        couple.pk, "mutual", couple.end_date, cast.therapist)
    assert record.recommendations == DISCHARGE["recommendations"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT status_at_discharge, aftercare, recommendations FROM clinic_discharge")
        stored = b"".join(bytes(value) for value in cursor.fetchone())
    for text in ("STATUSTEXT", "AFTERCARETEXT", "RECOMMENDTEXT"):
        assert text.encode() not in stored
    plans = {plan.pk: plan for plan in TreatmentPlan.objects.all()}
    assert plans[active.pk].status == PlanStatus.CLOSED and plans[active.pk].superseded_at is not None
    assert plans[superseded.pk].status == PlanStatus.SUPERSEDED and plans[draft.pk].status == PlanStatus.DRAFT
    discharged = AuditEvent.objects.get(action="couple.discharge")
    assert discharged.detail == {"discharge": str(record.pk), "reason": "mutual"}  # no text
    closed = AuditEvent.objects.get(action="plan.close")
    assert closed.object_id == str(active.pk) and closed.detail["because"] == "discharge"


def test_a_past_end_date_closes_the_plan_at_the_end_of_that_day(cast):
    plan = make_plan(cast.couple, by=cast.therapist, status="active")
    TreatmentPlan.objects.filter(pk=plan.pk).update(signed_at=timezone.make_aware(datetime.datetime(2025, 2, 1)))
    Couple.objects.filter(pk=cast.couple.pk).update(start_date=datetime.date(2025, 1, 1))
    _discharge(cast, end_date=datetime.date(2025, 6, 30))
    closed = TreatmentPlan.objects.get(status=PlanStatus.CLOSED)
    assert timezone.localtime(closed.superseded_at).date() == datetime.date(2025, 6, 30)


def test_editing_a_discharged_couple_asks_nothing_again_and_records_no_second_discharge(cast):
    couple = _discharge(cast)
    couple_update(couple=couple, by=cast.therapist, base_version=couple.version, presenting_concerns="Edited")
    assert Discharge.objects.count() == 1


def test_a_couple_back_in_care_starts_its_next_plan_from_the_closed_one(cast):
    closed = make_plan(cast.couple, by=cast.therapist, status="active", goals=2)
    couple = _discharge(cast)
    couple = couple_update(couple=couple, by=cast.therapist, base_version=couple.version, status="active",
                           end_date=None)
    draft = plan_start(couple=couple, by=cast.therapist)
    assert draft.supersedes_id == closed.pk and draft.number == closed.number + 1
    assert draft.problems.get().goals.count() == 2


def test_the_edit_page_refuses_a_discharge_without_the_record_and_keeps_what_was_typed(cast, login):
    client = login(cast.therapist)
    url = reverse("clinic:couple-edit", args=[cast.couple.pk])
    page = client.get(url).content.decode()
    assert "<legend>Discharge</legend>" in page and "Reason for discharge" in page
    data = {"status": "discharged", "start_date": cast.couple.start_date.isoformat(), "end_date": "",
            "presenting_concerns": "KEPTCONCERNS", "confidentiality": cast.couple.confidentiality, "version": "1",
            "discharge_reason": "referred", "aftercare": "KEPTAFTERCARE"}
    response = client.post(url, data)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert f"Status at discharge: {MISSING['status_at_discharge']}" in html
    assert f"Recommendations: {MISSING['recommendations']}" in html
    for message in (MISSING["status_at_discharge"], MISSING["recommendations"]):
        assert html.count(message) == 2  # in the summary and beside the field
    assert MISSING["aftercare"] not in html and "KEPTAFTERCARE" in html and "KEPTCONCERNS" in html
    assert '<option value="referred" selected>' in html
    assert Couple.objects.get(pk=cast.couple.pk).status == "active"
    response = client.post(url, {**data, **DISCHARGE, "discharge_reason": "referred"})
    assert response.status_code == 302
    assert Discharge.objects.get().reason == "referred"
    page = client.get(url).content.decode()
    assert "Reason for discharge" not in page  # already discharged: not asked again


def test_the_api_refuses_a_discharge_without_the_record_then_takes_one(cast, login):
    Couple.objects.filter(pk=cast.couple.pk).update(created_by=cast.therapist)
    api = login(cast.therapist)
    url = reverse("couple-detail", args=[cast.couple.pk])
    response = api.patch(url, data=json.dumps({"version": 1, "status": "discharged", "aftercare": "None"}),
                         content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"] == {name: [message] for name, message in MISSING.items() if name != "aftercare"}
    assert Couple.objects.get(pk=cast.couple.pk).status == "active"
    response = api.patch(url, data=json.dumps({"version": 1, "status": "discharged", **DISCHARGE}),
                         content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "discharged"
    assert Discharge.objects.get().aftercare == DISCHARGE["aftercare"]
