"""IPV results never reach the other partner, couple-facing reports or the practice manager: the couple PDFs
(progress report, also the copy for one partner; discharge summary), the manager's API and page, and the
practice report carry no HITS score, judgement, screen note or override reason."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import Couple, Partner
from clinic.services.couples import partner_update
from clinic.services.ipv import ipv_override_record
from reports.builders.practice import PracticeReport, build_practice_report
from reports.rendering.couple import discharge_summary_pdf, progress_report_pdf
from tests.reports import couple_data as data
from tests.reports.pdf_support import pdf_text
from tests.reports.test_practice_report import SEPTEMBER

pytestmark = pytest.mark.django_db
SECRETS = ("IPVNOTETEXT", "OVERRIDETEXT", "HITS", "IPV", "intimate partner", "Concern")


def screened_with_override(cast) -> Couple:
    partner_update(partner=Partner.objects.get(couple=cast.couple, position="b"), by=cast.therapist,
                   agreed_confidentiality_on=None, ipv_result="concern", ipv_screened_on=timezone.localdate(),
                   ipv_notes="IPVNOTETEXT fear at home", hits_answers=[5, 5, 4, 4])
    ipv_override_record(couple=Couple.objects.get(pk=cast.couple.pk), by=cast.therapist,
                        reason="OVERRIDETEXT assessed")
    couple = Couple.objects.get(pk=cast.couple.pk)
    data.note(data.session(couple, cast.therapist, datetime.date(2026, 1, 6)))
    return couple


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


@pytest.mark.parametrize("exclude_partner", ["a", "b"])
def test_a_progress_report_leaving_a_partner_out_carries_no_ipv_result(cast, exclude_partner):
    couple = screened_with_override(cast)
    assert_clean(pdf_text(progress_report_pdf(couple=couple, user=cast.therapist, exclude_partner=exclude_partner,
                                              period_start=datetime.date(2026, 1, 1),
                                              period_end=datetime.date(2026, 1, 31))))


def test_the_clinical_record_shows_the_ipv_risk_but_never_the_screen_or_the_override(cast):
    """The risk register belongs in the clinical record (issue 11: "in the clinical PDFs"); the screen's notes and
    answers and the override's reason do not."""
    couple = screened_with_override(cast)
    text = pdf_text(progress_report_pdf(couple=couple, user=cast.therapist, period_start=datetime.date(2026, 1, 1),
                                        period_end=datetime.date(2026, 1, 31)))
    assert "Intimate partner violence" in text
    for secret in ("IPVNOTETEXT", "OVERRIDETEXT", "HITS"):
        assert secret not in text, secret


def test_discharge_summary_carries_no_ipv_result(cast):
    assert_clean(pdf_text(discharge_summary_pdf(couple=screened_with_override(cast), user=cast.therapist)))


def test_manager_sees_no_ipv_result_in_the_api_or_the_practice_page(cast, login):
    couple = screened_with_override(cast)
    client = login(cast.manager)
    listing = client.get("/api/v1/couples/")
    assert listing.status_code == 200
    body = str(listing.json())
    assert "ipv" not in body and "hits" not in body and "OVERRIDETEXT" not in body
    detail = client.get(f"/api/v1/couples/{couple.pk}/")
    assert detail.status_code == 200 and set(detail.json()) == {
        "id", "reference", "status", "start_date", "end_date", "primary_therapist"}, "the summary only"
    assert client.get(f"/api/v1/couples/{couple.pk}/partners/b/").status_code in (403, 404, 405)
    assert_clean(client.get(reverse("clinic:practice-home")).content.decode())
    assert client.get(reverse("clinic:ipv-override", args=[couple.pk])).status_code == 403


def test_practice_report_has_no_ipv_result(cast):
    screened_with_override(cast)
    report = build_practice_report(practice=cast.practice, month=SEPTEMBER)
    assert not [f.name for f in dataclasses.fields(PracticeReport) if "ipv" in f.name or "hits" in f.name]
    assert_clean(repr(report))
