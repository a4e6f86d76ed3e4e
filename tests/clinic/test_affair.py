"""The clinician's record of an affair (clinic.services.affair): ongoing or ended, encrypted at rest, audited by
field name only, recorded on its page and through the API by the couple's therapists, never shown to the
practice manager or to a partner in the portal."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import Couple
from clinic.services.affair import END_DATE_IN_FUTURE, END_DATE_ONLY_WHEN_ENDED, affair_record
from tests.portal.portal_factories import portal_account, sign_in_partner

pytestmark = pytest.mark.django_db


def fresh(couple) -> Couple:
    return Couple.objects.get(pk=couple.pk)


def ongoing(cast) -> Couple:
    return affair_record(couple=fresh(cast.couple), by=cast.therapist, status="ongoing")


# --- service ----------------------------------------------------------------------------------------


def test_recording_an_ongoing_affair_is_encrypted_with_who_and_when_and_audited_without_values(cast):
    ongoing(cast)
    couple = fresh(cast.couple)
    assert couple.affair_ongoing and couple.affair_status == "ongoing"
    assert couple.affair_recorded_by == cast.therapist and couple.affair_recorded_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT affair_status FROM clinic_couple WHERE id = %s", [couple.pk.hex])
        raw = bytes(cursor.fetchone()[0])
    assert b"ongoing" not in raw and len(raw) > 20
    event = AuditEvent.objects.get(action="couple.affair_recorded")
    assert event.detail == {"fields": ["affair_status"]} and "ongoing" not in json.dumps(event.detail)


def test_an_ended_affair_keeps_its_end_date_encrypted(cast):
    ended_on = timezone.localdate() - datetime.timedelta(days=40)
    ongoing(cast)
    affair_record(couple=fresh(cast.couple), by=cast.co_therapist, status="ended", ended_on=ended_on)
    couple = fresh(cast.couple)
    assert (couple.affair_status, couple.affair_ended_on, couple.affair_ongoing) == ("ended", ended_on, False)
    assert couple.affair_recorded_by == cast.co_therapist
    with connection.cursor() as cursor:
        cursor.execute("SELECT affair_ended_on FROM clinic_couple WHERE id = %s", [couple.pk.hex])
        assert ended_on.isoformat().encode() not in bytes(cursor.fetchone()[0])
    last = AuditEvent.objects.filter(action="couple.affair_recorded").order_by("-id").first()
    assert last.detail == {"fields": ["affair_status", "affair_ended_on"]}


def test_clearing_the_record_stores_nothing(cast):
    ongoing(cast)
    affair_record(couple=fresh(cast.couple), by=cast.therapist, status="")
    couple = fresh(cast.couple)
    assert couple.affair_status is None and not couple.affair_ongoing


def test_an_end_date_needs_an_ended_affair_in_the_past(cast):
    with pytest.raises(ValidationError) as error:
        affair_record(couple=fresh(cast.couple), by=cast.therapist, status="ongoing",
                      ended_on=timezone.localdate())
    assert error.value.message_dict == {"affair_ended_on": [END_DATE_ONLY_WHEN_ENDED]}
    with pytest.raises(ValidationError) as error:
        affair_record(couple=fresh(cast.couple), by=cast.therapist, status="ended",
                      ended_on=timezone.localdate() + datetime.timedelta(days=1))
    assert error.value.message_dict == {"affair_ended_on": [END_DATE_IN_FUTURE]}
    with pytest.raises(ValidationError):
        affair_record(couple=fresh(cast.couple), by=cast.therapist, status="rumoured")
    assert fresh(cast.couple).affair_status is None
    assert not AuditEvent.objects.filter(action="couple.affair_recorded").exists()


# --- page ---------------------------------------------------------------------------------------------


def test_page_records_the_affair_and_the_overview_shows_it(cast, login):
    client = login(cast.therapist)
    url = reverse("clinic:affair-record", args=[cast.couple.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"affair_status": "ongoing", "affair_ended_on": ""})
    assert response.status_code == 302 and fresh(cast.couple).affair_ongoing
    page = client.get(reverse("clinic:couple-administration", args=[cast.couple.pk])).content.decode()
    assert "Ongoing" in page and url in page


def test_page_refuses_an_end_date_for_an_ongoing_affair_beside_the_field(cast, login):
    client = login(cast.therapist)
    response = client.post(reverse("clinic:affair-record", args=[cast.couple.pk]),
                           {"affair_status": "ongoing", "affair_ended_on": "2020-01-01"})
    assert response.status_code == 400 and END_DATE_ONLY_WHEN_ENDED in response.content.decode()
    assert fresh(cast.couple).affair_status is None


def test_supervisor_reads_it_but_cannot_record_and_the_manager_never_sees_it(cast, login):
    ongoing(cast)
    url = reverse("clinic:affair-record", args=[cast.couple.pk])
    supervisor = login(cast.supervisor)
    assert "Ongoing" in supervisor.get(reverse("clinic:couple-administration", args=[cast.couple.pk])).content.decode()
    assert supervisor.post(url, {"affair_status": ""}).status_code == 404  # read-only on the case
    manager = login(cast.manager)
    assert manager.post(url, {"affair_status": ""}).status_code == 403
    body = manager.get(reverse("couple-detail", args=[cast.couple.pk])).json()
    assert not any(key.startswith("affair") for key in body)
    assert fresh(cast.couple).affair_ongoing


# --- API ----------------------------------------------------------------------------------------------


def test_api_records_the_affair_and_shows_it_to_clinicians(cast, login):
    client = login(cast.therapist)
    url = reverse("couple-affair", args=[cast.couple.pk])
    assert client.post(url, {}, content_type="application/json").status_code == 400
    refused = client.post(url, {"affair_status": "ongoing", "affair_ended_on": "2020-01-01"},
                          content_type="application/json")
    assert refused.status_code == 400 and "affair_ended_on" in refused.json()["error"]["fields"]
    response = client.post(url, {"affair_status": "ended", "affair_ended_on": "2020-01-01"},
                           content_type="application/json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["affair_status"], body["affair_ended_on"]) == ("ended", "2020-01-01")
    assert body["affair_recorded_by"] == str(cast.therapist.pk) and body["affair_recorded_at"]
    detail = client.get(reverse("couple-detail", args=[cast.couple.pk])).json()
    assert detail["affair_status"] == "ended"
    assert login(cast.manager).post(url, {"affair_status": ""}, content_type="application/json").status_code == 403


# --- the portal -----------------------------------------------------------------------------------------


def test_partners_never_see_the_affair_record_in_the_portal(cast, client):
    ongoing(cast)
    sign_in_partner(client, portal_account(cast.couple, "a"))
    page = client.get(reverse("portal:home"))
    assert page.status_code == 200
    text = page.content.decode().lower()
    assert "affair" not in text and "ongoing" not in text


# --- couple-audience reports --------------------------------------------------------------------------------


@pytest.mark.parametrize("audience", ["couple", "clinical"])
def test_no_report_carries_the_affair_record_or_its_caution(cast, audience):
    from plans.models import LibraryItem
    from plans.services.from_library import plan_add_from_library
    from plans.services.library import ensure_practice_library
    from reports.rendering.couple import progress_report_pdf
    from tests.plans.plan_factories import make_plan
    from tests.reports.pdf_support import pdf_text

    ensure_practice_library(cast.practice)
    plan = make_plan(cast.couple, by=cast.therapist, problems=0)
    plan_add_from_library(plan=plan, by=cast.therapist, items=[
        LibraryItem.objects.get(practice=cast.practice, slug=slug)
        for slug in ("cause-past-dishonesty", "intervention-forgiveness-work")])
    ongoing(cast)
    today = timezone.localdate()
    text = pdf_text(progress_report_pdf(couple=fresh(cast.couple), user=cast.therapist, audience=audience,
                                        period_start=today - datetime.timedelta(days=30), period_end=today))
    assert "recorded as ongoing" not in text and "Ongoing" not in text and "Affair record" not in text
