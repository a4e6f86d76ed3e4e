"""The session export (issue 13 item 3): one CSV row per session of any period, for the practice's billing system.
Practice managers only; rows match the database; no client name or clinical text; one query at any size."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from notes.models import NoteStatus, Session
from reports.builders.session_export import HEADER, build_session_export
from reports.forms.periods import PeriodForm, preset_period
from reports.rendering.session_export import session_export_csv
from reports.selectors.session_export import Period
from tests.reports.practice_report_factories import assert_no_secrets, seed_couple

pytestmark = pytest.mark.django_db

SEPTEMBER = Period.month(datetime.date(2025, 9, 1))
URL = "/practice/reports/sessions.csv"


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


@pytest.fixture
def busy(cast):
    couples = [seed_couple(cast.practice, cast.therapist, i + 1, co_therapist=cast.co_therapist) for i in range(2)]
    Session.objects.filter(couple__in=couples).update(service_code="90847", modality="video")
    return couples


def test_urls_are_fixed():
    assert reverse("reports:session-export") == "/practice/reports/sessions/"
    assert reverse("reports:session-export-csv") == URL


def test_periods_month_quarter_year_to_date_and_custom():
    today = datetime.date(2026, 8, 14)
    assert preset_period("month", today) == Period(datetime.date(2026, 8, 1), datetime.date(2026, 8, 31),
                                                   "August 2026")
    assert preset_period("last_month", today).start == datetime.date(2026, 7, 1)
    assert preset_period("quarter", today) == Period(datetime.date(2026, 7, 1), datetime.date(2026, 9, 30), "Q3 2026")
    assert preset_period("last_quarter", today) == Period(datetime.date(2026, 4, 1), datetime.date(2026, 6, 30),
                                                          "Q2 2026")
    assert preset_period("year_to_date", today) == Period(datetime.date(2026, 1, 1), today, "2026 to date")
    form = PeriodForm({"period": "custom", "start": "2026-02-03", "end": "2026-02-10"}, today=today)
    assert form.is_valid() and form.cleaned_data["chosen"] == Period(datetime.date(2026, 2, 3),
                                                                     datetime.date(2026, 2, 10))
    assert form.cleaned_data["chosen"].label == "3 Feb 2026 to 10 Feb 2026"


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"period": "custom", "start": "", "end": "2026-01-31"}, "start", "Enter the first day of the period."),
    ({"period": "custom", "start": "2026-02-01", "end": "2026-01-31"}, "end", "on or after the first day"),
    ({"period": "custom", "start": "2020-01-01", "end": "2026-01-31"}, "end", "three years or less"),
    ({"period": "fortnight"}, "period", "Choose one of the periods listed."),
])
def test_an_unreadable_period_is_explained(params, field, message):
    form = PeriodForm(params)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_export_has_one_row_per_session_matching_the_database(cast, busy):
    returned = Session.objects.filter(couple=busy[0], kind="individual_a").get().note
    returned.status, returned.requires_cosign = NoteStatus.RETURNED, True
    returned.returned_at = timezone.now()
    returned.save()
    cosigned = Session.objects.filter(couple=busy[1], kind="joint", attendance="attended").get().note
    cosigned.status, cosigned.cosigned_by, cosigned.cosigned_at = NoteStatus.FINAL, cast.supervisor, timezone.now()
    cosigned.save()
    rows = rows_of(session_export_csv(practice=cast.practice, user=cast.manager, period=SEPTEMBER))
    assert tuple(rows[0]) == HEADER
    sessions = list(Session.objects.filter(couple__practice=cast.practice).select_related("couple", "therapist")
                    .order_by("starts_at", "couple__reference", "id"))
    assert len(rows) - 1 == len(sessions) == 12
    for row, session in zip(rows[1:], sessions, strict=True):
        local = timezone.localtime(session.starts_at)
        note = getattr(session, "note", None)
        assert row[:9] == [session.couple.reference, local.date().isoformat(), f"{local:%H:%M}",
                           session.therapist.display_name, session.get_kind_display(),
                           session.get_modality_display(), str(session.duration_minutes), session.service_code,
                           session.get_attendance_display()]
        assert row[9] == (note.get_status_display() if note else "No note")
    by_status = {(row[0], row[4], row[8]): (row[9], row[10]) for row in rows[1:]}
    ref = busy[0].reference
    assert by_status[(ref, "Individual session, partner A", "Attended")] == (
        "Returned by supervisor", "Returned by supervisor")  # returned is never counted as signed
    assert cast.therapist.supervisor_id  # the cast's therapist is supervised: their notes await co-signature
    assert by_status[(ref, "Joint session", "Attended")] == ("Signed, awaiting co-signature", "Awaiting co-signature")
    assert by_status[(busy[1].reference, "Joint session", "Attended")] == ("Signed", "Co-signed")
    assert by_status[(ref, "Individual session, partner B", "Attended")] == ("No note", "")
    assert by_status[(ref, "Joint session", "No-show")] == ("No note", "")


def test_export_holds_no_client_name_or_clinical_text(cast, busy):
    content = session_export_csv(practice=cast.practice, user=cast.manager, period=SEPTEMBER).decode()
    assert busy[0].reference in content
    assert_no_secrets(content)


def test_export_is_one_query_at_any_size(cast):
    def queries(couples: int) -> int:
        for index in range(couples):
            seed_couple(cast.practice, cast.therapist, 100 + index + Session.objects.count())
        with CaptureQueriesContext(connection) as captured:
            export = build_session_export(practice=cast.practice, period=SEPTEMBER)
        assert len(export.lines) == Session.objects.count()
        return len(captured)

    assert queries(1) == queries(4) == 1


def test_export_refuses_anyone_but_the_practices_managers(cast):
    for role in ("therapist", "supervisor", "admin", "outsider"):
        with pytest.raises(PermissionDenied):
            session_export_csv(practice=cast.practice, user=getattr(cast, role), period=SEPTEMBER)


def test_manager_downloads_the_export_for_a_custom_range_and_it_is_audited(cast, login, busy):
    client = login(cast.manager)
    page = client.get(reverse("reports:session-export")).content.decode()
    assert 'name="period"' in page and 'name="start"' in page and 'name="end"' in page
    response = client.get(URL, {"period": "custom", "start": "2025-09-01", "end": "2025-09-15"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sessions_2025-09-01_2025-09-15.csv"'
    rows = rows_of(response.content)
    assert len(rows) > 1 and all("2025-09-01" <= row[1] <= "2025-09-15" for row in rows[1:])
    event = AuditEvent.objects.filter(action="report.download").get()
    assert event.detail == {"report": "sessions", "format": "csv", "period_start": "2025-09-01",
                            "period_end": "2025-09-15"}


def test_an_invalid_range_shows_the_picker_with_what_to_fix(cast, login):
    client = login(cast.manager)
    response = client.get(URL, {"period": "custom", "start": "2025-09-15", "end": "2025-09-01"})
    assert response.status_code == 400
    assert "The last day must be on or after the first day." in response.content.decode()
    assert not AuditEvent.objects.filter(action="report.download").exists()


def test_practice_report_links_to_the_export(cast, login):
    html = login(cast.manager).get(reverse("reports:practice-report")).content.decode()
    assert reverse("reports:session-export") in html
