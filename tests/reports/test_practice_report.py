"""The monthly practice report's numbers (reports.builders.practice), built straight from the database."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone

from clinic.models import CareTeamMember
from plans.models import MeasureSchedule, TreatmentPlan
from reports.builders.practice import build_practice_report, percent
from reports.rendering.practice import report_csv, safe_cell
from reports.selectors.practice import Month
from tests.factories import CoupleFactory, UserFactory
from tests.notes.note_factories import NoteFactory, signed_note
from tests.plans.measure_factories import administration
from tests.reports.practice_report_factories import MONTH, NOW, at, seed_couple, session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cast_couple_starts_today(cast):
    """The cast couple starts today (after the report's month), as these counts expect; the factory's default
    start is 2020 (tests/factories.py)."""
    cast.couple.start_date = timezone.localdate()
    cast.couple.save(update_fields=["start_date"])

SEPTEMBER = Month(MONTH)


def build(practice, month: Month = SEPTEMBER, now: datetime.datetime = NOW):
    return build_practice_report(practice=practice, month=month, now=now)


def couple_in(practice, primary, reference, **kwargs):
    return CoupleFactory(practice=practice, primary=primary, reference=reference,
                         start_date=datetime.date(2025, 6, 1), **kwargs)


def by_name(rows, name):
    matches = [row for row in rows if getattr(row, "therapist", getattr(row, "label", None)) == name]
    assert len(matches) == 1, (name, rows)
    return matches[0]


# --- months --------------------------------------------------------------------------------------------


def test_month_bounds_and_labels():
    month = Month.parse("2024-02")
    assert (month.start, month.end, month.key, month.label) == (
        datetime.date(2024, 2, 1), datetime.date(2024, 2, 29), "2024-02", "February 2024")
    assert month.previous.key == "2024-01" and month.next.key == "2024-03"
    assert Month.last_full(datetime.date(2025, 1, 15)).key == "2024-12"
    for bad in ("2024-2", "24-02", "2024-13", "2024/02", "x"):
        with pytest.raises(ValueError):
            Month.parse(bad)


def test_percent_says_dash_when_nothing_to_divide():
    assert (percent(1, 8), percent(1, 4), percent(0, 0)) == ("12.5%", "25%", "—")


# --- 1. caseloads ---------------------------------------------------------------------------------------


def test_caseload_counts_couples_in_treatment_per_primary_and_co_therapist(cast):
    couple_in(cast.practice, cast.therapist, "C-1", co_therapist=cast.co_therapist)
    couple_in(cast.practice, cast.therapist, "C-2", status="on_hold")
    couple_in(cast.practice, cast.stranger, "C-3", status="discharged", end_date=datetime.date(2025, 9, 10))
    couple_in(cast.practice, cast.stranger, "C-4", status="discharged", end_date=datetime.date(2025, 8, 31))
    couple_in(cast.practice, cast.stranger, "C-5", status="intake")
    CoupleFactory(practice=cast.practice, primary=cast.stranger, reference="C-6",
                  start_date=datetime.date(2025, 10, 1))  # started after the month
    couple_in(cast.practice, None, "C-7")  # nobody is its primary therapist
    couple_in(cast.other_practice, cast.outsider, "X-1")
    report = build(cast.practice)
    assert report.couples_in_treatment == 4  # C-1, C-2, C-3, C-7
    assert report.couples_without_primary == 1
    therapist = by_name(report.caseloads, cast.therapist.display_name)
    assert (therapist.as_primary, therapist.as_co_therapist) == (2, 0)
    assert by_name(report.caseloads, cast.co_therapist.display_name).as_co_therapist == 1
    assert by_name(report.caseloads, cast.stranger.display_name).as_primary == 1
    assert by_name(report.caseloads, cast.supervisor.display_name).as_primary == 0  # listed, with nothing
    names = {row.therapist for row in report.caseloads}
    assert cast.outsider.display_name not in names and cast.manager.display_name not in names


def test_caseload_counts_a_handover_for_both_therapists(cast):
    couple = couple_in(cast.practice, None, "C-1")
    CareTeamMember.objects.create(couple=couple, user=cast.therapist, role="primary",
                                  start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2025, 9, 14))
    CareTeamMember.objects.create(couple=couple, user=cast.stranger, role="primary",
                                  start_date=datetime.date(2025, 9, 15))
    report = build(cast.practice)
    assert by_name(report.caseloads, cast.therapist.display_name).as_primary == 1
    assert by_name(report.caseloads, cast.stranger.display_name).as_primary == 1
    assert report.couples_without_primary == 0


# --- 2. sessions per week and 3. attendance ---------------------------------------------------------------


def test_sessions_per_week_by_kind_count_attended_sessions_in_local_time(cast):
    couple = couple_in(cast.practice, cast.therapist, "C-1")
    london = timezone.get_current_timezone()
    session(couple, cast.therapist, datetime.datetime(2025, 8, 31, 23, 30, tzinfo=london))  # August, locally
    session(couple, cast.therapist, at(1))
    session(couple, cast.therapist, at(3), kind="individual_a")
    session(couple, cast.therapist, at(8), kind="individual_b")
    session(couple, cast.therapist, at(9), attendance="no_show")  # not held
    session(couple, cast.therapist, datetime.datetime(2025, 9, 30, 23, 30, tzinfo=london))
    report = build(cast.practice)
    assert [(week.label, week.joint, week.individual_a, week.individual_b) for week in report.weeks] == [
        ("1–7 Sep", 1, 1, 0), ("8–14 Sep", 0, 0, 1), ("15–21 Sep", 0, 0, 0), ("22–28 Sep", 0, 0, 0),
        ("29–30 Sep", 1, 0, 0),
    ]
    assert report.sessions_held == 4
    chart = str(report.sessions_chart)
    assert chart.startswith("<svg") and "Joint" in chart and "Individual A" in chart and "Individual B" in chart


def test_attendance_per_therapist_and_no_show_rate(cast):
    couple = couple_in(cast.practice, cast.therapist, "C-1", co_therapist=cast.co_therapist)
    for day, attendance in ((1, "attended"), (2, "attended"), (3, "cancelled"), (4, "late_cancelled"),
                            (5, "no_show"), (6, "scheduled")):
        session(couple, cast.therapist, at(day), attendance=attendance)
    session(couple, cast.co_therapist, at(7), attendance="no_show")
    session(couple, cast.co_therapist, at(8))
    other = couple_in(cast.other_practice, cast.outsider, "X-1")
    session(other, cast.outsider, at(9), attendance="no_show")
    report = build(cast.practice)
    therapist = by_name(report.attendance, cast.therapist.display_name)
    assert (therapist.attended, therapist.cancelled, therapist.late_cancelled, therapist.no_show,
            therapist.not_recorded, therapist.no_show_rate) == (2, 1, 1, 1, 1, "20%")
    assert by_name(report.attendance, cast.co_therapist.display_name).no_show_rate == "50%"
    total = report.attendance_total
    assert (total.attended, total.no_show, total.booked, total.no_show_rate) == (3, 2, 7, "28.6%")
    assert len(report.attendance) == 2


# --- 4. notes -----------------------------------------------------------------------------------------------


def test_unsigned_overdue_notes_and_late_entries_per_therapist(cast):
    cast.practice.note_deadline_hours = 48
    cast.practice.save()
    couple = couple_in(cast.practice, cast.therapist, "C-1")
    now = at(20, 12)
    signed_note(session=session(couple, cast.therapist, at(1)), signed_at=at(1, 15))
    NoteFactory(session=session(couple, cast.therapist, at(2)))  # a draft, overdue
    session(couple, cast.therapist, at(3))  # no note at all, overdue
    session(couple, cast.therapist, at(19))  # no note yet, still within 48 hours of its end
    session(couple, cast.therapist, at(4), attendance="no_show")  # no note needed
    # An August session whose note was signed late, in September.
    signed_note(session=session(couple, cast.stranger, datetime.datetime(2025, 8, 20, 10, tzinfo=datetime.UTC)),
                signed_at=at(5), late_entry=True)
    report = build(cast.practice, now=now)
    therapist = by_name(report.notes, cast.therapist.display_name)
    assert (therapist.attended, therapist.signed, therapist.unsigned, therapist.overdue, therapist.late_entries) == (
        4, 1, 3, 2, 0)
    assert by_name(report.notes, cast.stranger.display_name).late_entries == 1
    assert (report.notes_total.unsigned, report.notes_total.overdue, report.notes_total.late_entries) == (3, 2, 1)
    assert [(n.couple_reference, n.session_on.day, n.state) for n in report.overdue_notes] == [
        ("C-1", 2, "Draft"), ("C-1", 3, "Not started")]
    first = report.overdue_notes[0]
    assert first.due_at == timezone.localtime(at(2) + datetime.timedelta(minutes=50, hours=48))
    assert first.days_overdue == (now - at(2) - datetime.timedelta(minutes=50, hours=48)).days


# --- 5. plan reviews -----------------------------------------------------------------------------------------


def test_overdue_plan_reviews_by_primary_therapist(cast):
    today = timezone.localdate(NOW)
    overdue = couple_in(cast.practice, cast.therapist, "C-1")
    TreatmentPlan.objects.create(couple=overdue, number=1, status="active", created_by=cast.therapist,
                                 review_due=today - datetime.timedelta(days=10))
    not_yet = couple_in(cast.practice, cast.therapist, "C-2")
    TreatmentPlan.objects.create(couple=not_yet, number=1, status="active", created_by=cast.therapist,
                                 review_due=today)
    draft = couple_in(cast.practice, cast.stranger, "C-3")
    TreatmentPlan.objects.create(couple=draft, number=1, status="draft", created_by=cast.stranger,
                                 review_due=today - datetime.timedelta(days=99))
    discharged = couple_in(cast.practice, cast.stranger, "C-4", status="discharged", end_date=today)
    TreatmentPlan.objects.create(couple=discharged, number=1, status="active", created_by=cast.stranger,
                                 review_due=today - datetime.timedelta(days=99))
    after_the_month = couple_in(cast.practice, cast.therapist, "C-5")
    TreatmentPlan.objects.create(couple=after_the_month, number=1, status="active", created_by=cast.therapist,
                                 review_due=SEPTEMBER.end + datetime.timedelta(days=2))
    report = build(cast.practice)
    # As of the month's last day (30 September), not today (6 October): C-1 was 4 days overdue then, C-5's
    # review, due on 2 October, was not overdue yet, and C-4 (discharged today) was still in treatment.
    assert [(r.couple_reference, r.therapist, r.days_overdue) for r in report.overdue_reviews] == [
        ("C-4", cast.stranger.display_name, 93), ("C-1", cast.therapist.display_name, 4)]
    assert sorted((r.therapist, r.count) for r in report.reviews) == sorted(
        [(cast.therapist.display_name, 1), (cast.stranger.display_name, 1)])
    october = build(cast.practice, Month(datetime.date(2025, 10, 1)))  # the current month: as of today
    assert [(r.couple_reference, r.days_overdue) for r in october.overdue_reviews] == [("C-1", 10), ("C-5", 4)]
    assert october.partial and not report.partial


# --- 6. measures ------------------------------------------------------------------------------------------


def test_measures_scheduled_against_completed(cast):
    couple = couple_in(cast.practice, cast.therapist, "C-1")
    # Signed on the 16th: weekly over 15 days is 2 per partner.
    plan = TreatmentPlan.objects.create(couple=couple, number=1, status="active", created_by=cast.therapist,
                                        signed_by=cast.therapist, signed_at=at(16))
    MeasureSchedule.objects.create(plan=plan, instrument="phq9", every="week")
    for partner, day in (("a", 17), ("a", 24), ("a", 28), ("b", 20), ("b", 10)):
        administration(couple, cast.therapist, instrument="phq9", partner=partner, total=5,
                       on=datetime.date(2025, 9, day))
    administration(couple, cast.therapist, instrument="gad7", partner="a", total=5, on=datetime.date(2025, 9, 3))
    report = build(cast.practice)
    phq9 = by_name(report.measures_by_instrument, "PHQ-9")
    # a: 3 given in the window, counted up to the 2 scheduled; b: 1 in the window (the 10th came before).
    assert (phq9.scheduled, phq9.completed, phq9.recorded, phq9.rate) == (4, 3, 5, "75%")
    gad7 = by_name(report.measures_by_instrument, "GAD-7")
    assert (gad7.scheduled, gad7.completed, gad7.recorded) == (0, 0, 1)
    assert (report.measures_total.scheduled, report.measures_total.completed) == (4, 3)
    assert by_name(report.measures_by_therapist, cast.therapist.display_name).scheduled == 4
    assert report.administrations_in_month == 6


def test_measures_every_session_follow_each_partners_sessions_and_plan_versions(cast):
    couple = couple_in(cast.practice, cast.therapist, "C-1")
    first = TreatmentPlan.objects.create(couple=couple, number=1, status="superseded", created_by=cast.therapist,
                                         signed_at=at(1, 12, datetime.date(2025, 7, 1)), superseded_at=at(11))
    second = TreatmentPlan.objects.create(couple=couple, number=2, status="active", created_by=cast.therapist,
                                          signed_at=at(11), supersedes=first)
    MeasureSchedule.objects.create(plan=first, instrument="csi16", every="session")
    MeasureSchedule.objects.create(plan=second, instrument="csi16", every="month")
    session(couple, cast.therapist, at(2))  # joint: both partners, under plan 1
    session(couple, cast.therapist, at(4), kind="individual_a")  # partner A only, under plan 1
    session(couple, cast.therapist, at(6), attendance="no_show")
    administration(couple, cast.therapist, instrument="csi16", partner="a", total=50, on=datetime.date(2025, 9, 2))
    administration(couple, cast.therapist, instrument="csi16", partner="b", total=50, on=datetime.date(2025, 9, 20))
    report = build(cast.practice)
    csi = by_name(report.measures_by_instrument, "CSI-16")
    # Plan 1 (1st-10th): A 2 sessions, B 1 -> 3 scheduled, A completed 1. Plan 2 (11th-30th, 20 days): monthly
    # rounds to 1 per partner -> 2 scheduled, B completed 1.
    assert (csi.scheduled, csi.completed) == (5, 2)


def test_measures_without_sessions_recorded_fall_back_to_weekly(cast):
    couple = couple_in(cast.practice, cast.therapist, "C-1")
    plan = TreatmentPlan.objects.create(couple=couple, number=1, status="active", created_by=cast.therapist,
                                        signed_at=at(1, 12, datetime.date(2025, 7, 1)))
    MeasureSchedule.objects.create(plan=plan, instrument="csi4", every="session")
    report = build(cast.practice)
    assert by_name(report.measures_by_instrument, "CSI-4").scheduled == 8  # 30 days / 7 = 4 per partner


# --- 7. outcomes -----------------------------------------------------------------------------------------


def test_outcomes_classify_reliable_change_per_partner_and_per_couple(cast):
    def scores(couple, instrument, partner, *totals, month=8):
        for day, total in enumerate(totals, start=1):
            administration(couple, cast.therapist, instrument=instrument, partner=partner, total=total,
                           on=datetime.date(2025, month, day))

    improved = couple_in(cast.practice, cast.therapist, "C-1")
    scores(improved, "phq9", "a", 20, 12)  # -8: reliable improvement (threshold 6)
    scores(improved, "phq9", "b", 8, 10)  # +2: no reliable change
    mixed = couple_in(cast.practice, cast.therapist, "C-2")
    scores(mixed, "phq9", "a", 5, 15)  # +10: reliably worse
    scores(mixed, "phq9", "b", 20, 9)  # -11: reliably better
    worse = couple_in(cast.practice, cast.therapist, "C-3")
    scores(worse, "phq9", "a", 2, 9, 12)  # +10 from the first score
    single = couple_in(cast.practice, cast.therapist, "C-4")
    scores(single, "phq9", "a", 20)  # one score: not counted
    later = couple_in(cast.practice, cast.therapist, "C-5")
    scores(later, "phq9", "a", 20)
    scores(later, "phq9", "a", 5, month=10)  # after the month: not counted
    gone = couple_in(cast.practice, cast.therapist, "C-6", status="discharged", end_date=datetime.date(2025, 8, 30))
    scores(gone, "phq9", "a", 20, 5)  # not in treatment in September
    scores(improved, "csi16", "a", 40, 60)
    scores(improved, "csi16", "b", 50, 45)

    phq9, = [row for row in build(cast.practice).outcomes if row.instrument == "phq9"]
    assert (phq9.partners_measured, phq9.partners_improved, phq9.partners_no_change, phq9.partners_deteriorated) == (
        5, 2, 1, 2)
    assert (phq9.couples_measured, phq9.couples_improved, phq9.couples_mixed, phq9.couples_deteriorated,
            phq9.couples_no_change) == (3, 1, 1, 1, 0)
    assert phq9.partners_improved_share == "40%" and phq9.couples_improved_share == "33.3%"
    assert phq9.threshold == 6 and phq9.classified
    assert phq9.mean_change == pytest.approx((-8 + 2 + 10 - 11 + 10) / 5)

    csi16, = [row for row in build(cast.practice).outcomes if row.instrument == "csi16"]
    assert not csi16.classified and csi16.threshold is None
    assert "No published reliable-change threshold" in csi16.no_threshold_note
    assert (csi16.partners_measured, csi16.couples_measured) == (2, 1)
    assert csi16.partners_improved_share == "—" and csi16.couples_improved_share == "—"
    assert csi16.mean_change_display == "+7.5"


# --- the whole report --------------------------------------------------------------------------------------


def test_a_month_without_activity_is_empty(cast):
    seed_couple(cast.practice, cast.therapist, 1)
    assert not build(cast.practice).is_empty
    july = build(cast.practice, Month(datetime.date(2025, 7, 1)))
    assert july.is_empty and july.sessions_held == 0 and july.attendance == () and july.notes == ()
    assert july.couples_in_treatment == 1


def test_another_practices_data_is_never_counted(cast):
    seed_couple(cast.other_practice, cast.outsider, 1)
    report = build(cast.practice)
    assert report.is_empty and report.couples_in_treatment == 0 and report.overdue_reviews == ()
    assert all(row.partners_measured == 0 for row in report.outcomes)


def test_report_holds_plain_data_only(cast):
    seed_couple(cast.practice, cast.therapist, 1)
    report = build(cast.practice)

    def walk(value):
        from django.db.models import Model, QuerySet

        assert not isinstance(value, Model | QuerySet), value
        if isinstance(value, tuple | list):
            for item in value:
                walk(item)
        elif hasattr(value, "__dataclass_fields__"):
            for name in value.__dataclass_fields__:
                walk(getattr(value, name))

    walk(report)


# --- CSV ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-1+2", "'-1+2"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("C-0001", "C-0001"), (-3, -3), (2.5, 2.5), (None, ""),
    (datetime.date(2025, 9, 1), "2025-09-01"),
])
def test_csv_cells_that_could_start_a_formula_are_quoted(value, expected):
    assert safe_cell(value) == expected


def test_csv_has_a_titled_section_with_a_header_per_table(cast):
    UserFactory(practice=cast.practice, role="therapist", username="evil", first_name="=cmd|' /C calc'!A0",
                last_name="")
    seed_couple(cast.practice, cast.therapist, 1)
    text = report_csv(build(cast.practice), generated_by="@Mia").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    titles = [rows[i][0] for i in range(1, len(rows)) if rows[i] and not rows[i - 1]]
    assert titles == [
        "Couples in treatment per therapist", "Caseload flow", "Sessions held per week by kind",
        "No-shows and late cancellations",
        "Attendance", "Progress notes", "Co-signature by supervisor",
        "Overdue unsigned notes", "Plan reviews overdue per therapist", "Plan reviews overdue",
        "Measures scheduled and completed per therapist", "Measures per instrument",
        "Outcomes: first to latest score, couples in treatment in the month", "Notes on outcomes",
    ]
    assert rows[rows.index(["Attendance"]) + 1][0] == "Therapist"
    assert ["Generated", "2025-10-06 09:00", "by", "'@Mia"] in rows
    assert any(row[:1] == ["'=cmd|' /C calc'!A0"] for row in rows)
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    week = rows[rows.index(["Sessions held per week by kind"]) + 2]
    assert week[:3] == ["1–7 Sep", "2025-09-01", "2025-09-07"]


def test_a_week_across_two_months_names_both():
    from reports.builders.practice import WeekRow

    assert WeekRow(datetime.date(2026, 7, 27), datetime.date(2026, 8, 2), 0, 0, 0).label == "27 Jul–2 Aug"
    assert WeekRow(datetime.date(2026, 8, 3), datetime.date(2026, 8, 9), 0, 0, 0).label == "3–9 Aug"
    assert WeekRow(datetime.date(2026, 8, 31), datetime.date(2026, 8, 31), 0, 0, 0).label == "31 Aug"
