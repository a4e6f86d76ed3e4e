"""The risk register: a safety concern raised anywhere reaches the clinicians' daily pages, is acknowledged
with a follow-up, closed, escalated when left alone, and never reaches the practice manager."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import CoupleStatus, IPVResult, Risk, RiskKind, RiskSource, RiskStatus
from clinic.selectors.risks import risk_counts, unresolved_risks_for
from clinic.services import couples as couple_services
from clinic.services import risks as services
from notes.services import notes as note_services
from plans.instruments import BUILTIN
from plans.services.measures import measure_acknowledge_risk, measure_record
from rapport.versioning import StaleVersion
from tests.clinic.discharge_support import DISCHARGE
from tests.clinic.safety_data import LOW_SCREEN, NEGATIVE_SCREEN, PLAN, screen_post
from tests.factories import TEST_PASSWORD
from tests.notes.note_factories import SOAP_TEXT, SessionFactory, all_clear_risk

pytestmark = pytest.mark.django_db

PHQ9_ITEM9_TWO = [1, 1, 1, 1, 1, 1, 1, 1, 2]


def record_phq9(cast, answers=PHQ9_ITEM9_TWO, partner="a"):
    return measure_record(couple=cast.couple, by=cast.therapist, instrument=BUILTIN["phq9"], partner=partner,
                          administered_on=timezone.localdate(), answers=answers)


def overdue(risk, hours=25):
    Risk.objects.filter(pk=risk.pk).update(raised_at=timezone.now() - datetime.timedelta(hours=hours))
    return Risk.objects.get(pk=risk.pk)


def test_a_phq9_item_9_above_0_opens_a_suicide_risk_for_that_partner(cast):
    administration = record_phq9(cast)
    risk = Risk.objects.get(couple=cast.couple)
    assert (risk.kind, risk.source, risk.source_id, risk.partner, risk.status) == (
        RiskKind.SUICIDE, RiskSource.MEASURE, administration.pk, "a", RiskStatus.OPEN)
    assert "item 9 answered 2" in risk.detail
    assert AuditEvent.objects.filter(action="risk.raise", object_id=str(risk.pk)).exists()


def test_a_phq9_with_item_9_at_0_opens_nothing(cast):
    record_phq9(cast, answers=[3, 3, 3, 3, 3, 3, 3, 3, 0])
    assert not Risk.objects.exists()


def test_acknowledging_the_measure_flag_leaves_its_suicide_risk_open_for_the_structured_follow_up(cast):
    administration = record_phq9(cast)
    measure_acknowledge_risk(administration=administration, by=cast.therapist, note="Assessed; safety plan made.")
    administration.refresh_from_db()
    assert administration.risk_acknowledged_at is not None
    risk = Risk.objects.get()
    assert risk.status == RiskStatus.OPEN and risk.follow_up == ""


def test_a_signed_note_opens_one_risk_per_concern_and_signing_again_adds_none(cast):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    note, _ = note_services.note_start(session=session, by=cast.therapist)
    risk_check = all_clear_risk(a={"suicidal_ideation": "concern", "safety_plan": "Crisis line card given."},
                                b={"partner_violence": "concern", "safety_plan": "Seen alone; shelter number given."})
    note = note_services.note_save_draft(note=note, by=cast.therapist, base_version=note.version,
                                         content=dict(SOAP_TEXT), risk=risk_check)
    note = note_services.note_sign(note=note, by=cast.therapist, secret=TEST_PASSWORD)
    risks = {(r.kind, r.partner): r for r in Risk.objects.filter(source=RiskSource.NOTE, source_id=note.pk)}
    assert set(risks) == {(RiskKind.SUICIDE, "a"), (RiskKind.IPV, "b")}
    assert "Crisis line card given." in risks[(RiskKind.SUICIDE, "a")].detail
    services.risk_raise(couple=cast.couple, kind=RiskKind.SUICIDE, source=RiskSource.NOTE, source_id=note.pk,
                        partner="a")
    assert Risk.objects.count() == 2


def test_an_ipv_screen_with_a_concern_opens_an_ipv_risk(cast):
    partner = cast.couple.partners.get(position="b")
    couple_services.partner_update(partner=partner, by=cast.therapist, ipv_result=IPVResult.CONCERN,
                                   ipv_screened_on=timezone.localdate(), agreed_confidentiality_on=None)
    risk = Risk.objects.get()
    assert (risk.kind, risk.source, risk.partner) == (RiskKind.IPV, RiskSource.IPV_SCREEN, "b")


def test_acknowledge_needs_a_follow_up_and_close_needs_an_acknowledged_risk(cast):
    record_phq9(cast)
    risk = Risk.objects.get()
    with pytest.raises(ValidationError) as refused:
        services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="  ")
    assert "follow_up" in refused.value.message_dict
    with pytest.raises(ValidationError, match="Acknowledge the risk"):
        services.risk_close(risk=risk, by=cast.therapist, note="Fine now.")
    risk = services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="Assessed with partner A alone.",
                                     follow_up_on=timezone.localdate(), base_version=risk.version,
                                     screen_answers=LOW_SCREEN, safety_plan=PLAN)
    with pytest.raises(StaleVersion):
        services.risk_close(risk=risk, by=cast.therapist, note="Reassessed.", base_version=risk.version - 1)
    risk = services.risk_close(risk=risk, by=cast.therapist, note="Reassessed: no current ideation.",
                               base_version=risk.version)
    assert risk.status == RiskStatus.CLOSED
    with pytest.raises(ValidationError, match="already closed"):
        services.risk_close(risk=risk, by=cast.therapist, note="Again.")


def test_a_couple_with_an_unresolved_suicide_risk_cannot_be_discharged(cast):
    record_phq9(cast)
    with pytest.raises(ValidationError) as refused:
        couple_services.couple_update(couple=cast.couple, by=cast.therapist, status=CoupleStatus.DISCHARGED)
    assert "unresolved suicide" in str(refused.value.message_dict["status"])
    risk = Risk.objects.get()
    risk = services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="Assessed.",
                                     screen_answers=NEGATIVE_SCREEN, plan_not_made="Screen negative.")
    assert risk.status == RiskStatus.ACKNOWLEDGED
    with pytest.raises(ValidationError):  # acknowledged is not resolved: still no discharge
        couple_services.couple_update(couple=cast.couple, by=cast.therapist, status=CoupleStatus.DISCHARGED)
    services.risk_close(risk=risk, by=cast.therapist, note="Resolved.")
    couple = couple_services.couple_update(couple=cast.couple, by=cast.therapist, status=CoupleStatus.DISCHARGED,
                                           discharge=DISCHARGE)
    assert couple.status == CoupleStatus.DISCHARGED


def test_an_open_risk_past_the_window_is_escalated_once_to_the_therapists_supervisor(cast):
    record_phq9(cast)
    risk = Risk.objects.get()
    assert services.risks_escalate() == 0  # still inside the 24 hours
    overdue(risk)
    call_command("escalate_risks", stdout=open("/dev/null", "w"))  # noqa: SIM115
    risk.refresh_from_db()
    assert risk.escalated_to == cast.supervisor and risk.escalated_at is not None
    assert services.risks_escalate() == 0
    assert AuditEvent.objects.filter(action="risk.escalate", object_id=str(risk.pk)).count() == 1


def test_unresolved_risks_reach_the_case_therapists_and_the_supervisor_only(cast):
    record_phq9(cast)
    for user in (cast.therapist, cast.co_therapist, cast.supervisor):
        assert len(unresolved_risks_for(user)) == 1, user
    for user in (cast.stranger, cast.manager, cast.admin, cast.outsider):
        assert unresolved_risks_for(user) == [], user


def test_today_the_overview_and_the_supervisors_queue_show_the_risk(cast, login):
    record_phq9(cast)
    today = login(cast.therapist).get(reverse("notes:therapist-home")).content.decode()
    assert 'id="risks-heading"' in today and "Suicide or self-harm" in today
    overview = login(cast.therapist).get(reverse("clinic:couple-detail", args=[cast.couple.pk])).content.decode()
    assert "Risk register: 1 unresolved" in overview
    queue_url = reverse("notes:review-queue")
    assert "Risks not acknowledged in time" not in login(cast.supervisor).get(queue_url).content.decode()
    overdue(Risk.objects.get())
    queue = login(cast.supervisor).get(queue_url).content.decode()
    assert "Risks not acknowledged in time" in queue and cast.couple.reference in queue


def test_the_register_page_acknowledges_and_keeps_the_text_on_a_bad_date(cast, login):
    record_phq9(cast)
    risk = Risk.objects.get()
    client = login(cast.therapist)
    url = reverse("clinic:risk-acknowledge", args=[cast.couple.pk, risk.pk])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(url, {f"ack-{risk.pk}-follow_up": "Called partner A.", f"ack-{risk.pk}-version": 1,
                                 f"ack-{risk.pk}-follow_up_on": yesterday.isoformat()})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose today or a later day for the follow-up." in body and "Called partner A." in body
    response = client.post(url, {f"ack-{risk.pk}-follow_up": "Called partner A.", f"ack-{risk.pk}-version": 1,
                                 **screen_post(f"ack-{risk.pk}", LOW_SCREEN),
                                 f"ack-{risk.pk}-safety_plan_not_made": "Screen low; plan offered, declined."})
    assert response.status_code == 302
    assert Risk.objects.get().status == RiskStatus.ACKNOWLEDGED


def test_the_api_lists_and_acknowledges_with_a_409_on_a_stale_version(cast, login):
    record_phq9(cast)
    risk = Risk.objects.get()
    client = login(cast.therapist)
    listed = client.get(reverse("couple-risk-list", args=[cast.couple.pk])).json()
    assert listed["results"][0]["kind"] == "suicide" and listed["results"][0]["overdue"] is False
    url = reverse("couple-risk-acknowledge", args=[cast.couple.pk, risk.pk])
    stale = client.post(url, {"version": 7, "follow_up": "Assessed."}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["error"]["current_version"] == 1
    done = client.post(url, {"version": 1, "follow_up": "Assessed.", "screen": NEGATIVE_SCREEN,
                             "safety_plan_not_made": "Screen negative."}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "acknowledged"


def test_the_manager_sees_counts_only(cast, login):
    record_phq9(cast)
    overdue(Risk.objects.get())
    counts = risk_counts(cast.couple.practice)
    assert (counts.open, counts.overdue, counts.acknowledged) == (1, 1, 0)
    home = login(cast.manager).get(reverse("clinic:practice-home")).content.decode()
    assert "item 9" not in home and "Suicide" not in home


@pytest.mark.parametrize(("days", "overdue_shown"), [(-1, True), (0, False), (3, False)])
def test_an_acknowledged_risk_whose_follow_up_day_has_passed_is_flagged_where_the_clinician_looks(
        cast, login, days, overdue_shown):
    """An IPV risk acknowledged with "check again on" a day now past: Today, the couple's banner and Outstanding,
    and the register say the follow-up is overdue; on the day itself or before, they do not."""
    partner = cast.couple.partners.get(position="b")
    couple_services.partner_update(partner=partner, by=cast.therapist, ipv_result=IPVResult.CONCERN,
                                   ipv_screened_on=timezone.localdate(), agreed_confidentiality_on=None)
    risk = Risk.objects.get()
    services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="Safety planning with partner B alone.",
                              follow_up_on=timezone.localdate(), base_version=risk.version)
    due = timezone.localdate() + datetime.timedelta(days=days)
    Risk.objects.filter(pk=risk.pk).update(follow_up_on=due)  # days go by
    client = login(cast.therapist)
    today = client.get(reverse("notes:therapist-home")).content.decode()
    couple_page = client.get(reverse("clinic:couple-detail", args=[cast.couple.pk])).content.decode()
    register = client.get(reverse("clinic:risk-register", args=[cast.couple.pk])).content.decode()
    assert ("follow-up overdue since" in today) is overdue_shown
    assert ("follow-up overdue since" in couple_page) is overdue_shown
    assert ("Follow up the risk: " in couple_page) is overdue_shown
    assert ("Acknowledged, follow-up overdue" in register) is overdue_shown
    if overdue_shown:
        assert f"due {due:%-d %b %Y}, overdue" in couple_page
    [mine] = unresolved_risks_for(cast.therapist)
    assert mine.follow_up_overdue is overdue_shown


def test_a_check_of_an_acknowledged_risk_is_added_to_its_follow_up_and_clears_the_overdue_flag(cast, login):
    partner = cast.couple.partners.get(position="b")
    couple_services.partner_update(partner=partner, by=cast.therapist, ipv_result=IPVResult.CONCERN,
                                   ipv_screened_on=timezone.localdate(), agreed_confidentiality_on=None)
    risk = services.risk_acknowledge(risk=Risk.objects.get(), by=cast.therapist, follow_up="Safety planning.",
                                     follow_up_on=timezone.localdate(), base_version=1)
    Risk.objects.filter(pk=risk.pk).update(follow_up_on=timezone.localdate() - datetime.timedelta(days=2))
    client = login(cast.therapist)
    url = reverse("clinic:risk-check", args=[cast.couple.pk, risk.pk])
    field = f"check-{risk.pk}-"  # the form's prefix: one form per risk on the page
    register = reverse("clinic:risk-register", args=[cast.couple.pk])
    page = client.get(register).content.decode()
    assert "Record a check" in page and "follow-up overdue since" in page
    # Empty, or a day in the past: refused on the page, the text kept.
    refused = client.post(url, {field + "note": "", field + "version": risk.version})
    assert refused.status_code == 400 and "Write what the check found" in refused.content.decode()
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    refused = client.post(url, {field + "note": "Seen alone.", field + "follow_up_on": past,
                                field + "version": risk.version})
    assert refused.status_code == 400 and "Seen alone." in refused.content.decode()
    next_check = timezone.localdate() + datetime.timedelta(days=14)
    done = client.post(url, {field + "note": "Seen partner B alone: no incident since.",
                             field + "follow_up_on": next_check.isoformat(), field + "version": risk.version},
                       follow=True)
    assert "Check recorded." in done.content.decode()
    risk.refresh_from_db()
    assert risk.status == RiskStatus.ACKNOWLEDGED and risk.follow_up_on == next_check
    assert risk.follow_up.startswith("Safety planning.\n\nChecked ")
    assert risk.follow_up.endswith("Seen partner B alone: no incident since.")
    assert "follow-up overdue" not in client.get(register).content.decode()
    assert AuditEvent.objects.filter(action="risk.check", object_id=str(risk.pk)).exists()
    assert "no incident" not in str(AuditEvent.objects.get(action="risk.check").detail)
    # An open or closed risk is not checked.
    services.risk_close(risk=risk, by=cast.therapist, note="Resolved.", base_version=risk.version)
    with pytest.raises(ValidationError, match="Only an acknowledged risk"):
        services.risk_check(risk=risk, by=cast.therapist, note="Again.")
