"""The couple progress report: what it shows, what it leaves out, and its query count. Each PDF is read back."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from keys import keyring
from reports.builders.progress import ProgressOptions, build_progress_report, default_period
from reports.rendering.couple import progress_report_pdf, report_file_name
from tests.factories import CoupleFactory
from tests.reports import couple_data as data
from tests.reports.pdf_support import pdf_text

JAN_START, JAN_END = datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)
HIDDEN = (
    "SOAPSUBJECTIVE", "SOAPOBJECTIVE", "DAPDATA", "BIRPBEHAVIOUR", "BIRPINTERVENTION", "DRAFTTEXT", "RETURNEDTEXT",
    "OTHERSIGNERTEXT", "PSYCHOTHERAPYTEXT", "DECEMBERTEXT", "FEBRUARYTEXT",
)


def january(couple, therapist, other_user, *, confidentiality: str = "no_secrets"):
    """A couple's January 2026: three signed joint notes (SOAP final with an addendum, DAP awaiting
    co-signature, BIRP final), a draft, a returned note, a note signed by someone other than its author, a
    psychotherapy note, one individual session of each partner, a cancellation, a no-show, a late
    cancellation, notes just outside the month; a plan with one objective; PHQ-9 for both partners."""
    couple.confidentiality = confidentiality
    couple.save()
    soap = data.note(data.session(couple, therapist, datetime.date(2026, 1, 6)), template="soap", content={
        "subjective": "SOAPSUBJECTIVE said", "objective": "SOAPOBJECTIVE seen", "assessment": "SOAPASSESSMENT read",
        "plan": "SOAPPLAN next"})
    data.addendum(soap, "ADDENDUMTEXT clarified")
    data.private_note(soap.session, "PSYCHOTHERAPYTEXT private")
    data.note(data.session(couple, therapist, datetime.date(2026, 1, 13)), template="dap", status="awaiting_cosign",
              content={"data": "DAPDATA said", "assessment": "DAPASSESSMENT read", "plan": "DAPPLAN next"})
    data.note(data.session(couple, therapist, datetime.date(2026, 1, 20)), template="birp", content={
        "behaviour": "BIRPBEHAVIOUR seen", "intervention": "BIRPINTERVENTION done", "response": "BIRPRESPONSE read",
        "plan": "BIRPPLAN next"})
    data.note(data.session(couple, therapist, datetime.date(2026, 1, 22)), status="draft",
              content={"assessment": "DRAFTTEXT", "plan": "DRAFTTEXT"})
    data.note(data.session(couple, therapist, datetime.date(2026, 1, 23)), status="returned",
              content={"assessment": "RETURNEDTEXT", "plan": "RETURNEDTEXT"})
    data.note(data.session(couple, therapist, datetime.date(2026, 1, 24)), signed_by=other_user,
              content={"assessment": "OTHERSIGNERTEXT", "plan": "OTHERSIGNERTEXT"})
    data.note(data.session(couple, therapist, datetime.date(2026, 1, 27), kind="individual_a"),
              content={"assessment": "INDIVIDUALATEXT", "plan": "INDIVIDUALAPLAN"})
    data.note(data.session(couple, therapist, datetime.date(2026, 1, 28), kind="individual_b"),
              content={"assessment": "INDIVIDUALBTEXT", "plan": "INDIVIDUALBPLAN"})
    data.session(couple, therapist, datetime.date(2026, 1, 8), attendance="cancelled")
    data.session(couple, therapist, datetime.date(2026, 1, 15), attendance="no_show")
    data.session(couple, therapist, datetime.date(2026, 1, 29), attendance="late_cancelled")
    data.note(data.session(couple, therapist, datetime.date(2025, 12, 30)),
              content={"assessment": "DECEMBERTEXT", "plan": "DECEMBERTEXT"})
    data.note(data.session(couple, therapist, datetime.date(2026, 2, 2)),
              content={"assessment": "FEBRUARYTEXT", "plan": "FEBRUARYTEXT"})
    plan = data.plan(couple, therapist, signed=datetime.date(2025, 10, 1), titles={0: "PROBLEMTITLE trust"})
    objective = plan.problems.get().goals.get().objectives.get()
    data.progress(objective, [(datetime.date(2025, 11, 1), "8"), (datetime.date(2026, 1, 10), "5"),
                              (datetime.date(2026, 2, 5), "3")])
    for partner, first, latest in (("a", 18, 8), ("b", 12, 10)):
        data.administer(couple, therapist, "phq9", partner, first, datetime.date(2025, 10, 1))
        data.administer(couple, therapist, "phq9", partner, latest, datetime.date(2026, 1, 15))
    data.administer(couple, therapist, "phq9", "a", 2, datetime.date(2026, 2, 10))
    return couple


def render(couple, user, **options) -> str:
    return pdf_text(progress_report_pdf(couple=couple, user=user, period_start=JAN_START, period_end=JAN_END,
                                        **options))


def test_progress_report_shows_the_period_and_leaves_out_what_it_must(cast):
    couple = january(cast.couple, cast.therapist, cast.co_therapist)
    text = render(couple, cast.therapist)
    # Header, people, sections
    for expected in ("Harbour Couples Counselling", f"Couple progress report · {couple.reference}",
                     "1 January 2026 to 31 January 2026", couple.partner_a.client.full_name,
                     couple.partner_b.client.full_name, cast.therapist.display_name, cast.co_therapist.display_name,
                     "Attendance in this period", "Treatment plan and objectives", "Outcome measures",
                     "Session notes in this period", "Confidential · Generated", f"by {cast.therapist.display_name}"):
        assert expected in text, expected
    # Attendance: joint attended 6 (three signed, a draft, a returned, another signer), cancelled 1,
    # late-cancelled 1, no-show 1, none left unrecorded; one individual session each; 11 in all.
    assert "Joint session 6 1 1 1 0 9" in text
    assert "Individual session, partner A 1 0 0 0 0 1" in text
    assert "All sessions 8 1 1 1 0 11" in text
    # The plan in effect, the objective's values up to the end of the period (not February's 3)
    assert "PROBLEMTITLE trust" in text
    assert "Applies to: Both partners" in text  # "Partner A", not "partner a"
    assert "10 → 5 → 2" in text and "10 → 3 → 2" not in text
    # PHQ-9: partner A 18 -> 8 (-10, reliable improvement); partner B 12 -> 10 (-2, no reliable change)
    assert "18 · Moderately severe" in text and "8 · Mild" in text and "-10" in text
    assert "Reliable improvement" in text and "No reliable change" in text
    assert "12 · Moderate" in text and "10 · Moderate" in text
    # Signed notes: assessment and plan (BIRP: response and plan), addenda, co-signature state
    for expected in ("SOAPASSESSMENT read", "SOAPPLAN next", "ADDENDUMTEXT clarified", "DAPASSESSMENT read",
                     "DAPPLAN next", "BIRPRESPONSE read", "BIRPPLAN next", "awaiting co-signature",
                     "6 January 2026 · Joint session"):
        assert expected in text, expected
    # No secrets: individual sessions are included for the care team
    assert "INDIVIDUALATEXT" in text and "INDIVIDUALBTEXT" in text
    for hidden in HIDDEN:
        assert hidden not in text, hidden


def test_limited_secrets_leaves_individual_content_out_but_keeps_the_date(cast):
    couple = january(cast.couple, cast.therapist, cast.co_therapist, confidentiality="limited_secrets")
    text = render(couple, cast.therapist)
    assert "INDIVIDUALATEXT" not in text and "INDIVIDUALAPLAN" not in text
    assert "INDIVIDUALBTEXT" not in text and "INDIVIDUALBPLAN" not in text
    assert "27 January 2026 · Individual session, partner A" in text
    assert "28 January 2026 · Individual session, partner B" in text
    assert "content is left out under the couple's limited-secrets agreement" in text
    assert "SOAPASSESSMENT read" in text


def test_no_agreement_recorded_also_leaves_individual_content_out(cast):
    couple = january(cast.couple, cast.therapist, cast.co_therapist, confidentiality="not_recorded")
    text = render(couple, cast.therapist)
    assert "INDIVIDUALATEXT" not in text and "no confidentiality agreement is recorded" in text


def test_leaving_out_partner_a_removes_their_individual_sessions_entirely(cast):
    couple = january(cast.couple, cast.therapist, cast.co_therapist)
    text = render(couple, cast.therapist, exclude_partner="a")
    assert "INDIVIDUALATEXT" not in text and "INDIVIDUALAPLAN" not in text
    assert "27 January 2026" not in text and "Individual session, partner A" not in text
    assert "INDIVIDUALBTEXT" in text
    assert "All sessions 7 1 1 1 0 10" in text
    assert "Individual sessions of Partner A are left out of this report entirely" in text


def test_turning_notes_off_lists_the_notes_without_their_sections(cast):
    couple = january(cast.couple, cast.therapist, cast.co_therapist)
    text = render(couple, cast.therapist, include_notes=False)
    assert "6 January 2026 · Joint session" in text and "awaiting co-signature" in text
    for section in ("SOAPASSESSMENT", "SOAPPLAN", "DAPASSESSMENT", "BIRPRESPONSE", "ADDENDUMTEXT", "INDIVIDUALATEXT"):
        assert section not in text, section
    assert "sections of notes were not included" in text


def test_an_empty_period_says_so_in_words(cast):
    text = render(cast.couple, cast.therapist)
    for expected in ("No sessions were scheduled in this period.",
                     "No treatment plan was active during this period",
                     "No outcome measures were recorded up to 31 January 2026.",
                     "No signed progress notes for sessions in this period."):
        assert expected in text, expected


def test_a_plan_activated_after_the_period_is_shown_with_a_notice(cast):
    data.plan(cast.couple, cast.therapist, signed=datetime.date(2026, 3, 1), titles={0: "LATERPLAN"})
    text = render(cast.couple, cast.therapist)
    assert "LATERPLAN" in text and "activated on 1 March 2026, after the period" in text


def test_a_superseded_plan_in_effect_at_the_end_of_the_period_is_the_one_shown(cast):
    data.plan(cast.couple, cast.therapist, number=1, status="superseded", signed=datetime.date(2025, 6, 1),
              superseded=datetime.date(2026, 3, 1), titles={0: "OLDPLAN"})
    data.plan(cast.couple, cast.therapist, number=2, signed=datetime.date(2026, 3, 1), titles={0: "NEWPLAN"})
    report = build_progress_report(couple=cast.couple, user=cast.therapist,
                                   options=ProgressOptions(JAN_START, JAN_END))
    assert report.plan.number == 1 and report.plan.problems[0].title == "OLDPLAN"


def test_progress_report_refuses_a_user_who_cannot_read_the_couple(cast):
    from django.core.exceptions import PermissionDenied

    for user in (cast.stranger, cast.manager, cast.outsider):
        with pytest.raises(PermissionDenied):
            progress_report_pdf(couple=cast.couple, user=user, period_start=JAN_START, period_end=JAN_END)


def test_default_period_is_the_last_full_calendar_month():
    assert default_period(datetime.date(2026, 3, 15)) == (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    assert default_period(datetime.date(2026, 1, 1)) == (datetime.date(2025, 12, 1), datetime.date(2025, 12, 31))


def test_file_names_carry_the_reference_and_period_never_a_name(cast):
    cast.couple.reference = "C-2026/0001"
    name = report_file_name(cast.couple, "progress", JAN_START, JAN_END)
    assert name == "C-2026-0001_progress_2026-01-01_2026-01-31.pdf"
    assert report_file_name(cast.couple, "discharge", None, datetime.date(2026, 5, 1)) == (
        "C-2026-0001_treatment-summary_2026-05-01.pdf")
    cast.couple.status = "discharged"  # titled, and so named, a discharge summary
    assert report_file_name(cast.couple, "discharge", None, datetime.date(2026, 5, 1)) == (
        "C-2026-0001_discharge-summary_2026-05-01.pdf")
    assert cast.couple.partner_a.client.last_name not in name


# --- Query count ------------------------------------------------------------------------------------


def _history(couple, therapist, sessions: int) -> None:
    data.one_year(couple, therapist, start=datetime.date(2025, 2, 3), sessions=sessions,
                  administrations=max(sessions // 4, 1), goals=1 if sessions < 10 else 3,
                  objectives=1 if sessions < 10 else 3)


def _count_builder_queries(couple, user) -> int:
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        report = build_progress_report(couple=couple, user=user, options=ProgressOptions(
            datetime.date(2025, 2, 1), datetime.date(2026, 1, 31)))
    assert report.notes and report.measures and report.plan
    return len(queries)


# Data keys created inside an uncommitted transaction are not cached (keys.keyring): commit the data,
# so the count is what a running server (or a worker) sees.
@pytest.mark.django_db(transaction=True)
def test_builder_query_count_does_not_grow_with_sessions_notes_and_measures(cast):
    small_couple = CoupleFactory(practice=cast.practice, primary=cast.therapist, confidentiality="no_secrets")
    _history(small_couple, cast.therapist, sessions=5)
    big_couple = CoupleFactory(practice=cast.practice, primary=cast.therapist, confidentiality="no_secrets")
    _history(big_couple, cast.therapist, sessions=50)
    small = _count_builder_queries(small_couple, cast.therapist)
    big = _count_builder_queries(big_couple, cast.therapist)
    # partners with clients, the practice's data key (names), care team with users, plan versions, notes with
    # sessions and signers, their addenda, the couple's data key, plan structure (problems, goals, objectives,
    # interventions), progress points, administrations, practice instruments, session counts (2), unresolved risks,
    # the partners' safety plans and suicide-risk screens (2)
    assert big == small, (small, big)
    assert small <= 19, small
