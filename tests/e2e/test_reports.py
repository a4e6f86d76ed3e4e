"""In the demo practice, in a browser: from the couple page, two clicks ask for the couple's progress report
(treatment to date); its page says "Preparing…" until a task worker (the pdf queue's, run here by the test) has
made it, htmx brings the download link without a reload, and the download is a real PDF that names the couple
by reference only and holds the measures and notes. On the way, the couple's measures and progress tabs are
looked at with months of data.

Screenshots: /tmp/e2e-report-*.png (pages) and the PDF at /tmp/e2e-progress-report.pdf.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from demo.plans import demo_cases
from notes.models import PsychotherapyNote
from reports.builders.progress import treatment_to_date
from tests.e2e.conftest import browser, page  # noqa: F401  (the browser fixtures of tests/e2e)
from tests.e2e.test_plan_and_measures import demo, screenshots, sign_in_to_the_demo  # noqa: F401

PDF_PATH = "/tmp/e2e-progress-report.pdf"


@pytest.mark.e2e
def test_therapist_downloads_a_progress_report_in_two_clicks(page, demo):  # noqa: F811
    from playwright.sync_api import expect

    case = next(case for case in demo_cases(demo.therapist.practice) if case.key == "Amara Okafor")
    couple = case.couple
    sign_in_to_the_demo(page, demo.therapist, demo.device)

    # A look at the record with months of data first (charts, tables, at both widths).
    for tab, name in (("Measures", "report-measures"), ("Progress", "report-progress"),
                      ("Sessions & notes", "report-sessions")):
        page.goto(reverse("clinic:couple-detail", args=[couple.pk]))
        page.get_by_role("navigation", name=re.compile("Sections of the record")).get_by_role(
            "link", name=tab, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(couple.reference)
        screenshots(page, name)

    page.goto(reverse("clinic:couple-detail", args=[couple.pk]))
    screenshots(page, "report-couple")
    page.get_by_role("link", name="Reports", exact=True).click()  # click 1
    screenshots(page, "report-options")
    page.get_by_role("button", name="Download progress report (PDF)").click()  # click 2
    expect(page.get_by_role("heading", name="Preparing…")).to_be_visible()
    screenshots(page, "report-preparing")
    # The pdf queue's worker (`make run` starts one) picks the job up; the page notices by itself.
    call_command("db_worker", "--queue-name", "pdf", "--batch", "--no-startup-delay", "--no-reload", "--verbosity", "0")
    expect(page.get_by_role("heading", name="Ready to download")).to_be_visible(timeout=15_000)
    expect(page.locator("#report-announce")).to_contain_text("The report is ready to download.")
    screenshots(page, "report-ready")
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("link", name="Download couple progress report (PDF)").click()
    download = download_info.value
    download.save_as(PDF_PATH)

    start, end = treatment_to_date(couple)
    assert download.suggested_filename == f"{couple.reference}_progress_{start.isoformat()}_{end.isoformat()}.pdf"
    with open(PDF_PATH, "rb") as pdf:
        data = pdf.read()
    assert data.startswith(b"%PDF")
    text = "\n".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(data)).pages)
    assert couple.reference in text and "Confidential" in text
    assert "CSI-16" in text and "PHQ-9" in text
    for name in (case.data.partner_a.full_name, case.data.partner_b.full_name):
        assert name in text  # the report is for the care team and referrers: the partners are named inside
        assert name not in download.suggested_filename
    private = PsychotherapyNote.objects.get(couple=couple)
    assert private.text[:40] not in text  # psychotherapy notes never appear in a report
    assert AuditEvent.objects.filter(action="report.download", couple_id=couple.pk,
                                     actor_id=demo.therapist.pk).count() == 1
