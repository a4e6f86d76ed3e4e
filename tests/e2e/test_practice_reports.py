"""In the demo practice, in a browser: the practice manager chooses a month and sees the practice report (with the
no-show list, co-signature by supervisor and caseload flow), then the last quarter beside the quarter before it with
the twelve-month trend, then exports the year's sessions for billing as CSV.
No client name appears on either.

Screenshots: /tmp/e2e-practice-report-*.png; the CSV at /tmp/e2e-sessions.csv.
"""

from __future__ import annotations

import csv
import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from clinic.models import Client
from notes.models import Session
from reports.builders.session_export import HEADER
from tests.e2e.conftest import browser, page  # noqa: F401  (the browser fixtures of tests/e2e)
from tests.e2e.test_plan_and_measures import demo, screenshots, sign_in_to_the_demo  # noqa: F401
from tests.factories import totp_device_for

CSV_PATH = "/tmp/e2e-sessions.csv"


@pytest.mark.e2e
def test_manager_chooses_a_month_and_a_period_and_sees_the_reports(page, demo):  # noqa: F811
    from playwright.sync_api import expect

    manager = get_user_model().objects.get(username="manager")
    names = [client.full_name for client in Client.objects.filter(practice=manager.practice)]
    sign_in_to_the_demo(page, manager, totp_device_for(manager))

    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    chosen = (last_month - datetime.timedelta(days=1)).replace(day=1)  # not the default: the month before
    page.goto(reverse("reports:practice-report"))
    page.get_by_role("textbox", name=re.compile(r"^Month")).fill(f"{chosen:%Y-%m}")
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Practice report · {chosen:%B %Y}")
    for heading in ("No-shows and late cancellations", "Co-signature by supervisor", "Caseload flow"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    body = page.content()
    assert not [name for name in names if name in body]
    screenshots(page, "practice-report")

    # Another period: the quarter before this one, beside the quarter before it, with the twelve-month trend.
    page.get_by_role("combobox", name=re.compile(r"^Period")).select_option("last_quarter")
    page.get_by_role("button", name="Show this period").click()
    quarter_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - datetime.timedelta(days=1)
    label = f"Q{(quarter_start.month - 1) // 3 + 1} {quarter_start.year}"
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Practice report · {label}")
    expect(page.get_by_role("heading", name=re.compile("Change against the previous period"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Trend: sessions per month"))).to_be_visible()
    assert not [name for name in names if name in page.content()]
    screenshots(page, "practice-report-quarter")

    page.get_by_role("link", name="Session export for billing (CSV)").click()
    page.get_by_role("combobox", name=re.compile(r"^Period")).select_option("year_to_date")
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"sessions_{today:%Y}-01-01_{today.isoformat()}.csv"
    download.save_as(CSV_PATH)
    with open(CSV_PATH, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == HEADER
    start = timezone.make_aware(datetime.datetime(today.year, 1, 1))
    end = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min))
    expected = Session.objects.filter(couple__practice=manager.practice, starts_at__gte=start, starts_at__lt=end)
    assert len(rows) - 1 == expected.count() > 0
    text = "\n".join(",".join(row) for row in rows)
    assert not [name for name in names if name in text]
    assert re.search(r"\b9084[67]\b", text)  # the couples' service codes are there for the biller
