"""The IPV screen (HITS, Sherin et al. 1998) per partner, the gate on joint sessions and its override."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.ipv import score_hits
from clinic.models import Couple, Partner
from clinic.selectors.ipv import overrides_for_supervisor, rescreen_prompts
from clinic.services.couples import partner_update
from clinic.services.ipv import ipv_override_record
from tests.factories import CoupleFactory, UserFactory

pytestmark = pytest.mark.django_db
REASON = "Assessed alone: situational conflict, no fear, no coercion; safety plan agreed."


def today():
    return timezone.localdate()


def partner(couple, position):
    return Partner.objects.get(couple=couple, position=position)


def screen(couple, position, answers, result="no_concern", by=None, on=None):
    p = partner(couple, position)
    return partner_update(partner=p, by=by or couple.care_team.first().user, agreed_confidentiality_on=None,
                          ipv_result=result, ipv_screened_on=on or today(), hits_answers=answers)


def fresh(couple):
    return Couple.objects.get(pk=couple.pk)


# --- scoring ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("answers", "total", "positive"), [
    ((1, 1, 1, 1), 4, False), ((3, 3, 2, 2), 10, False), ((3, 3, 3, 2), 11, True), ((5, 5, 5, 5), 20, True),
])
def test_hits_total_above_ten_is_positive(answers, total, positive):
    score = score_hits(answers)
    assert (score.total, score.positive) == (total, positive)


@pytest.mark.parametrize("answers", [(1, 1, 1), (1, 1, 1, 1, 1), (0, 1, 1, 1), (1, 1, 1, 6)])
def test_hits_refuses_incomplete_or_out_of_range_answers(answers):
    with pytest.raises(ValueError):
        score_hits(answers)


# --- recording the screen ---------------------------------------------------------------------------
def test_hits_answers_are_stored_encrypted_with_total_and_who_when(cast):
    p = screen(cast.couple, "a", [2, 3, 1, 4], by=cast.therapist)
    p.refresh_from_db()
    assert (p.hits_total, p.hits_positive, p.hits_answers) == (10, False, "2,3,1,4")
    assert p.ipv_screened_by == cast.therapist and p.ipv_screened_on == today()
    with connection.cursor() as cursor:
        cursor.execute("SELECT hits_answers FROM clinic_partner WHERE id = %s", [p.pk.hex])
        raw = cursor.fetchone()[0]
    assert b"2,3,1,4" not in bytes(raw)
    event = AuditEvent.objects.filter(action="partner.update").latest("id")
    assert "2,3,1,4" not in str(event.detail)


def test_partner_update_refuses_bad_hits_answers(cast):
    with pytest.raises(ValidationError) as error:
        screen(cast.couple, "a", [1, 2, 9, 1])
    assert "hits_answers" in error.value.message_dict


def test_page_requires_all_four_hits_answers_with_a_judgement(cast, login):
    url = reverse("clinic:partner-edit", args=[cast.couple.pk, "a"])
    data = {"agreed_confidentiality_on": "", "ipv_result": "no_concern", "ipv_screened_on": today().isoformat(),
            "ipv_notes": ""}
    html = login(cast.therapist).post(url, data).content.decode()
    assert "Ask the four HITS questions" in html
    html = login(cast.therapist).post(url, {**data, "hits_hurt": "1"}).content.decode()
    assert "Answer all four HITS questions, or none." in html
    response = login(cast.therapist).post(url, {**data, "hits_hurt": "3", "hits_insult": "3", "hits_threaten": "3",
                                                "hits_scream": "3"})
    assert response.status_code == 302
    assert partner(cast.couple, "a").hits_total == 12
    page = login(cast.therapist).get(reverse("clinic:couple-administration", args=[cast.couple.pk])).content.decode()
    assert "IPV gate: joint sessions on hold" in page and "12 of 20" in page


def test_api_records_hits_and_refuses_bad_answers(cast, login):
    client = login(cast.therapist)
    url = f"/api/v1/couples/{cast.couple.pk}/partners/b/"
    bad = client.patch(url, {"hits_answers": [1, 2, 3]}, content_type="application/json")
    assert bad.status_code == 400 and "hits_answers" in bad.json()["error"]["fields"]
    response = client.patch(url, {"hits_answers": [4, 4, 2, 2], "ipv_result": "no_concern",
                                  "ipv_screened_on": today().isoformat()}, content_type="application/json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["hits_total"], body["hits_positive"], body["ipv_flagged"]) == (12, True, True)
    detail = client.get(f"/api/v1/couples/{cast.couple.pk}/").json()
    assert detail["ipv_joint_blocked"] is True


# --- the gate and its override ----------------------------------------------------------------------
@pytest.mark.parametrize(("answers", "result", "blocked"), [
    ([1, 1, 1, 1], "no_concern", False),
    ([3, 3, 3, 2], "no_concern", True),   # HITS 11: positive whatever the judgement
    ([1, 1, 1, 1], "concern", True),      # the clinician's concern alone blocks
])
def test_a_positive_screen_or_a_concern_blocks_joint_sessions(cast, answers, result, blocked):
    screen(cast.couple, "a", [1, 1, 1, 1])
    screen(cast.couple, "b", answers, result=result)
    assert fresh(cast.couple).ipv_joint_blocked is blocked


def test_override_is_documented_encrypted_and_audited_without_text(cast):
    screen(cast.couple, "b", [4, 4, 4, 4])
    couple = ipv_override_record(couple=fresh(cast.couple), by=cast.therapist, reason=REASON)
    couple = fresh(couple)
    assert not couple.ipv_joint_blocked and couple.ipv_override_by == cast.therapist
    assert couple.ipv_override_reason == REASON and couple.ipv_override_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT ipv_override_reason FROM clinic_couple WHERE id = %s", [couple.pk.hex])
        assert b"situational" not in bytes(cursor.fetchone()[0])
    event = AuditEvent.objects.get(action="couple.ipv_override")
    assert event.object_id == str(couple.pk) and "situational" not in str(event.detail)


def test_override_is_refused_without_a_flag_or_a_reason(cast):
    with pytest.raises(ValidationError, match="not blocked"):
        ipv_override_record(couple=fresh(cast.couple), by=cast.therapist, reason=REASON)
    screen(cast.couple, "a", [5, 5, 5, 5])
    with pytest.raises(ValidationError, match="Give the reason"):
        ipv_override_record(couple=fresh(cast.couple), by=cast.therapist, reason="   ")
    assert not AuditEvent.objects.filter(action="couple.ipv_override").exists()


def test_a_new_screen_clears_the_override(cast):
    screen(cast.couple, "a", [5, 5, 5, 5])
    ipv_override_record(couple=fresh(cast.couple), by=cast.therapist, reason=REASON)
    screen(cast.couple, "a", [5, 5, 5, 4])
    assert fresh(cast.couple).ipv_joint_blocked
    assert AuditEvent.objects.filter(action="couple.ipv_override_cleared").exists()


def test_override_page_documents_the_decision(cast, login):
    screen(cast.couple, "a", [5, 5, 5, 5])
    client = login(cast.therapist)
    url = reverse("clinic:ipv-override", args=[cast.couple.pk])
    assert "HITS 20, above 10" in client.get(url).content.decode()
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "Give the reason" in refused.content.decode()
    assert client.post(url, {"reason": REASON}).status_code == 302
    page = client.get(reverse("clinic:couple-detail", args=[cast.couple.pk])).content.decode()
    assert "IPV gate: override documented" in page and "situational conflict" in page


def test_supervisor_of_the_therapist_is_told_of_the_override(cast, login):
    other_supervisor = UserFactory(practice=cast.practice, role="supervisor", username="olga.othersup")
    screen(cast.couple, "a", [5, 5, 5, 5])
    ipv_override_record(couple=fresh(cast.couple), by=cast.therapist, reason=REASON)
    assert list(overrides_for_supervisor(cast.supervisor)) == [fresh(cast.couple)]
    assert not overrides_for_supervisor(other_supervisor).exists()
    page = login(cast.supervisor).get(reverse("notes:review-queue")).content.decode()
    assert "IPV gate overridden on your supervisees" in page and cast.couple.reference in page
    assert "situational" not in page, "the queue names the case; the reason stays on the couple's page"


def test_supervisor_queue_lists_overrides_in_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    for _ in range(3):
        couple = CoupleFactory(practice=cast.practice, primary=cast.therapist)
        screen(couple, "a", [5, 5, 5, 5], by=cast.therapist)
        ipv_override_record(couple=fresh(couple), by=cast.therapist, reason=REASON)
    with django_assert_max_num_queries(1):
        rows = list(overrides_for_supervisor(cast.supervisor))
        assert all(r.ipv_override_by.username for r in rows) and len(rows) == 3


# --- re-screen prompts ------------------------------------------------------------------------------
def test_rescreen_is_prompted_after_the_practice_interval(cast, login):
    screen(cast.couple, "a", [1, 1, 1, 1], on=today() - datetime.timedelta(days=89))
    screen(cast.couple, "b", [1, 1, 1, 1], on=today() - datetime.timedelta(days=90))
    couple = fresh(cast.couple)
    assert [p.partner.position for p in rescreen_prompts(couple, list(couple.partners.all()))] == ["b"]
    cast.practice.ipv_rescreen_days = 30
    cast.practice.save()
    couple = fresh(cast.couple)
    assert len(rescreen_prompts(couple, list(couple.partners.all()))) == 2
    page = login(cast.therapist).get(reverse("clinic:couple-detail", args=[cast.couple.pk])).content.decode()
    assert "IPV re-screen due" in page


def test_api_documents_an_override_and_refuses_it_without_a_flag(cast, login):
    client = login(cast.therapist)
    url = reverse("couple-ipv-override", args=[cast.couple.pk])
    refused = client.post(url, {"reason": REASON}, content_type="application/json")
    assert refused.status_code == 400 and "not blocked" in refused.json()["error"]["fields"]["reason"][0]
    screen(cast.couple, "a", [5, 5, 5, 5])
    assert client.post(url, {}, content_type="application/json").status_code == 400
    response = client.post(url, {"reason": REASON}, content_type="application/json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["ipv_joint_blocked"] is False and body["ipv_override_by"] == str(cast.therapist.pk)
    assert login(cast.manager).post(url, {"reason": REASON}, content_type="application/json").status_code == 403
