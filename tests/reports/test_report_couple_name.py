"""The couple's name ("Sofia & Dan") beside the reference in the header of clinical PDFs (issue 14 item 1); a report
for the couple and the practice reports keep the reference alone."""

from __future__ import annotations

import datetime

import pytest

from reports.builders.discharge import build_discharge_summary
from reports.builders.progress import ProgressOptions, build_progress_report
from reports.rendering.couple import progress_report_pdf
from tests.reports.pdf_support import pdf_text

pytestmark = pytest.mark.django_db
START, END = datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)


@pytest.fixture
def named(cast):
    for client, first, last, preferred in ((cast.couple.partner_a.client, "Sofia", "Okonkwo", ""),
                                           (cast.couple.partner_b.client, "Daniel", "Reyes", "Dan")):
        client.first_name, client.last_name, client.preferred_name = first, last, preferred
        client.save()
    return cast.couple


def test_clinical_reports_carry_the_couples_name(cast, named):
    clinical = build_progress_report(couple=named, user=cast.therapist, options=ProgressOptions(START, END))
    assert clinical.meta.couple_name == "Sofia & Dan" and clinical.meta.reference == named.reference
    assert build_discharge_summary(couple=named, user=cast.therapist).meta.couple_name == "Sofia & Dan"


def test_a_report_for_the_couple_keeps_the_reference_alone_in_its_header(cast, named):
    report = build_progress_report(couple=named, user=cast.therapist,
                                   options=ProgressOptions(START, END, audience="couple"))
    assert report.meta.couple_name == ""


def test_the_clinical_pdf_header_shows_reference_and_name(cast, named):
    text = pdf_text(progress_report_pdf(couple=named, user=cast.therapist, period_start=START, period_end=END))
    assert f"Couple progress report · {named.reference} · Sofia & Dan" in text
