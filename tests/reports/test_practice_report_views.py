"""The practice report's page, PDF and CSV: who may have them, what they show, what they never show."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import Client
from notes.models import ProgressNote
from reports.rendering.practice import practice_report_csv, practice_report_pdf
from reports.selectors.practice import Month
from tests.factories import CoupleFactory, UserFactory
from tests.reports.pdf_support import pdf_pages, pdf_text
from tests.reports.practice_report_factories import SECRET_TEXT, assert_no_secrets, seed_couple

pytestmark = pytest.mark.django_db

PAGE = "/practice/reports/"
PDF = "/practice/reports/report.pdf"
CSV = "/practice/reports/report.csv"
SEPTEMBER = "?month=2025-09"
OTHER_ROLES = ["therapist", "co_therapist", "stranger", "supervisor", "admin", "outsider"]


@pytest.fixture
def busy(cast):
    """Three couples with a month of activity in September 2025, whose names and notes are distinctive."""
    couples = [seed_couple(cast.practice, cast.therapist if i % 2 else cast.stranger, i + 1,
                           co_therapist=cast.co_therapist) for i in range(3)]
    # The secrets are really in the database, readable by a clinician: the tests below can fail.
    client = Client.objects.get(pk=couples[0].partners.get(position="a").client_id)
    assert client.first_name == "Zebulon"
    assert ProgressNote.objects.filter(couple=couples[0]).first().content["plan"] == SECRET_TEXT["plan"]
    return couples


def test_urls_are_fixed():
    assert (reverse("reports:practice-report"), reverse("reports:practice-report-pdf"),
            reverse("reports:practice-report-csv")) == (PAGE, PDF, CSV)


# --- who may see it -------------------------------------------------------------------------------------


def test_manager_can_open_the_practice_report(cast, login):
    response = login(cast.manager).get(PAGE)
    assert response.status_code == 200
    assert f"Practice report · {Month.last_full().label}" in response.content.decode()


@pytest.mark.parametrize("url", [PAGE, PDF, CSV])
@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_cannot_have_the_practice_report(cast, login, role, url):
    assert login(getattr(cast, role)).get(url + SEPTEMBER).status_code == 403
    event = AuditEvent.objects.filter(action="access.denied").last()
    assert event.actor_id == getattr(cast, role).pk and event.outcome == "denied"
    assert not AuditEvent.objects.filter(action="report.download").exists()


@pytest.mark.parametrize("url", [PAGE, PDF, CSV])
def test_anonymous_cannot_have_the_practice_report(client, url):
    response = client.get(url + SEPTEMBER)
    assert response.status_code == 302 and response["Location"].startswith(reverse("clinic:login"))


@pytest.mark.parametrize("url", [PAGE, PDF, CSV])
def test_manager_cannot_post_to_the_practice_report(cast, login, url):
    assert login(cast.manager).post(url).status_code == 405


def test_report_functions_refuse_anyone_but_the_practices_managers(cast):
    other_manager = UserFactory(practice=cast.other_practice, role="practice_manager", username="olga.manager")
    for user in (cast.therapist, cast.admin, other_manager):
        for make in (practice_report_pdf, practice_report_csv):
            with pytest.raises(PermissionDenied):
                make(practice=cast.practice, user=user, month_start=datetime.date(2025, 9, 1))


def test_manager_sees_reports_in_the_nav_and_on_the_practice_home(cast, login):
    client = login(cast.manager)
    html = client.get(reverse("clinic:practice-home")).content.decode()
    assert f'href="{PAGE}"' in html and "Monthly practice report" in html
    page = client.get(PAGE).content.decode()
    assert re.search(rf'<a href="{PAGE}" aria-current="page">Reports</a>', page)


def test_clinicians_have_no_reports_link_in_the_nav(cast, login):
    html = login(cast.therapist).get(reverse("clinic:couple-list")).content.decode()
    assert f'href="{PAGE}"' not in html


# --- the month -----------------------------------------------------------------------------------------------


def test_month_picker_defaults_to_the_last_full_month_and_links_to_the_others(cast, login):
    month = Month.last_full()
    html = login(cast.manager).get(PAGE).content.decode()
    assert f'value="{month.key}"' in html and 'type="month"' in html and '<label for="id_month">' in html
    assert f"?month={month.previous.key}" in html and f"?month={month.next.key}" in html
    assert f"{PDF}?month={month.key}" in html and f"{CSV}?month={month.key}" in html


def test_there_is_no_next_month_link_from_the_current_month(cast, login):
    current = Month.of(timezone.localdate())
    html = login(cast.manager).get(f"{PAGE}?month={current.key}").content.decode()
    assert f"?month={current.next.key}" not in html and "Next month" not in html


@pytest.mark.parametrize(("value", "message"), [
    ("2025-13", "Enter a month from 01 to 12"),
    ("September", "Enter the year and month as four digits"),
    ("2025-9", "Enter the year and month as four digits"),
    ("", "Choose a month"),
    ("1999-12", "Choose a month from January 2000 onwards"),
])
@pytest.mark.parametrize("url", [PAGE, PDF, CSV])
def test_an_invalid_month_is_explained_not_an_error(cast, login, url, value, message):
    response = login(cast.manager).get(url, {"month": value})
    html = response.content.decode()
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert 'class="error-summary"' in html and message in html and 'href="#id_month"' in html
    assert not AuditEvent.objects.filter(action="report.download").exists()


def test_a_month_that_has_not_begun_is_refused(cast, login):
    later = Month.of(timezone.localdate()).next
    html = login(cast.manager).get(PAGE, {"month": later.key}).content.decode()
    assert "later months have not begun" in html


# --- what the page shows --------------------------------------------------------------------------------------


def test_page_shows_every_section_by_reference_and_no_client_data(cast, login, busy):
    html = login(cast.manager).get(PAGE + SEPTEMBER).content.decode()
    for heading in ("September 2025 at a glance", "1. Couples in treatment per therapist",
                    "2. Sessions held per week by kind", "3. Attendance", "4. Progress notes",
                    "5. Treatment plan reviews overdue", "6. Measures completed and scheduled", "7. Outcomes"):
        assert heading in html
    assert "<svg" in html and "Sessions held per week by kind, September 2025" in html
    for couple in busy:
        assert couple.reference in html
    assert cast.therapist.display_name in html and cast.stranger.display_name in html
    assert "No published reliable-change threshold" in html
    assert_no_secrets(html)


def test_page_of_an_empty_month_says_so(cast, login):
    html = login(cast.manager).get(PAGE + SEPTEMBER).content.decode()
    assert "No sessions were booked and no measures were given in September 2025." in html
    assert "No session was held in September 2025." in html and "<svg" not in html


def test_staff_names_and_references_are_escaped(cast, login):
    hostile = UserFactory(practice=cast.practice, role="therapist", username="hostile",
                          first_name="<script>alert(1)</script>", last_name="")
    seed_couple(cast.practice, hostile, 1)
    CoupleFactory(practice=cast.practice, primary=hostile, reference="<b>R</b>", start_date=datetime.date(2025, 6, 1))
    html = login(cast.manager).get(PAGE + SEPTEMBER).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- downloads ----------------------------------------------------------------------------------------------


def _download_event() -> AuditEvent:
    events = list(AuditEvent.objects.filter(action="report.download"))
    assert len(events) == 1
    return events[0]


def test_pdf_has_every_section_page_numbers_and_no_client_data(cast, login, busy):
    response = login(cast.manager).get(PDF + SEPTEMBER)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="practice-report-2025-09.pdf"'
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    for heading in ("Practice report", "September 2025", "1. Couples in treatment per therapist",
                    "2. Sessions held per week by kind", "3. Attendance", "4. Progress notes",
                    "5. Treatment plan reviews overdue", "6. Measures completed and scheduled", "7. Outcomes",
                    "End of the practice report for September 2025."):
        assert heading in text
    for couple in busy:
        assert couple.reference in text
    assert "16.7%" in text  # no-show rate: 3 of 18 sessions with an outcome
    pages = pdf_pages(response.content)
    today = timezone.localdate().strftime("%-d %b %Y")
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Confidential" in page and f"Generated {today}" in page
        assert f"by {cast.manager.display_name}" in page
    assert_no_secrets(text)
    event = _download_event()
    assert (event.actor_id, event.object_type, event.object_id) == (
        cast.manager.pk, "clinic.practice", str(cast.practice.pk))
    assert event.detail == {"report": "practice", "format": "pdf", "month": "2025-09"}


def test_pdf_of_an_empty_month_says_so(cast, login):
    response = login(cast.manager).get(PDF + SEPTEMBER)
    text = pdf_text(response.content)
    assert "No sessions were booked and no measures were given in September 2025." in text
    assert "No session was held in September 2025." in text


def test_csv_has_the_numbers_and_no_client_data(cast, login, busy):
    response = login(cast.manager).get(CSV + SEPTEMBER)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="practice-report-2025-09.csv"'
    text = response.content.decode("utf-8-sig")
    assert_no_secrets(text)
    rows = list(csv.reader(io.StringIO(text)))
    assert ["Month", "2025-09"] in rows
    attendance = rows[rows.index(["Attendance"]) + 1:]
    total = next(row for row in attendance if row[0] == "All therapists")
    assert total == ["All therapists", "9", "3", "3", "3", "0", "16.7%"]
    references = {row[0] for row in rows[rows.index(["Plan reviews overdue"]) + 2:][:3]}
    assert references == {couple.reference for couple in busy}
    event = _download_event()
    assert event.detail == {"report": "practice", "format": "csv", "month": "2025-09"}


def test_csv_of_an_empty_month_says_so(cast, login):
    text = login(cast.manager).get(CSV + SEPTEMBER).content.decode("utf-8-sig")
    assert "No sessions were booked and no measures were given in September 2025." in text


def test_viewing_the_page_is_not_a_download(cast, login):
    login(cast.manager).get(PAGE + SEPTEMBER)
    assert not AuditEvent.objects.filter(action="report.download").exists()
