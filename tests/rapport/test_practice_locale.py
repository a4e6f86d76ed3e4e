"""A practice's locale (rapport.locale): defaults by country, and its use by pages, dates, inputs, PDFs and CSVs."""

from __future__ import annotations

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from clinic.models import Practice
from clinic.services.users import practice_create, practice_update
from rapport.locale import restyle
from reports.rendering.couple import discharge_summary_pdf
from tests.clinic.test_audit_log import practice_event, rows

pytestmark = pytest.mark.django_db

US = {"country": "US", "paper_size": "letter", "language": "en-us", "time_zone": "America/Chicago",
      "date_style": "mdy"}


def make_us(practice: Practice) -> Practice:
    Practice.objects.filter(pk=practice.pk).update(**US)
    practice.refresh_from_db()
    return practice


def test_a_new_practice_starts_from_its_countrys_defaults():
    us = practice_create(name="Lakeside Couples Therapy", country="US")
    assert (us.paper_size, us.language, us.time_zone, us.date_style) == (
        "letter", "en-us", "America/New_York", "mdy")
    chicago = practice_create(name="Prairie Counseling", country="US", time_zone="America/Chicago")
    assert chicago.time_zone == "America/Chicago" and chicago.paper_size == "letter"
    uk = practice_create(name="Harbour", country="GB")
    assert (uk.paper_size, uk.language, uk.time_zone, uk.date_style) == ("a4", "en-gb", "Europe/London", "dmy")
    assert AuditEvent.objects.filter(action="practice.create").count() == 3
    with pytest.raises(ValidationError):
        practice_create(name="Nowhere", country="US", time_zone="Mars/Olympus_Mons")


def test_the_admin_sets_the_locale_on_the_practice_settings_page(cast, login):
    client = login(cast.admin)
    page = client.get(reverse("clinic:practice-settings")).content.decode()
    for label in ("Paper size of PDF reports", "Spelling", "Time zone", "Date format",
                  '<option value="America/Chicago">America/Chicago</option>'):
        assert label in page
    data = {"name": cast.practice.name, "note_deadline_hours": "72", "plan_review_days": "90",
            "ipv_rescreen_days": "90", **US}
    assert client.post(reverse("clinic:practice-settings"), data).status_code == 302
    cast.practice.refresh_from_db()
    assert (cast.practice.paper_size, cast.practice.time_zone, cast.practice.date_style) == (
        "letter", "America/Chicago", "mdy")


def test_pages_use_the_practices_language_and_date_style_and_a_change_reaches_signed_in_users(cast, login):
    client = login(cast.therapist)
    url = reverse("clinic:couple-administration", args=[cast.couple.pk])
    started = cast.couple.start_date
    html = client.get(url).content.decode()
    assert '<html lang="en-GB">' in html and f"{started:%-d %B %Y}" in html
    practice_update(practice=cast.practice, by=cast.admin, **US)  # the therapist is already signed in
    html = client.get(url).content.decode()
    assert '<html lang="en-US">' in html and f"{started:%B %-d, %Y}" in html
    # Date inputs keep the ISO value the browser's picker reads, whatever the style
    edit = client.get(reverse("clinic:couple-edit", args=[cast.couple.pk])).content.decode()
    assert f'type="date" name="start_date" value="{started.isoformat()}"' in edit
    assert 'lang="en-US"' in edit.split('name="start_date"')[1].split(">")[0]  # the picker's language


def test_pages_and_the_audit_csv_use_the_practices_time_zone(cast, login):
    at = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)
    practice_event(cast, "couple.view", at=at)  # appended with that time (the chain refuses an UPDATE)
    client = login(cast.admin)
    assert "13:00:00" in client.get(reverse("clinic:audit-log")).content.decode()  # London, summer time
    make_us(cast.practice)
    client = login(cast.admin)  # a new sign-in reads the practice's locale
    assert "07:00:00" in client.get(reverse("clinic:audit-log")).content.decode()  # Chicago, daylight time
    exported = rows(client.get(reverse("clinic:audit-export"), {"action": "couple.view"}))
    assert exported[0]["at"] == "2026-07-01T07:00:00-05:00"
    assert datetime.datetime.fromisoformat(exported[0]["at"]) == at.astimezone(ZoneInfo("America/Chicago"))


@pytest.mark.parametrize(("paper", "width"), [("letter", 612), ("a4", 595)])
def test_pdfs_are_printed_on_the_practices_paper(cast, paper, width):
    Practice.objects.filter(pk=cast.practice.pk).update(paper_size=paper)
    cast.couple.practice.refresh_from_db()
    reader = PdfReader(io.BytesIO(discharge_summary_pdf(couple=cast.couple, user=cast.therapist)))
    assert round(float(reader.pages[0].mediabox.width)) == width


def test_day_month_formats_follow_the_date_style():
    assert restyle("j M Y", "mdy") == "M j, Y" and restyle("j F Y", "mdy") == "F j, Y"
    assert restyle("j M Y, H:i", "mdy") == "M j, Y, H:i" and restyle("j M", "mdy") == "M j"
    assert restyle("j M Y", "iso") == "Y-m-d" and restyle("D j M Y", "iso") == "D Y-m-d"
    assert restyle("j M Y", "dmy") == "j M Y"
    assert restyle("Y-m-d", "mdy") == "Y-m-d" and restyle(r"\j M", "mdy") == r"\j M"
