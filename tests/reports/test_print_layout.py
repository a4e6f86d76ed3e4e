"""Print quality of the couple PDFs (issue 13 item 1): every demo couple's progress report (treatment to date, the
default) and treatment / discharge summary, on Letter and on A4, has no overlapping text and no heading or caption
that ends a page with its content overleaf. Checked on the text boxes poppler reads back from the PDF
(tests/reports/print_layout.py, `pdftotext -bbox-layout`).

The demo is seeded once for the module (`seed_demo`, about 20 s of CPU) and flushed afterwards; rendering the
14 couples' two reports on both sizes takes about 1 s a PDF on this machine.
"""

from __future__ import annotations

import datetime
import io
import shutil
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from clinic.models import CareTeamMember, Couple, Practice
from keys import keyring
from reports import pdf as report_pdf
from reports.rendering import couple as couple_reports
from tests.reports import print_layout

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"),
]

# Points: A4 is 595 x 842, Letter 612 x 792.
PAGE_POINTS = {"A4": (595, 842), "Letter": (612, 792)}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo practice, seeded once and committed for the module; flushed afterwards."""
    from demo import practice as demo_practice

    with django_db_blocker.unblock():
        call_command("seed_demo", force=True, stdout=StringIO())
        try:
            practice = Practice.objects.get(name=demo_practice.PRACTICE_NAME)
            couples = []
            for couple in Couple.objects.filter(practice=practice).order_by("reference"):
                member = CareTeamMember.objects.filter(couple=couple).select_related("user").order_by("role").first()
                couples.append((couple, member.user))
            yield SimpleNamespace(practice=practice, couples=couples)
        finally:
            call_command("flush", interactive=False, verbosity=0)
            keyring.clear_cache()


class HtmlCapture:
    """Keeps the HTML of the last report rendered (the headings are read from it)."""

    def __init__(self, monkeypatch) -> None:
        self.html = ""
        original = report_pdf.render_html

        def capture(template_name, context):
            self.html = original(template_name, context)
            return self.html

        monkeypatch.setattr(report_pdf, "render_html", capture)


def _page_size(pdf: bytes) -> tuple[int, int]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def _problems_of_every_couple(demo, monkeypatch, paper_size: str, *, full_scores: bool = False,
                              discharge: bool = True) -> dict[str, list[str]]:
    capture = HtmlCapture(monkeypatch)
    found: dict[str, list[str]] = {}
    today = datetime.date.today()
    for couple, user in demo.couples:
        start, end = couple_reports.treatment_to_date(couple, today)
        reports = [("progress", couple_reports.progress_report_pdf,
                    {"period_start": start, "period_end": end})]
        if discharge:
            reports.append(("summary", couple_reports.discharge_summary_pdf, {}))
        for name, render, options in reports:
            pdf = render(couple=couple, user=user, full_scores=full_scores, paper_size=paper_size, **options)
            assert _page_size(pdf) == PAGE_POINTS[paper_size], (couple.reference, name)
            problems = print_layout.layout_problems(pdf, capture.html)
            if problems:
                found[f"{couple.reference} {name}"] = problems
    return found


@pytest.mark.parametrize("paper_size", ["Letter", "A4"])
def test_every_demo_couple_report_prints_without_overlaps_or_parted_headings(demo, monkeypatch, paper_size):
    assert len(demo.couples) >= 10
    assert _problems_of_every_couple(demo, monkeypatch, paper_size) == {}


def test_full_score_tables_print_without_overlaps_or_parted_headings(demo, monkeypatch):
    assert _problems_of_every_couple(demo, monkeypatch, "A4", full_scores=True, discharge=False) == {}


def test_letterhead_and_signature_block_are_on_the_report(demo, monkeypatch):
    couple, user = demo.couples[0]
    capture = HtmlCapture(monkeypatch)
    pdf = couple_reports.discharge_summary_pdf(couple=couple, user=user)
    text = " ".join(line.text for page in print_layout.text_boxes(pdf) for line in page.lines)
    practice = demo.practice
    assert practice.address and practice.phone and practice.email
    for expected in (practice.name, practice.address.splitlines()[0], practice.phone, practice.email,
                     "Signature", "Licence number", user.licence_number, user.display_name):
        assert " ".join(expected.split()) in text, expected
    assert "Attended sessions by service code" in capture.html


@pytest.mark.parametrize("paper_size", ["Letter", "A4"])
def test_practice_report_prints_without_overlaps_or_parted_headings(demo, monkeypatch, paper_size):
    from clinic.models import User
    from reports.forms.periods import preset_period
    from reports.rendering.practice import practice_report_pdf

    capture = HtmlCapture(monkeypatch)
    manager = User.objects.get(practice=demo.practice, role="practice_manager")
    today = datetime.date.today()
    found = {}
    for choice in ("last_month", "last_quarter", "year_to_date"):
        pdf = practice_report_pdf(practice=demo.practice, user=manager, period=preset_period(choice, today),
                                  paper_size=paper_size)
        assert _page_size(pdf) == PAGE_POINTS[paper_size]
        problems = print_layout.layout_problems(pdf, capture.html)
        if problems:
            found[choice] = problems
    assert found == {}


# --- The checker itself finds both defects ---------------------------------------------------------------


def _pdf(body: str, css: str = "") -> tuple[bytes, str]:
    html = (f'<!DOCTYPE html><html><head><link rel="stylesheet" href="static/reports/print.css"><style>'
            f"@page {{ size: A4; }} {css}</style></head><body>{body}</body></html>")
    return report_pdf.html_to_pdf(html), html


def test_checker_finds_text_printed_over_text():
    pdf, html = _pdf('<p>First line of text here</p><p style="margin-top: -5mm">Second line of text here</p>')
    assert any("overlaps" in problem for problem in print_layout.layout_problems(pdf, html))


def test_checker_finds_a_heading_parted_from_its_content():
    # A spacer fills the page so that the heading is the last thing on it; breaks after headings are allowed.
    pdf, html = _pdf('<div style="height: 235mm"></div><h2>Outcome measures</h2><p>Content overleaf.</p>'
                     '<div style="height: 250mm"></div>', css="h2 { break-after: auto !important; }")
    problems = print_layout.layout_problems(pdf, html)
    assert any("'Outcome measures' ends the page" in problem for problem in problems), problems


def test_checker_finds_a_table_wider_than_the_page():
    pdf, html = _pdf('<table style="width: 185mm"><tr><td style="width: 150mm">Left cell</td>'
                     '<td style="white-space: nowrap">Right cell past the margin</td></tr></table>')
    problems = print_layout.layout_problems(pdf, html)
    assert any("runs into the side margin" in problem for problem in problems), problems


def test_checker_passes_a_clean_page():
    pdf, html = _pdf("<h2>Heading</h2><p>Body text under it.</p>")
    assert print_layout.layout_problems(pdf, html) == []


# --- The session export matches the database for the demo (seeded once above) -------------------------


def test_session_export_matches_the_database_for_the_demo(demo):
    from notes.models import Session
    from reports.builders.session_export import build_session_export
    from reports.selectors.session_export import Period

    sessions = Session.objects.filter(couple__practice=demo.practice)
    first, last = (sessions.order_by(field).first().starts_at for field in ("starts_at", "-starts_at"))
    period = Period(timezone.localdate(first), timezone.localdate(last))
    export = build_session_export(practice=demo.practice, period=period)
    assert len(export.lines) == sessions.count() > 100
    expected = sorted((s.couple.reference, timezone.localtime(s.starts_at).date().isoformat(), s.service_code,
                       s.get_attendance_display(), s.duration_minutes)
                      for s in sessions.select_related("couple"))
    assert sorted((line.reference, line.date, line.service_code, line.attendance, line.duration_minutes)
                  for line in export.lines) == expected
    with_codes = [line for line in export.lines if line.attendance == "Attended"]
    assert with_codes and all(line.service_code for line in with_codes)
