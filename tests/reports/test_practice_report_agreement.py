"""The practice report's page, PDF and CSV agree (issue 13 item 3): the no-show and late-cancellation list, the
sessions-per-week total row; a current month is marked partial and its future weeks are not plotted; the manager
sees no client name or clinical text in any of the three."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from reports.builders.practice import build_practice_report
from reports.selectors.practice import Month
from tests.reports.pdf_support import pdf_text
from tests.reports.practice_report_factories import assert_no_secrets, seed_couple

pytestmark = pytest.mark.django_db

SEPTEMBER = "?month=2025-09"


@pytest.fixture
def outputs(cast, login):
    couples = [seed_couple(cast.practice, cast.therapist if i % 2 else cast.stranger, i + 1,
                           co_therapist=cast.co_therapist) for i in range(3)]
    client = login(cast.manager)
    page = client.get(reverse("reports:practice-report") + SEPTEMBER).content.decode()
    pdf = pdf_text(client.get(reverse("reports:practice-report-pdf") + SEPTEMBER).content)
    rows = list(csv.reader(io.StringIO(
        client.get(reverse("reports:practice-report-csv") + SEPTEMBER).content.decode("utf-8-sig"))))
    report = build_practice_report(practice=cast.practice, month=Month(datetime.date(2025, 9, 1)))
    return couples, report, page, pdf, rows


def _csv_section(rows: list[list[str]], title: str) -> list[list[str]]:
    start = rows.index([title]) + 2  # the title row, then the header row
    end = rows.index([], start)
    return rows[start:end]


def test_no_shows_and_late_cancellations_agree_on_page_pdf_and_csv(outputs):
    couples, report, page, pdf, rows = outputs
    assert len(report.missed) == 2 * len(couples)  # each couple: one no-show, one late cancellation
    listed = _csv_section(rows, "No-shows and late cancellations")
    assert listed == [[m.day.isoformat(), m.couple_reference, m.therapist, m.kind, m.attendance]
                      for m in report.missed]
    table = page[page.index('class="report-table list missed"'):]
    table = table[:table.index("</table>")]
    page_rows = re.findall(r'<td class="nowrap">([^<]+)</td><th scope="row">([^<]+)</th><td>([^<]+)</td>'
                           r"<td>([^<]+)</td><td>([^<]+)</td>", table)
    assert page_rows == [(f"{m.day:%-d %b %Y}", m.couple_reference, m.therapist, m.kind, m.attendance)
                         for m in report.missed]
    flat = " ".join(pdf.split())
    for missed in report.missed:
        assert f"{missed.day:%-d %b %Y} {missed.couple_reference} {missed.therapist}" in flat


def test_sessions_per_week_total_row_has_every_column_on_page_pdf_and_csv(outputs):
    _, report, page, pdf, rows = outputs
    total = report.weeks_total
    assert total.total == report.sessions_held > 0
    assert total.joint + total.individual_a + total.individual_b == total.total
    weeks = _csv_section(rows, "Sessions held per week by kind")
    assert weeks[-1][0] == "Total" and weeks[-1][3:] == [str(total.joint), str(total.individual_a),
                                                        str(total.individual_b), str(total.total)]
    cells = "".join(f'<td class="num">{n}</td>' for n in (total.joint, total.individual_a, total.individual_b,
                                                          total.total))
    assert f'<th scope="row">Total</th>{cells}' in page
    assert f"Total {total.joint} {total.individual_a} {total.individual_b} {total.total}" in " ".join(pdf.split())


def test_page_pdf_and_csv_hold_no_client_name_or_clinical_text(outputs):
    _, _, page, pdf, rows = outputs
    assert_no_secrets(page)
    assert_no_secrets(pdf)
    assert_no_secrets("\n".join(",".join(row) for row in rows))


def test_current_month_is_partial_and_its_future_weeks_are_not_plotted(cast):
    seed_couple(cast.practice, cast.therapist, 1)
    now = timezone.make_aware(datetime.datetime(2025, 9, 10, 12, 0))  # a Wednesday, the second week
    current = build_practice_report(practice=cast.practice, month=Month(datetime.date(2025, 9, 1)), now=now)
    assert current.partial
    # The chart is drawn from these weeks: the third to fifth weeks have not begun, so they are not plotted as 0.
    assert [(w.starts_on.day, w.ends_on.day) for w in current.weeks] == [(1, 7), (8, 14)]
    over = build_practice_report(practice=cast.practice, month=Month(datetime.date(2025, 9, 1)),
                                 now=timezone.make_aware(datetime.datetime(2025, 10, 6, 9, 0)))
    assert not over.partial and len(over.weeks) == 5


def test_page_says_a_current_month_is_partial(cast, login):
    html = login(cast.manager).get(reverse("reports:practice-report")
                                   + f"?month={timezone.localdate():%Y-%m}").content.decode()
    assert 'id="partial-period"' in html and "is not over: the figures are partial" in html
    past = login(cast.manager).get(reverse("reports:practice-report") + SEPTEMBER).content.decode()
    assert 'id="partial-period"' not in past


def test_supervision_counts_waiting_notes_with_their_age_and_keeps_returned_notes_apart(cast, login):
    from notes.models import NoteStatus, ProgressNote

    couples = [seed_couple(cast.practice, cast.therapist, i + 1) for i in range(2)]
    assert cast.therapist.supervisor_id == cast.supervisor.pk
    now = timezone.make_aware(datetime.datetime(2025, 10, 6, 9, 0))
    joints = ProgressNote.objects.filter(couple__in=couples, session__kind="joint").order_by("couple__reference")
    waiting, returned = joints
    if connection.vendor == "postgresql":
        # The notes were signed when seeded; the trigger keeps signed notes as they are, so the test turns it off
        # for its own transaction to put one back in the co-signature queue and mark the other returned.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    waiting.status, waiting.signed_at = NoteStatus.AWAITING_COSIGN, now - datetime.timedelta(days=9)
    waiting.save()
    returned.status, returned.returned_at = NoteStatus.RETURNED, timezone.make_aware(datetime.datetime(2025, 9, 20))
    returned.save()
    month = Month(datetime.date(2025, 9, 1))
    report = build_practice_report(practice=cast.practice, month=month, now=now)
    (line,) = report.supervision
    assert (line.supervisor, line.awaiting, line.oldest_days, line.returned) == (
        cast.supervisor.display_name, 1, 9, 1)
    # The returned note is not signed: it counts as unsigned for its author and is listed with its state.
    assert report.notes_total.signed == 1 and report.notes_total.unsigned == 5
    assert any(note.state == "Returned by supervisor" for note in report.overdue_notes)
    client = login(cast.manager)
    rows = list(csv.reader(io.StringIO(
        client.get(reverse("reports:practice-report-csv") + SEPTEMBER).content.decode("utf-8-sig"))))
    (csv_line,) = _csv_section(rows, "Co-signature by supervisor")  # the page and CSV are as of today
    assert (csv_line[0], csv_line[1], csv_line[3]) == (cast.supervisor.display_name, "1", "1")
    page = client.get(reverse("reports:practice-report") + SEPTEMBER).content.decode()
    assert f'<th scope="row">{cast.supervisor.display_name}</th><td class="num">1</td>' in page


def test_caseload_flow_counts_intakes_discharges_active_and_median_length(cast, login):
    from tests.factories import CoupleFactory

    for index, (start, end, status) in enumerate([
        (datetime.date(2025, 9, 3), None, "active"),  # intake in September
        (datetime.date(2025, 9, 20), None, "intake"),  # intake in September
        (datetime.date(2025, 6, 1), datetime.date(2025, 9, 10), "discharged"),  # 101 days
        (datetime.date(2025, 3, 1), datetime.date(2025, 9, 28), "discharged"),  # 211 days
        (datetime.date(2025, 1, 1), datetime.date(2025, 8, 1), "discharged"),  # before the month
        (datetime.date(2025, 10, 2), None, "active"),  # after the month
    ]):
        CoupleFactory(practice=cast.practice, primary=cast.therapist, reference=f"F-{index}", start_date=start,
                      end_date=end, status=status)
    cast.couple.start_date = timezone.localdate()  # the cast's own couple starts today: after the month
    cast.couple.save(update_fields=["start_date"])
    report = build_practice_report(practice=cast.practice, month=Month(datetime.date(2025, 9, 1)),
                                   now=timezone.make_aware(datetime.datetime(2025, 10, 6, 9, 0)))
    flow = report.flow
    assert (flow.intakes, flow.discharges, flow.active_at_end) == (2, 2, 2)
    assert flow.median_weeks_discharged == (101 + 211) / 2 / 7
    assert flow.median_weeks_active == ((30 - 3) + (30 - 20)) / 2 / 7
    rows = list(csv.reader(io.StringIO(login(cast.manager).get(
        reverse("reports:practice-report-csv") + SEPTEMBER).content.decode("utf-8-sig"))))
    assert _csv_section(rows, "Caseload flow")[:3] == [
        ["Intakes (treatment started in the month)", "2"], ["Discharges in the month", "2"],
        ["Active at the end of the month", "2"]]


# --- Any period, compared with the previous one ----------------------------------------------------------


def test_previous_period_of_a_month_a_quarter_a_year_to_date_and_a_range():
    from reports.selectors.session_export import Period

    assert Period.month(datetime.date(2026, 3, 9)).previous == Period.month(datetime.date(2026, 2, 1))
    assert Period.quarter(datetime.date(2026, 2, 9)).previous == Period.quarter(datetime.date(2025, 12, 1))
    ytd = Period.year_to_date(datetime.date(2026, 5, 31)).previous
    assert (ytd.start, ytd.end) == (datetime.date(2025, 1, 1), datetime.date(2025, 5, 31))
    assert ytd.label == "1 Jan–31 May 2025"  # the same days of last year, said in full
    leap = Period.year_to_date(datetime.date(2028, 2, 29)).previous
    assert leap.end == datetime.date(2027, 2, 28)
    custom = Period(datetime.date(2026, 3, 10), datetime.date(2026, 3, 19)).previous
    assert (custom.start, custom.end) == (datetime.date(2026, 2, 28), datetime.date(2026, 3, 9))


def test_a_custom_period_with_its_change_agrees_on_page_pdf_and_csv(cast, login):
    couples = [seed_couple(cast.practice, cast.therapist, i + 1) for i in range(2)]
    query = "?period=custom&start=2025-09-01&end=2025-09-30"
    client = login(cast.manager)
    page = client.get(reverse("reports:practice-report") + query).content.decode()
    pdf = " ".join(pdf_text(client.get(reverse("reports:practice-report-pdf") + query).content).split())
    rows = list(csv.reader(io.StringIO(
        client.get(reverse("reports:practice-report-csv") + query).content.decode("utf-8-sig"))))
    from reports.selectors.session_export import Period

    report = build_practice_report(practice=cast.practice, compare_previous=True,
                                   month=Period(datetime.date(2025, 9, 1), datetime.date(2025, 9, 30)))
    assert report.previous_label == "August 2025"  # a whole calendar month: compared with the month before
    changes = {line.label: line for line in report.changes}
    held = changes["Sessions held"]
    assert held.current == 3 * len(couples) and held.previous == 0 and held.change == f"+{held.current}"
    assert changes["No-shows"].current == len(couples)
    assert ["Period", "2025-09-01_2025-09-30"] in rows
    section = _csv_section(rows, "Change against the previous period")
    assert section == [[line.label, str(line.current), str(line.previous), str(line.difference)]
                       for line in report.changes]
    assert (f'<th scope="row">Sessions held</th><td class="num">{held.current}</td><td class="num">0</td>'
            f'<td class="num">+{held.current}</td>') in page
    assert f"Sessions held {held.current} 0 +{held.current}" in pdf
    assert "Change against the previous period (August 2025)" in page
    for text in (page, pdf, "\n".join(",".join(row) for row in rows)):
        assert_no_secrets(text)


def test_a_quarter_and_the_year_to_date_open_and_a_bad_range_is_explained(cast, login):
    client = login(cast.manager)
    for period in ("last_quarter", "quarter", "year_to_date"):
        response = client.get(reverse("reports:practice-report") + f"?period={period}")
        assert response.status_code == 200 and "Change against the previous period" in response.content.decode()
    bad = client.get(reverse("reports:practice-report") + "?period=custom&start=2025-09-30&end=2025-09-01")
    assert bad.status_code == 400
    assert "The last day must be on or after the first day." in bad.content.decode()


def test_trend_has_twelve_months_up_to_the_period_end_and_agrees_on_page_and_csv(cast, login):
    seed_couple(cast.practice, cast.therapist, 1)
    report = build_practice_report(practice=cast.practice, month=Month(datetime.date(2025, 9, 1)),
                                   now=timezone.make_aware(datetime.datetime(2025, 10, 6, 9, 0)),
                                   compare_previous=True)
    assert [m.month for m in report.trend][0] == datetime.date(2024, 10, 1)
    assert [m.month for m in report.trend][-1] == datetime.date(2025, 9, 1)
    september = report.trend[-1]
    assert (september.held, september.no_shows, september.late_cancelled, september.partial) == (3, 1, 1, False)
    current = build_practice_report(practice=cast.practice, month=Month(datetime.date(2025, 10, 1)),
                                    now=timezone.make_aware(datetime.datetime(2025, 10, 6, 9, 0)),
                                    compare_previous=True)
    assert current.trend[-1].month == datetime.date(2025, 10, 1) and current.trend[-1].partial
    assert current.trend[-1].label == "Oct 2025 (partial)"
    client = login(cast.manager)
    rows = list(csv.reader(io.StringIO(
        client.get(reverse("reports:practice-report-csv") + SEPTEMBER).content.decode("utf-8-sig"))))
    trend_rows = _csv_section(rows, "Trend: sessions per month")
    assert trend_rows[-1] == ["Sep 2025", "3", "1", "1"] and len(trend_rows) == 12
    page = client.get(reverse("reports:practice-report") + SEPTEMBER).content.decode()
    assert '<th scope="row">Sep 2025</th><td class="num">3</td><td class="num">1</td><td class="num">1</td>' in page
    assert "Sessions held per month, twelve months" in page  # the SVG chart's title
    # The legend has about 16 characters of room right of the plot (plans.charts: RIGHT 150 px, 12 px type).
    legend = re.findall(r'<text x="534" y="[\d.]+" fill="#1b1f24">([^<]*)</text>', str(report.trend_chart))
    assert legend == ["Held", "Missed"] and all(len(label) <= 16 for label in legend)


# --- The wording names the period: a month, a quarter or another period ------------------------------------------

# What a report of a quarter or of the year to date must not say: each of these meant the report's period.
MONTH_WORDING = re.compile(r"\b(?:the|this) month\b|\bmonth's\b", re.IGNORECASE)


def test_a_period_names_itself_a_month_a_quarter_or_a_period():
    from reports.selectors.session_export import Period

    assert Month(datetime.date(2025, 9, 1)).unit == "month"
    assert Period.month(datetime.date(2026, 2, 9)).unit == "month"
    assert Period(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)).unit == "month"  # a custom whole month
    assert Period.quarter(datetime.date(2026, 8, 9)).unit == "quarter"
    assert Period(datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)).unit == "quarter"
    assert Period.year_to_date(datetime.date(2026, 5, 31)).unit == "period"
    assert Period.year_to_date(datetime.date(2026, 1, 31)).unit == "period"  # January so far: still "2026 to date"
    assert Period(datetime.date(2026, 9, 10), datetime.date(2026, 10, 9)).unit == "period"
    assert Period(datetime.date(2026, 7, 1), datetime.date(2026, 9, 29)).unit == "period"  # a quarter less a day


def _page_pdf_and_csv(client, query: str) -> tuple[str, str, str]:
    """The report part of the page (not the month picker), the PDF's text and the CSV, whitespace collapsed."""
    page = client.get(reverse("reports:practice-report") + query).content.decode()
    page = " ".join(page[page.index('<div class="practice-report">'):].split())
    pdf = " ".join(pdf_text(client.get(reverse("reports:practice-report-pdf") + query).content).split())
    text = client.get(reverse("reports:practice-report-csv") + query).content.decode("utf-8-sig")
    return page, pdf, text


def _says(unit: str) -> dict[str, tuple[str, ...]]:
    """Sentences and headings each of the page, the PDF and the CSV holds for a report of this unit (with data)."""
    both = (f"Intakes (treatment started in the {unit})", f"Discharges in the {unit}",
            f"Active at the end of the {unit}")
    sentences = (f"Sessions booked in the {unit} by the clinician", f"Notes of the sessions attended in the {unit}",
                 f"the first and last weeks are cut at the {unit}'s edges",
                 f"Couples in treatment at some point of the {unit}", f"by the end of the {unit}.")
    return {
        "page": (*both, *sentences, f"Plan reviews overdue at the end of the {unit}", f"Returned in the {unit}",
                 f"Co-signed in the {unit}"),
        "pdf": (*both, *sentences),
        "csv": (*both, f"Late entries signed in the {unit}", f"Returned in the {unit}", f"Co-signed in the {unit}",
                f"All administrations in the {unit}", f"couples in treatment in the {unit}"),
    }


@pytest.mark.parametrize(("query", "unit"), [
    ("?period=last_quarter", "quarter"),  # Q3 2025, today being 6 October 2025
    ("?period=custom&start=2025-07-01&end=2025-09-30", "quarter"),  # the same days, chosen as a range
    ("?period=year_to_date", "period"),  # 1 January to 6 October 2025
    ("?period=custom&start=2025-08-15&end=2025-09-30", "period"),
])
def test_a_quarter_or_another_period_is_named_so_on_page_pdf_and_csv_never_the_month(cast, login, query, unit):
    import time_machine

    seed_couple(cast.practice, cast.therapist, 1, co_therapist=cast.co_therapist)
    with time_machine.travel(timezone.make_aware(datetime.datetime(2025, 10, 6, 9, 0)), tick=False):
        page, pdf, text = _page_pdf_and_csv(login(cast.manager), query)
    said = _says(unit)
    for name, output in (("page", page), ("pdf", pdf), ("csv", text)):
        assert [phrase for phrase in said[name] if phrase not in output] == [], name
        assert MONTH_WORDING.findall(output) == [], name
    if query != "?period=year_to_date":  # over: reviews are counted on its last day, not today
        assert f"the {unit}'s last day" in page
    # What really is a calendar month keeps its word: the twelve-month trend.
    assert "Trend: sessions per month" in page and "Trend: sessions per month" in text


def test_a_month_is_still_named_the_month_on_page_pdf_and_csv(cast, login):
    seed_couple(cast.practice, cast.therapist, 1, co_therapist=cast.co_therapist)
    for query in (SEPTEMBER, "?period=custom&start=2025-09-01&end=2025-09-30"):
        page, pdf, text = _page_pdf_and_csv(login(cast.manager), query)
        said = _says("month")
        for name, output in (("page", page), ("pdf", pdf), ("csv", text)):
            assert [phrase for phrase in said[name] if phrase not in output] == [], (query, name)
            assert "quarter" not in output.casefold(), (query, name)
        assert "30 Sep 2025, the month's last day" in page


def test_an_empty_quarter_says_so_in_its_own_words_in_the_csv(cast, login):
    text = login(cast.manager).get(reverse("reports:practice-report-csv")
                                   + "?period=custom&start=2024-01-01&end=2024-03-31").content.decode("utf-8-sig")
    for line in ("No no-show or late cancellation in the quarter.", "No sessions were booked in the quarter.",
                 "No attended sessions and no late entries in the quarter.",
                 "No note awaits co-signature, and none was co-signed or returned in the quarter.",
                 "No measures were scheduled in the quarter.", "No measures were scheduled or given in the quarter."):
        assert line in text
    assert MONTH_WORDING.findall(text) == []
