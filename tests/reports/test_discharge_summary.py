"""The treatment / discharge summary: content read back from the PDF, what it leaves out, queries, download."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from clinic.services.couples import couple_update
from keys import keyring
from reports.builders.discharge import build_discharge_summary
from reports.rendering.couple import discharge_summary_pdf
from tests.factories import CoupleFactory
from tests.reports import couple_data as data
from tests.reports.pdf_support import pdf_text
from tests.reports.single_helpers import fetch_pdf

DISCHARGE = {"discharge_reason": "goals_met", "discharge_reason_detail": "",
             "status_at_discharge": "STATUSATDISCHARGE both partners report fewer checking episodes",
             "aftercare": "AFTERCARETEXT referred to a local couples group", "recommendations": "RECOMMENDDISCHARGE"}


def treated(couple, therapist, *, confidentiality: str = "limited_secrets", discharged: bool = True):
    """A year of treatment ending in February 2026: two plan versions, sessions of each kind, measures, and
    last notes of each kind (joint, then individual, then a draft); discharged through the service (which
    records the discharge and closes the active plan) unless `discharged` is False."""
    couple.confidentiality = confidentiality
    couple.start_date = datetime.date(2025, 3, 1)
    couple.save()
    _treatment(couple, therapist)
    if discharged:
        couple_update(couple=couple, by=therapist, status="discharged", end_date=datetime.date(2026, 2, 28),
                      discharge=DISCHARGE)
    return couple


def _treatment(couple, therapist):
    data.plan(couple, therapist, number=1, status="superseded", signed=datetime.date(2025, 3, 10),
              superseded=datetime.date(2025, 6, 10), titles={0: "FIRSTVERSIONPROBLEM"})
    active = data.plan(couple, therapist, number=2, signed=datetime.date(2025, 6, 10), goals=2, objectives=2,
                       titles={0: "TRUSTPROBLEM", 1: "COMMUNICATIONPROBLEM"})
    first_objective = active.problems.order_by("position").first().goals.get().objectives.order_by("position")[0]
    data.progress(first_objective, [(datetime.date(2025, 7, 1), "9"), (datetime.date(2026, 2, 1), "2")])
    for week in range(20):
        day = datetime.date(2025, 3, 4) + datetime.timedelta(days=7 * week)
        data.note(data.session(couple, therapist, day), template="soap", n=week)
    data.session(couple, therapist, datetime.date(2025, 9, 2), attendance="no_show")
    data.session(couple, therapist, datetime.date(2025, 9, 9), attendance="cancelled")
    data.note(data.session(couple, therapist, datetime.date(2026, 2, 20)), template="dap", content={
        "data": "JOINTDATA", "assessment": "JOINTASSESSMENT", "plan": "RECOMMENDJOINT continue monthly check-ins"})
    individual = data.session(couple, therapist, datetime.date(2026, 2, 24), kind="individual_a")
    data.note(individual, content={"assessment": "a", "plan": "RECOMMENDINDIVIDUAL"})
    data.private_note(individual, "PSYCHOTHERAPYTEXT")
    data.note(data.session(couple, therapist, datetime.date(2026, 2, 26)), status="draft",
              content={"assessment": "DRAFTTEXT", "plan": "DRAFTRECOMMEND"})
    for partner, first, last in (("a", 18, 6), ("b", 14, 12)):
        data.administer(couple, therapist, "phq9", partner, first, datetime.date(2025, 3, 4))
        data.administer(couple, therapist, "phq9", partner, last, datetime.date(2026, 2, 20))
    data.administer(couple, therapist, "csi16", "a", 40, datetime.date(2025, 3, 4))
    data.administer(couple, therapist, "csi16", "a", 61, datetime.date(2026, 2, 20))


def test_discharge_summary_shows_the_course_outcomes_and_what_was_recorded_at_discharge(cast):
    couple = treated(cast.couple, cast.therapist)
    text = pdf_text(discharge_summary_pdf(couple=couple, user=cast.therapist))
    for expected in (
        f"Discharge summary · {couple.reference}", "Treatment from 1 March 2025 to 28 February 2026",
        couple.partner_a.client.full_name, couple.partner_b.client.full_name, cast.therapist.display_name,
        "Presenting problems", "Trust ruptured after a disclosed affair", "TRUSTPROBLEM", "COMMUNICATIONPROBLEM",
        "Course of treatment", "Outcomes", "Goals and objectives", "Recommendations",
        # 20 weekly joint sessions and the last joint one; one individual session; a draft's session attended
        "Sessions attended 23, from 4 March 2025 to 26 February 2026",
        "Joint session 22 1 0 1 0 24", "All sessions 23 1 0 1 0 25",
        # Plan versions with their dates: the active one closed at discharge, at the end date
        "1 Superseded 10 Mar 2025 10 Jun 2025", "2 Closed at discharge 10 Jun 2025 28 Feb 2026",
        # Outcomes: PHQ-9 A 18 -> 6 (reliable improvement), B 14 -> 12 (no reliable change); CSI-16 unclassified
        "18 · Moderately severe", "6 · Mild", "-12", "Reliable improvement", "No reliable change",
        "No published reliable-change threshold", "+21", "Not given to this partner",
        # Goals: the first objective's final value 2 reached its target 2 from baseline 10; three not measured
        "Of 4 objectives (plan version 2): 1 met, 0 partly met, 0 not met, 3 not measured",
        "1. Objective text 1.1 Metric 1.1 (per week), lower is better 10 2 2 Met",
        # The discharge record
        "Discharge", "Discharged on 28 February 2026, recorded by " + cast.therapist.display_name,
        "Reason Treatment goals met", "STATUSATDISCHARGE", "AFTERCARETEXT", "RECOMMENDDISCHARGE",
    ):
        assert expected in text, expected
    # Recommendations come from the discharge record, never from a note's plan section; never drafts or
    # psychotherapy notes.
    for hidden in ("RECOMMENDJOINT", "RECOMMENDINDIVIDUAL", "DRAFTRECOMMEND", "DRAFTTEXT", "PSYCHOTHERAPYTEXT",
                   "JOINTDATA", "FIRSTVERSIONPROBLEM", "In progress"):
        assert hidden not in text, hidden


def test_a_couple_still_in_treatment_gets_a_treatment_summary(cast):
    couple = treated(cast.couple, cast.therapist, discharged=False)
    text = pdf_text(discharge_summary_pdf(couple=couple, user=cast.therapist))
    assert f"Treatment summary · {couple.reference}" in text and "(ongoing on" in text
    assert "Discharge summary" not in text and "Discharged on" not in text
    assert "This couple is still in care: recommendations are recorded when the couple is discharged." in text
    assert "RECOMMENDJOINT" not in text
    assert "2 Active 10 Jun 2025 current" in text
    assert "Of 4 objectives (plan version 2), so far: 1 met" in text


def test_a_couple_discharged_before_discharge_records_says_so(cast):
    couple = treated(cast.couple, cast.therapist, discharged=False)
    couple.status, couple.end_date = "discharged", datetime.date(2026, 2, 28)
    couple.save()
    text = pdf_text(discharge_summary_pdf(couple=couple, user=cast.therapist))
    assert f"Discharge summary · {couple.reference}" in text
    assert "No discharge record: this couple was discharged before Rapport asked" in text
    assert "No recommendations recorded at discharge." in text


def test_an_empty_record_gives_a_summary_that_says_so(cast):
    text = pdf_text(discharge_summary_pdf(couple=cast.couple, user=cast.therapist))
    for expected in ("No treatment plan was signed for this couple.", "No sessions were recorded.",
                     "No plan was signed.", "No outcome measures were recorded",
                     "No treatment plan was signed, so no goals were set.",
                     "recommendations are recorded when the couple is discharged"):
        assert expected in text, expected


def test_summary_refuses_a_user_who_cannot_read_the_couple(cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        discharge_summary_pdf(couple=cast.couple, user=cast.stranger)


def test_therapist_can_download_the_discharge_summary(cast, login, immediate_tasks):
    couple = treated(cast.couple, cast.therapist)
    client = login(cast.therapist)
    html = client.get(reverse("reports:couple-reports", args=[couple.pk])).content.decode()
    assert "Download discharge summary (PDF)" in html
    response = fetch_pdf(client, reverse("reports:discharge-pdf", args=[couple.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{couple.reference}_discharge-summary_2026-02-28.pdf"')
    assert "RECOMMENDDISCHARGE" in pdf_text(response.content)
    for action in ("report.request", "report.download"):
        event = AuditEvent.objects.filter(action=action).get()
        assert event.couple_id == couple.pk and event.detail["kind"] == "discharge"


def test_strangers_get_404_and_managers_403_for_the_summary(cast, login, client):
    login(cast.stranger)
    assert client.post(reverse("reports:discharge-pdf", args=[cast.couple.pk])).status_code == 404
    login(cast.manager)
    assert client.post(reverse("reports:discharge-pdf", args=[cast.couple.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action__in=["report.request", "report.download"]).exists()


def _count_queries(couple, user) -> int:
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        summary = build_discharge_summary(couple=couple, user=user)
    assert summary.plan and summary.measures and summary.discharge
    return len(queries)


@pytest.mark.django_db(transaction=True)
def test_builder_query_count_does_not_grow_with_sessions_notes_and_measures(cast):
    small_couple = CoupleFactory(practice=cast.practice, primary=cast.therapist, confidentiality="no_secrets")
    data.one_year(small_couple, cast.therapist, start=datetime.date(2025, 2, 3), sessions=5, administrations=1,
                  goals=1, objectives=1)
    big_couple = CoupleFactory(practice=cast.practice, primary=cast.therapist, confidentiality="no_secrets")
    data.one_year(big_couple, cast.therapist, start=datetime.date(2025, 2, 3), sessions=50, administrations=12)
    for couple in (small_couple, big_couple):
        couple_update(couple=couple, by=cast.therapist, status="discharged", end_date=datetime.date(2026, 1, 31),
                      discharge=DISCHARGE)
    small, big = _count_queries(small_couple, cast.therapist), _count_queries(big_couple, cast.therapist)
    # partners with clients, the practice's data key, care team, plan versions, latest discharge, the couple's data
    # key, plan structure (4), progress points, administrations, practice instruments, session counts (2),
    # unresolved risks, the partners' safety plans and suicide-risk screens (2)
    assert big == small, (small, big)
    assert small <= 18, small
