"""The structured follow-up of a suicide or self-harm risk: a C-SSRS screener with its skip logic and triage,
and a Stanley-Brown safety plan, both encrypted and versioned, required before the risk is acknowledged, and
shown on the couple's safety page, in the API and in the clinical PDFs only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic import cssrs
from clinic.models import IPVResult, Risk, RiskKind, RiskSource, RiskStatus, SafetyPlan, SuicideScreen
from clinic.services import couples as couple_services
from clinic.services import risks as services
from clinic.services import safety
from plans.instruments import BUILTIN
from plans.services.measures import measure_record
from rapport.versioning import StaleVersion
from reports.rendering.couple import discharge_summary_pdf, progress_report_pdf
from tests.clinic.safety_data import HIGH_SCREEN, LOW_SCREEN, NEGATIVE_SCREEN, PLAN, plan_post, screen_post
from tests.reports.pdf_support import pdf_text

pytestmark = pytest.mark.django_db


def suicide_risk(cast, partner="a"):
    answers = [1, 1, 1, 1, 1, 1, 1, 1, 2]
    measure_record(couple=cast.couple, by=cast.therapist, instrument=BUILTIN["phq9"], partner=partner,
                   administered_on=timezone.localdate(), answers=answers)
    return Risk.objects.get(couple=cast.couple, partner=partner, kind=RiskKind.SUICIDE)


def raw(table, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 - fixed names in tests
        return [bytes(row[0]) for row in cursor.fetchall() if row[0] is not None]


# --- the screener's rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("answers", "level"), [
    (NEGATIVE_SCREEN, cssrs.NEGATIVE),
    (LOW_SCREEN, cssrs.LOW),
    ({"q1": False, "q2": True, "q3": False, "q4": False, "q5": False, "q6": False}, cssrs.LOW),
    ({"q1": True, "q2": True, "q3": True, "q4": False, "q5": False, "q6": False}, cssrs.MODERATE),
    ({"q1": False, "q2": False, "q6": True, "q6_recent": False}, cssrs.MODERATE),
    ({"q1": True, "q2": True, "q3": False, "q4": True, "q5": False, "q6": False}, cssrs.HIGH),
    ({"q1": True, "q2": True, "q3": True, "q4": True, "q5": True, "q6": False}, cssrs.HIGH),
    ({"q1": False, "q2": False, "q6": True, "q6_recent": True}, cssrs.HIGH),
])
def test_the_screener_triage_follows_the_published_levels(answers, level):
    clean, errors = cssrs.screen_errors(answers)
    assert errors == {}
    assert cssrs.triage(clean) == level


def test_the_skip_logic_asks_3_to_5_only_after_a_yes_to_2_and_6b_only_after_a_yes_to_6():
    _, errors = cssrs.screen_errors({"q1": True, "q2": False, "q4": True, "q6": False, "q6_recent": True})
    assert set(errors) == {"q4", "q6_recent"}
    _, errors = cssrs.screen_errors({"q1": True, "q2": True, "q6": True})
    assert set(errors) == {"q3", "q4", "q5", "q6_recent"}
    clean, errors = cssrs.screen_errors({"q1": True, "q2": False, "q3": False, "q6": False})
    assert errors == {} and clean["q3"] is None  # a "no" to a skipped question is dropped, not kept


# --- acknowledging a suicide risk ---------------------------------------------------------------------------


def test_a_suicide_risk_is_not_acknowledged_without_a_screen_and_a_plan_and_nothing_is_written(cast):
    risk = suicide_risk(cast)
    with pytest.raises(ValidationError) as refused:
        services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="Assessed.")
    assert {"screen", "safety_plan"} <= set(refused.value.message_dict)
    with pytest.raises(ValidationError) as refused:
        services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="Assessed.", screen_answers=LOW_SCREEN)
    assert set(refused.value.message_dict) == {"safety_plan"}
    with pytest.raises(ValidationError) as refused:
        services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="Assessed.", screen_answers=LOW_SCREEN,
                                  safety_plan={**PLAN, "means_safety": " "})
    assert set(refused.value.message_dict) == {"means_safety"}
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.OPEN
    assert not SuicideScreen.objects.exists() and not SafetyPlan.objects.exists()


def test_a_reason_instead_of_a_plan_is_refused_after_a_moderate_or_high_screen(cast):
    risk = suicide_risk(cast)
    with pytest.raises(ValidationError) as refused:
        services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="Assessed.", screen_answers=HIGH_SCREEN,
                                  plan_not_made="Declined.")
    assert "moderate or high risk" in refused.value.message_dict["safety_plan"][0]
    risk = services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="Assessed.",
                                     screen_answers=NEGATIVE_SCREEN, plan_not_made="Screen negative.")
    assert risk.status == RiskStatus.ACKNOWLEDGED
    assert (risk.screen.triage, risk.safety_plan, risk.safety_plan_not_made) == (
        cssrs.NEGATIVE, None, "Screen negative.")


def test_acknowledging_records_the_screen_and_the_plan_and_audits_ids_only(cast):
    risk = suicide_risk(cast)
    risk = services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="Seen alone; plan made.",
                                     screen_answers=HIGH_SCREEN, safety_plan=PLAN, plan_base_version=0)
    assert risk.status == RiskStatus.ACKNOWLEDGED
    assert (risk.screen.number, risk.screen.partner, risk.screen.triage) == (1, "a", cssrs.HIGH)
    assert (risk.safety_plan.number, risk.safety_plan.warning_signs) == (1, PLAN["warning_signs"])
    event = AuditEvent.objects.get(action="risk.acknowledge", object_id=str(risk.pk))
    assert event.detail["screen"] == str(risk.screen.pk) and event.detail["safety_plan"] == str(risk.safety_plan.pk)
    screen_event = AuditEvent.objects.get(action="suicide_screen.record")
    assert screen_event.detail == {"partner": "a", "number": 1, "triage": "high"}
    plan_event = AuditEvent.objects.get(action="safety_plan.save")
    assert plan_event.detail == {"partner": "a", "number": 1}
    for event in AuditEvent.objects.all():
        assert "Sister" not in str(event.detail) and "tablets" not in str(event.detail)


def test_the_plan_in_force_counts_and_a_new_risk_can_keep_it(cast):
    safety.safety_plan_save(couple=cast.couple, partner="a", by=cast.therapist, sections=PLAN, base_version=0)
    risk = suicide_risk(cast)
    risk = services.risk_acknowledge(risk=risk, by=cast.co_therapist, follow_up="Plan reviewed, unchanged.",
                                     screen_answers=HIGH_SCREEN)
    assert risk.safety_plan.number == 1 and SafetyPlan.objects.count() == 1


def test_a_risk_of_another_kind_needs_no_screen(cast):
    partner = cast.couple.partners.get(position="b")
    couple_services.partner_update(partner=partner, by=cast.therapist, ipv_result=IPVResult.CONCERN,
                                   ipv_screened_on=timezone.localdate(), agreed_confidentiality_on=None)
    risk = Risk.objects.get(kind=RiskKind.IPV)
    risk = services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="Seen alone; safety planning.")
    assert risk.status == RiskStatus.ACKNOWLEDGED and risk.screen is None


def test_a_suicide_risk_of_nobody_in_particular_is_refused_with_a_clear_message(cast):
    risk = services.risk_raise(couple=cast.couple, kind=RiskKind.SUICIDE, source=RiskSource.CLIENT)
    with pytest.raises(ValidationError) as refused:
        services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="x", screen_answers=LOW_SCREEN,
                                  safety_plan=PLAN)
    assert "whose risk" in refused.value.message_dict["screen"][0]


# --- versions -----------------------------------------------------------------------------------------------


def test_each_change_of_a_plan_is_a_new_version_and_a_stale_one_is_refused(cast):
    first = safety.safety_plan_save(couple=cast.couple, partner="a", by=cast.therapist, sections=PLAN,
                                    base_version=0)
    same = safety.safety_plan_save(couple=cast.couple, partner="a", by=cast.therapist, sections=PLAN,
                                   base_version=1)
    assert same.pk == first.pk  # unchanged: no new version
    second = safety.safety_plan_save(couple=cast.couple, partner="a", by=cast.co_therapist,
                                     sections={**PLAN, "people_to_ask": "Brother Sam."}, base_version=1)
    assert second.number == 2
    with pytest.raises(StaleVersion) as stale:
        safety.safety_plan_save(couple=cast.couple, partner="a", by=cast.therapist,
                                sections={**PLAN, "people_to_ask": "Neighbour."}, base_version=1)
    assert stale.value.current_version == 2
    with pytest.raises(StaleVersion):
        safety.safety_plan_save(couple=cast.couple, partner="a", by=cast.therapist, sections=PLAN, base_version=0)
    versions = list(SafetyPlan.objects.filter(partner="a").order_by("number"))
    assert [(v.number, v.people_to_ask) for v in versions] == [(1, PLAN["people_to_ask"]), (2, "Brother Sam.")]
    # partner B's plan is numbered on its own
    assert safety.safety_plan_save(couple=cast.couple, partner="b", by=cast.therapist, sections=PLAN,
                                   base_version=0).number == 1


def test_screens_are_numbered_and_a_stale_screen_is_refused(cast):
    safety.suicide_screen_record(couple=cast.couple, partner="a", by=cast.therapist, answers=LOW_SCREEN,
                                 base_version=0)
    safety.suicide_screen_record(couple=cast.couple, partner="a", by=cast.therapist, answers=HIGH_SCREEN,
                                 base_version=1)
    with pytest.raises(StaleVersion):
        safety.suicide_screen_record(couple=cast.couple, partner="a", by=cast.therapist, answers=LOW_SCREEN,
                                     base_version=1)
    with pytest.raises(ValidationError):
        safety.suicide_screen_record(couple=cast.couple, partner="c", by=cast.therapist, answers=LOW_SCREEN)
    assert [s.triage for s in SuicideScreen.objects.order_by("number")] == [cssrs.LOW, cssrs.HIGH]


def test_screens_plans_and_the_reason_are_encrypted_at_rest(cast):
    risk = suicide_risk(cast)
    services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="Assessed.", screen_answers=LOW_SCREEN,
                              plan_not_made="Declined a written plan; crisis card given.")
    safety.safety_plan_save(couple=cast.couple, partner="a", by=cast.therapist, sections=PLAN, base_version=0)
    for column, text in (("warning_signs", "Lying awake"), ("means_safety", "sleeping tablets"),
                         ("professionals", "988"), ("reasons_for_living", "children")):
        (stored,) = raw("clinic_safetyplan", column)
        assert text.encode() not in stored, column
    (answers,) = raw("clinic_suicidescreen", "answers")
    assert b"q1" not in answers and b"true" not in answers
    (reason,) = raw("clinic_risk", "safety_plan_not_made")
    assert b"crisis card" not in reason


# --- pages --------------------------------------------------------------------------------------------------


def test_the_register_refuses_an_acknowledgement_without_the_follow_up_and_keeps_what_was_typed(cast, login):
    risk = suicide_risk(cast)
    client = login(cast.therapist)
    register = client.get(reverse("clinic:risk-register", args=[cast.couple.pk])).content.decode()
    assert "Suicide-risk screen: C-SSRS screener" in register and "Making the environment safe" in register
    assert reverse("clinic:safety-record", args=[cast.couple.pk]) in register
    url = reverse("clinic:risk-acknowledge", args=[cast.couple.pk, risk.pk])
    prefix = f"ack-{risk.pk}"
    response = client.post(url, {f"{prefix}-follow_up": "Seen alone today.", f"{prefix}-version": 1,
                                 f"{prefix}-plan_version": 0, **screen_post(prefix, HIGH_SCREEN),
                                 f"{prefix}-warning_signs": "Pacing at night."})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Seen alone today." in body and "Pacing at night." in body
    assert "Write the step \u201cinternal coping strategies\u201d" in body
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.OPEN
    response = client.post(url, {f"{prefix}-follow_up": "Seen alone today.", f"{prefix}-version": 1,
                                 f"{prefix}-plan_version": 0, **screen_post(prefix, HIGH_SCREEN),
                                 **plan_post(prefix, PLAN)})
    assert response.status_code == 302
    risk = Risk.objects.get(pk=risk.pk)
    assert risk.status == RiskStatus.ACKNOWLEDGED and risk.safety_plan.number == 1
    register = client.get(reverse("clinic:risk-register", args=[cast.couple.pk])).content.decode()
    assert "C-SSRS screen #1: High risk" in register and "Version 1 in force when acknowledged" in register


def test_the_error_summary_says_whether_a_number_is_the_screen_s_question_or_the_plan_s_step(cast, login):
    """Both lists are numbered from 1: "6." alone was either the screen's suicidal behaviour or the plan's
    making the environment safe. Each line names its list and still links to its field."""
    risk = suicide_risk(cast)
    prefix = f"ack-{risk.pk}"
    response = login(cast.therapist).post(
        reverse("clinic:risk-acknowledge", args=[cast.couple.pk, risk.pk]),
        {f"{prefix}-follow_up": "Seen alone today.", f"{prefix}-version": 1, f"{prefix}-plan_version": 0,
         **screen_post(prefix, {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False}),
         **plan_post(prefix, {**PLAN, "means_safety": "", "social_distraction": ""})})
    assert response.status_code == 400
    lines = {item.text: item.anchor for item in response.context["errors"]}
    assert lines == {
        "Screen, question 6 – Suicidal behaviour (lifetime): Answer yes or no.": f"id_{prefix}-q6",
        "Safety plan, step 3 – People and social settings that provide distraction: Write the step "
        "“people and social settings that provide distraction” of the plan with the partner.":
            f"id_{prefix}-social_distraction",
        "Safety plan, step 6 – Making the environment safe: Write the step “making the environment "
        "safe” of the plan with the partner.": f"id_{prefix}-means_safety",
    }
    body = response.content.decode()
    assert f'<a href="#id_{prefix}-means_safety">Safety plan, step 6 – Making the environment safe:' in body


def test_the_overview_banner_links_the_safety_page(cast, login):
    suicide_risk(cast)
    overview = login(cast.therapist).get(reverse("clinic:couple-detail", args=[cast.couple.pk])).content.decode()
    assert reverse("clinic:safety-record", args=[cast.couple.pk]) in overview


def test_the_safety_page_shows_the_plan_in_force_and_earlier_versions_and_refuses_a_stale_save(cast, login):
    safety.safety_plan_save(couple=cast.couple, partner="a", by=cast.therapist, sections=PLAN, base_version=0)
    safety.safety_plan_save(couple=cast.couple, partner="a", by=cast.therapist,
                            sections={**PLAN, "people_to_ask": "Brother Sam."}, base_version=1)
    client = login(cast.co_therapist)
    url = reverse("clinic:safety-record", args=[cast.couple.pk])
    page = client.get(url).content.decode()
    assert "version 2 in force" in page and "Brother Sam." in page
    assert "Version 1, made" in page and "Sister Jo" in page  # the earlier version stays readable
    assert AuditEvent.objects.filter(action="safety_record.view", actor_id=cast.co_therapist.pk).exists()
    save = reverse("clinic:safety-plan-save", args=[cast.couple.pk, "a"])
    response = client.post(save, {"plan-a-version": 1, **plan_post("plan-a", {**PLAN, "people_to_ask": "Aunt."})})
    assert response.status_code == 409
    assert "saved a newer safety plan" in response.content.decode() and "Aunt." in response.content.decode()
    response = client.post(save, {"plan-a-version": 2, **plan_post("plan-a", {**PLAN, "people_to_ask": "Aunt."})})
    assert response.status_code == 302 and SafetyPlan.objects.filter(partner="a").count() == 3
    assert client.post(reverse("clinic:safety-plan-save", args=[cast.couple.pk, "z"]), {}).status_code == 404


def test_the_safety_page_records_a_screen_and_refuses_a_broken_skip(cast, login):
    client = login(cast.therapist)
    url = reverse("clinic:suicide-screen-record", args=[cast.couple.pk, "b"])
    bad = client.post(url, {"screen-b-version": 0, **screen_post("screen-b", {"q1": True, "q2": False, "q4": True,
                                                                             "q6": False})})
    assert bad.status_code == 400 and "the screener skips it" in bad.content.decode()
    done = client.post(url, {"screen-b-version": 0, **screen_post("screen-b", HIGH_SCREEN)})
    assert done.status_code == 302
    page = client.get(reverse("clinic:safety-record", args=[cast.couple.pk])).content.decode()
    assert "High risk (yes to 4 or 5" in page


# --- API ----------------------------------------------------------------------------------------------------


def test_the_api_saves_versions_with_a_409_and_lists_them(cast, login):
    client = login(cast.therapist)
    url = reverse("couple-safety-plan-list", args=[cast.couple.pk])
    created = client.post(url, {"partner": "a", "version": 0, **PLAN}, content_type="application/json")
    assert created.status_code == 201 and created.json()["number"] == 1
    stale = client.post(url, {"partner": "a", "version": 0, **PLAN, "coping_strategies": "Music."},
                        content_type="application/json")
    assert stale.status_code == 409 and stale.json()["error"]["current_version"] == 1
    missing = client.post(url, {"partner": "a", "version": 1, **PLAN, "professionals": ""},
                          content_type="application/json")
    assert missing.status_code == 400 and "professionals" in missing.json()["error"]["fields"]
    client.post(url, {"partner": "a", "version": 1, **PLAN, "coping_strategies": "Music."},
                content_type="application/json")
    listed = client.get(url).json()["results"]
    assert [(p["number"], p["coping_strategies"]) for p in listed] == [(2, "Music."), (1, PLAN["coping_strategies"])]
    screens = reverse("couple-suicide-screen-list", args=[cast.couple.pk])
    screen = client.post(screens, {"partner": "b", "version": 0, "answers": HIGH_SCREEN},
                         content_type="application/json")
    assert screen.status_code == 201 and screen.json()["triage"] == "high"
    assert client.get(screens).json()["results"][0]["answers"]["q4"] is True


def test_the_api_refuses_to_acknowledge_a_suicide_risk_without_its_follow_up(cast, login):
    risk = suicide_risk(cast)
    client = login(cast.supervisor)
    url = reverse("couple-risk-acknowledge", args=[cast.couple.pk, risk.pk])
    refused = client.post(url, {"version": 1, "follow_up": "Assessed."}, content_type="application/json")
    assert refused.status_code == 400
    assert {"screen", "safety_plan"} <= set(refused.json()["error"]["fields"])
    safety.safety_plan_save(couple=cast.couple, partner="a", by=cast.therapist, sections=PLAN, base_version=0)
    stale = client.post(url, {"version": 1, "follow_up": "Assessed.", "screen": HIGH_SCREEN,
                              "safety_plan": {**PLAN, "people_to_ask": "Aunt."}, "safety_plan_version": 0},
                        content_type="application/json")
    assert stale.status_code == 409 and stale.json()["error"]["current_version"] == 1
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.OPEN and not SuicideScreen.objects.exists()
    done = client.post(url, {"version": 1, "follow_up": "Assessed.", "screen": HIGH_SCREEN,
                             "safety_plan": {**PLAN, "people_to_ask": "Aunt."}, "safety_plan_version": 1},
                       content_type="application/json")
    assert done.status_code == 200
    body = done.json()
    assert body["screen"]["triage"] == "high" and body["safety_plan"]["number"] == 2


# --- PDFs ---------------------------------------------------------------------------------------------------


def test_the_clinical_pdfs_show_the_screen_and_plan_and_the_couple_copy_does_not(cast):
    risk = suicide_risk(cast)
    services.risk_acknowledge(risk=risk, by=cast.therapist, follow_up="Assessed.", screen_answers=HIGH_SCREEN,
                              safety_plan=PLAN)
    today = timezone.localdate()
    start = cast.couple.start_date
    clinical = pdf_text(progress_report_pdf(couple=cast.couple, user=cast.therapist, period_start=start,
                                            period_end=today))
    assert "Suicide-risk follow-up" in clinical and "Sister Jo" in clinical and "High risk" in clinical
    for_couple = pdf_text(progress_report_pdf(couple=cast.couple, user=cast.therapist, period_start=start,
                                              period_end=today, audience="couple"))
    assert "Suicide-risk follow-up" not in for_couple and "Sister Jo" not in for_couple
    assert "tablets" not in for_couple
    summary = pdf_text(discharge_summary_pdf(couple=cast.couple, user=cast.therapist))
    assert "Suicide-risk follow-up" in summary and "locked away" in summary


# --- query counts -------------------------------------------------------------------------------------------


def _counts(client, couple):
    counts = []
    for url in (reverse("clinic:safety-record", args=[couple.pk]),
                reverse("couple-safety-plan-list", args=[couple.pk]),
                reverse("couple-suicide-screen-list", args=[couple.pk])):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    return counts


@pytest.mark.django_db(transaction=True)  # data keys are cached once committed, as in production
def test_the_safety_page_and_api_lists_do_not_grow_with_versions(cast, login):
    client = login(cast.therapist)
    safety.safety_plan_save(couple=cast.couple, partner="a", by=cast.therapist, sections=PLAN, base_version=0)
    safety.suicide_screen_record(couple=cast.couple, partner="a", by=cast.therapist, answers=LOW_SCREEN)
    small = _counts(client, cast.couple)
    for number in range(1, 9):
        safety.safety_plan_save(couple=cast.couple, partner="a", by=cast.co_therapist,
                                sections={**PLAN, "coping_strategies": f"Walk {number}."}, base_version=number)
        safety.safety_plan_save(couple=cast.couple, partner="b", by=cast.therapist,
                                sections={**PLAN, "coping_strategies": f"Run {number}."}, base_version=number - 1)
        safety.suicide_screen_record(couple=cast.couple, partner="b", by=cast.supervisor, answers=HIGH_SCREEN)
    assert _counts(client, cast.couple) == small, small
