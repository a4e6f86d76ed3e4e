"""The monthly practice report as plain data: counts, rates, dates and case references, per therapist.

`build_practice_report(practice=..., month=...)` runs the selectors of reports.selectors.practice (a fixed
number of queries however large the practice) and returns a frozen `PracticeReport`: the page, the PDF and
the CSV are all drawn from it, so they always agree. It holds no ORM object, no client name and no clinical
text: couples appear by reference only, staff by their display name.
"""

from __future__ import annotations

import dataclasses
import datetime
import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString

from clinic.models import CLINICAL_ROLES, CareRole, CoupleStatus, PartnerPosition, Practice
from clinic.selectors.risks import RiskCounts, risk_counts
from notes.models import Attendance, NoteStatus, SessionKind
from plans import charts
from plans.instruments import (
    DETERIORATION,
    IMPROVEMENT,
    NO_CHANGE,
    NO_THRESHOLD,
    RECOVERED,
    Instrument,
    classify_outcome,
)
from plans.models import ScheduleEvery
from plans.selectors.instruments import instruments_for
from plans.selectors.measures import INTERVAL_DAYS
from reports.selectors import practice as selectors
from reports.selectors.practice import Month

# Instruments whose outcomes the report summarises.
OUTCOME_INSTRUMENTS = ("csi16", "csi4", "phq9", "gad7")
# Session kinds in display order, with their chart style (plans.charts offers "a", "b" and "objective").
KINDS = (
    (SessionKind.JOINT, "Joint", "objective"),
    (SessionKind.INDIVIDUAL_A, "Individual A", "a"),
    (SessionKind.INDIVIDUAL_B, "Individual B", "b"),
)
PARTNERS = tuple(PartnerPosition.values)
UNKNOWN_STAFF = "Former staff member"
NO_PRIMARY = "No primary therapist"


def percent(numerator: int, denominator: int) -> str:
    """'12.5%', or '—' when there is nothing to divide by."""
    if not denominator:
        return "—"
    return f"{100 * numerator / denominator:.1f}%".replace(".0%", "%")


# --- The report's rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseloadRow:
    therapist: str
    as_primary: int
    as_co_therapist: int


@dataclass(frozen=True)
class WeekRow:
    starts_on: datetime.date
    ends_on: datetime.date
    joint: int
    individual_a: int
    individual_b: int

    @property
    def label(self) -> str:
        if self.starts_on == self.ends_on:
            return f"{self.starts_on.day} {self.starts_on:%b}"
        if self.starts_on.month != self.ends_on.month:  # a week across two months of a quarter: "27 Jul–2 Aug"
            return f"{self.starts_on.day} {self.starts_on:%b}–{self.ends_on.day} {self.ends_on:%b}"
        return f"{self.starts_on.day}–{self.ends_on.day} {self.ends_on:%b}"

    @property
    def total(self) -> int:
        return self.joint + self.individual_a + self.individual_b


@dataclass(frozen=True)
class AttendanceRow:
    therapist: str
    attended: int = 0
    cancelled: int = 0
    late_cancelled: int = 0
    no_show: int = 0
    not_recorded: int = 0

    @property
    def booked(self) -> int:
        """Sessions whose outcome is recorded: the denominator of the no-show rate."""
        return self.attended + self.cancelled + self.late_cancelled + self.no_show

    @property
    def no_show_rate(self) -> str:
        return percent(self.no_show, self.booked)


@dataclass(frozen=True)
class NotesRow:
    therapist: str
    attended: int = 0
    signed: int = 0
    unsigned: int = 0
    overdue: int = 0
    late_entries: int = 0


@dataclass(frozen=True)
class OverdueNote:
    couple_reference: str
    therapist: str
    session_on: datetime.date
    due_at: datetime.datetime
    days_overdue: int
    state: str  # "Draft" or "Not started"


@dataclass(frozen=True)
class CountRow:
    therapist: str
    count: int


@dataclass(frozen=True)
class OverdueReview:
    couple_reference: str
    therapist: str
    plan_number: int
    review_due: datetime.date
    days_overdue: int


@dataclass(frozen=True)
class MeasureRow:
    label: str
    scheduled: int
    completed: int
    recorded: int | None = None  # every administration in the month, scheduled or not (by instrument)

    @property
    def rate(self) -> str:
        return percent(self.completed, self.scheduled)


@dataclass(frozen=True)
class OutcomeRow:
    instrument: str
    instrument_name: str
    higher_is_better: bool
    threshold: float | None
    threshold_source: str
    no_threshold_note: str
    partners_measured: int
    partners_improved: int
    partners_no_change: int
    partners_deteriorated: int
    couples_measured: int
    couples_improved: int
    couples_mixed: int
    couples_deteriorated: int
    mean_change: float | None
    cutoff: float | None = None
    cutoff_source: str = ""
    partners_at_caseness: int = 0  # two or more scores, the first on the clinical side of the cut-off
    partners_recovered: int = 0

    @property
    def classified(self) -> bool:
        return self.threshold is not None

    @property
    def recovery_share(self) -> str:
        """Recovered out of the partners who were above the clinical cut-off at baseline (the usual
        denominator of a recovery rate), "—" where recovery cannot be classified."""
        return percent(self.partners_recovered, self.partners_at_caseness) if self.classified else "—"

    @property
    def couples_no_change(self) -> int:
        return self.couples_measured - self.couples_improved - self.couples_mixed - self.couples_deteriorated

    @property
    def partners_improved_share(self) -> str:
        return percent(self.partners_improved, self.partners_measured) if self.classified else "—"

    @property
    def couples_improved_share(self) -> str:
        return percent(self.couples_improved, self.couples_measured) if self.classified else "—"

    @property
    def mean_change_display(self) -> str:
        if self.mean_change is None:
            return "—"
        return f"{self.mean_change:+.1f}".replace("-", "−")


@dataclass(frozen=True)
class SupervisionLine:
    """One supervisor's co-signature work: the queue now (with the oldest note's age), and the month's returns and
    co-signatures with the median days from the author's signature to the co-signature."""

    supervisor: str
    awaiting: int = 0
    oldest_days: int | None = None
    returned: int = 0
    cosigned: int = 0
    median_turnaround_days: float | None = None

    @property
    def turnaround_display(self) -> str:
        return "—" if self.median_turnaround_days is None else f"{self.median_turnaround_days:.1f}"

    @property
    def oldest_display(self) -> str:
        return "—" if self.oldest_days is None else str(self.oldest_days)


def _supervision(rows: list[selectors.SupervisionRow], names: _Names, now: datetime.datetime
                 ) -> tuple[SupervisionLine, ...]:
    """Awaiting notes are counted for the author's supervisor (who must co-sign them); returned notes apart, never
    as signed; turnaround from the author's signature to the co-signature, for notes co-signed in the month."""
    awaiting: dict[uuid.UUID | None, list[int]] = defaultdict(list)
    returned: Counter[uuid.UUID | None] = Counter()
    turnaround: dict[uuid.UUID | None, list[float]] = defaultdict(list)
    for row in rows:
        if row.status == NoteStatus.AWAITING_COSIGN and row.signed_at is not None:
            awaiting[row.author_supervisor_id].append((now - row.signed_at).days)
        elif row.status == NoteStatus.RETURNED or (row.returned_at and not row.cosigned_at):
            returned[row.author_supervisor_id] += 1
        if row.cosigned_at and row.signed_at:
            turnaround[row.cosigned_by_id].append((row.cosigned_at - row.signed_at).total_seconds() / 86400)
    lines = [
        SupervisionLine(names(supervisor) if supervisor else "No supervisor recorded",
                        len(awaiting.get(supervisor, [])),
                        max(awaiting[supervisor]) if awaiting.get(supervisor) else None, returned[supervisor],
                        len(turnaround.get(supervisor, [])),
                        statistics.median(turnaround[supervisor]) if turnaround.get(supervisor) else None)
        for supervisor in set(awaiting) | set(returned) | set(turnaround)
    ]
    return tuple(sorted(lines, key=lambda line: line.supervisor))


@dataclass(frozen=True)
class CaseloadFlow:
    """Couples coming in and going out in the month, and how long treatment lasts."""

    intakes: int  # couples whose treatment started in the month
    discharges: int  # couples discharged in the month
    active_at_end: int  # in treatment on the month's last day (or today, for the current month)
    median_weeks_discharged: float | None  # median length of treatment of the couples discharged in the month
    median_weeks_active: float | None  # median weeks in treatment so far of the couples active at the end

    @staticmethod
    def weeks(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f}"

    @property
    def median_weeks_discharged_display(self) -> str:
        return self.weeks(self.median_weeks_discharged)

    @property
    def median_weeks_active_display(self) -> str:
        return self.weeks(self.median_weeks_active)


def _flow(spans: list[selectors.CoupleSpanRow], month: Month, today: datetime.date) -> CaseloadFlow:
    last = min(month.end, today)
    intakes = sum(1 for c in spans if month.start <= c.start_date <= month.end)
    discharged = [c for c in spans if c.status == CoupleStatus.DISCHARGED and c.end_date
                  and month.start <= c.end_date <= month.end]
    active = [c for c in spans if c.start_date <= last and (c.end_date is None or c.end_date > last)
              and not (c.status == CoupleStatus.DISCHARGED and c.end_date is None)]

    def median_weeks(days: list[int]) -> float | None:
        return statistics.median(days) / 7 if days else None

    return CaseloadFlow(
        intakes=intakes, discharges=len(discharged), active_at_end=len(active),
        median_weeks_discharged=median_weeks([(c.end_date - c.start_date).days for c in discharged if c.end_date]),
        median_weeks_active=median_weeks([(last - c.start_date).days for c in active]),
    )


@dataclass(frozen=True)
class ChangeLine:
    """One key figure of the period beside the previous period's."""

    label: str
    current: int
    previous: int

    @property
    def difference(self) -> int:
        return self.current - self.previous

    @property
    def change(self) -> str:
        difference = self.difference
        return f"{difference:+d}".replace("-", "−") if difference else "0"


def _key_figures(report: PracticeReport) -> dict[str, int]:
    flow = report.flow
    return {
        "Couples in treatment": report.couples_in_treatment,
        "Sessions held": report.sessions_held,
        "No-shows": report.attendance_total.no_show,
        "Late cancellations": report.attendance_total.late_cancelled,
        "Intakes": flow.intakes if flow else 0,
        "Discharges": flow.discharges if flow else 0,
        "Scheduled measures completed": report.measures_total.completed,
    }


def compare(current: PracticeReport, previous: PracticeReport) -> tuple[ChangeLine, ...]:
    before = _key_figures(previous)
    return tuple(ChangeLine(label, value, before[label]) for label, value in _key_figures(current).items())


TREND_MONTHS = 12


@dataclass(frozen=True)
class TrendMonth:
    month: datetime.date  # first day
    held: int
    no_shows: int
    late_cancelled: int
    partial: bool  # the current month: not over yet

    @property
    def label(self) -> str:
        return f"{self.month:%b %Y}" + (" (partial)" if self.partial else "")


def _trend(counts: dict[tuple[datetime.date, str], int], months: list[datetime.date], today: datetime.date
           ) -> tuple[TrendMonth, ...]:
    return tuple(
        TrendMonth(month, counts.get((month, Attendance.ATTENDED), 0), counts.get((month, Attendance.NO_SHOW), 0),
                   counts.get((month, Attendance.LATE_CANCELLED), 0),
                   month <= today <= Month(month).end)
        for month in months
    )


def _trend_months(end: datetime.date, today: datetime.date) -> list[datetime.date]:
    """The twelve months up to the period's end, never a month that has not begun."""
    last = Month.of(min(end, today)).start
    months = [last]
    while len(months) < TREND_MONTHS:
        months.insert(0, Month.of(months[0] - datetime.timedelta(days=1)).start)
    return months


def _trend_chart(trend: tuple[TrendMonth, ...]) -> SafeString:
    top = max([m.held for m in trend] + [m.no_shows + m.late_cancelled for m in trend] + [0])
    return charts.render(charts.Chart(
        title="Sessions held per month, twelve months",
        description=("Attended sessions, and no-shows with late cancellations, in each of the twelve months up to the "
                     "end of the period; a month that is not over is marked partial in the table, and months that "
                     "have not begun are not plotted."),
        y_label="Sessions", y_min=0, y_max=max(4, top + (top % 2)),
        series=(charts.Series("Held", [(m.month, m.held) for m in trend], "objective"),
                # The legend has about 16 characters of room: the caption says what "missed" counts.
                charts.Series("Missed",
                              [(m.month, m.no_shows + m.late_cancelled) for m in trend], "b")),
    ))


@dataclass(frozen=True)
class MissedSession:
    """A no-show or a late cancellation: what a practice follows up (and may bill)."""

    couple_reference: str
    day: datetime.date
    therapist: str
    kind: str
    attendance: str


def _missed(sessions: list[selectors.SessionRow], names: _Names) -> tuple[MissedSession, ...]:
    kinds, attendances = dict(SessionKind.choices), dict(Attendance.choices)
    return tuple(
        MissedSession(s.couple_reference, timezone.localdate(s.starts_at), names(s.therapist_id),
                      kinds.get(s.kind, s.kind), attendances.get(s.attendance, s.attendance))
        for s in sorted(sessions, key=lambda s: (s.starts_at, s.couple_reference))
        if s.attendance in (Attendance.NO_SHOW, Attendance.LATE_CANCELLED)
    )


@dataclass(frozen=True)
class PracticeReport:
    practice_name: str
    month: Month
    as_of: datetime.datetime
    note_deadline_hours: int
    couples_in_treatment: int
    couples_without_primary: int
    caseloads: tuple[CaseloadRow, ...]
    weeks: tuple[WeekRow, ...]
    sessions_chart: SafeString
    attendance: tuple[AttendanceRow, ...]
    attendance_total: AttendanceRow
    notes: tuple[NotesRow, ...]
    notes_total: NotesRow
    overdue_notes: tuple[OverdueNote, ...]
    reviews: tuple[CountRow, ...]
    overdue_reviews: tuple[OverdueReview, ...]
    measures_by_therapist: tuple[MeasureRow, ...]
    measures_by_instrument: tuple[MeasureRow, ...]
    measures_total: MeasureRow
    administrations_in_month: int
    outcomes: tuple[OutcomeRow, ...]
    risks: RiskCounts | None = None  # numbers only: a manager never sees what a risk is about
    missed: tuple[MissedSession, ...] = ()  # no-shows and late cancellations, by date
    partial: bool = False  # the month has not ended: figures up to `as_of`, later weeks not shown
    supervision: tuple[SupervisionLine, ...] = ()
    flow: CaseloadFlow | None = None
    previous_label: str = ""  # the period compared with, when the report was built with compare_previous
    trend: tuple[TrendMonth, ...] = ()  # the twelve months up to the period's end (compare_previous only)
    trend_chart: SafeString = SafeString("")
    changes: tuple[ChangeLine, ...] = ()

    @property
    def sessions_held(self) -> int:
        return sum(week.total for week in self.weeks)

    @property
    def weeks_total(self) -> WeekRow:
        """The total row of the sessions-per-week table: every kind's column summed over the weeks."""
        return WeekRow(self.month.start, self.month.end, sum(w.joint for w in self.weeks),
                       sum(w.individual_a for w in self.weeks), sum(w.individual_b for w in self.weeks))

    @property
    def is_empty(self) -> bool:
        """Nothing happened in the month: no session booked and no measure given."""
        return self.attendance_total.booked + self.attendance_total.not_recorded == 0 \
            and self.administrations_in_month == 0


# --- Building -----------------------------------------------------------------------------------------


class _Names:
    """Staff display names by id; anyone unknown (another practice's user, a deleted account) is generic."""

    def __init__(self, staff: dict[uuid.UUID, selectors.StaffRow]) -> None:
        self.staff = staff

    def __call__(self, user_id: uuid.UUID | None) -> str:
        if user_id is None:
            return NO_PRIMARY
        row = self.staff.get(user_id)
        return row.name if row else UNKNOWN_STAFF


def _sorted(rows: Iterable[Any], key: Callable[[Any], str] = lambda row: row.therapist) -> tuple[Any, ...]:
    return tuple(sorted(rows, key=lambda row: (key(row) in (NO_PRIMARY, UNKNOWN_STAFF), key(row).casefold())))


def _primary_by_couple(memberships: list[selectors.MembershipRow], on: datetime.date,
                       since: datetime.date) -> dict[uuid.UUID, uuid.UUID]:
    """Each couple's primary therapist on `on`; failing that, the last one who was primary since `since`."""
    best: dict[uuid.UUID, tuple[tuple[bool, datetime.date], uuid.UUID]] = {}
    for row in memberships:
        if row.role != CareRole.PRIMARY or row.start_date > on or (row.end_date and row.end_date < since):
            continue
        rank = (row.end_date is None or row.end_date >= on, row.start_date)
        if row.couple_id not in best or rank > best[row.couple_id][0]:
            best[row.couple_id] = (rank, row.user_id)
    return {couple_id: user_id for couple_id, (_, user_id) in best.items()}


def _caseloads(staff: dict[uuid.UUID, selectors.StaffRow], names: _Names, couples: dict[uuid.UUID, str],
               memberships: list[selectors.MembershipRow], month: Month) -> tuple[tuple[CaseloadRow, ...], int]:
    on_team: dict[tuple[uuid.UUID, str], set[uuid.UUID]] = defaultdict(set)
    for row in memberships:
        if row.couple_id in couples and row.start_date <= month.end and (
                row.end_date is None or row.end_date >= month.start):
            on_team[(row.user_id, row.role)].add(row.couple_id)
    user_ids = {user_id for user_id, _ in on_team} | {
        row.id for row in staff.values() if row.is_active and row.role in CLINICAL_ROLES
    }
    rows = [
        CaseloadRow(names(user_id), len(on_team[(user_id, CareRole.PRIMARY)]),
                    len(on_team[(user_id, CareRole.CO_THERAPIST)]))
        for user_id in user_ids
    ]
    with_primary = set().union(*(ids for (_, role), ids in on_team.items() if role == CareRole.PRIMARY))
    return _sorted(rows), len(set(couples) - with_primary)


def _weeks(month: Month) -> list[tuple[datetime.date, datetime.date]]:
    """Monday-to-Sunday weeks, cut at the month's edges."""
    weeks, day = [], month.start
    while day <= month.end:
        last = min(day + datetime.timedelta(days=6 - day.weekday()), month.end)
        weeks.append((day, last))
        day = last + datetime.timedelta(days=1)
    return weeks


def _sessions_per_week(sessions: list[selectors.SessionRow], month: Month,
                       today: datetime.date | None = None) -> tuple[WeekRow, ...]:
    """Attended sessions per week; weeks that have not begun by `today` are left out (never plotted as 0)."""
    counts: Counter[tuple[datetime.date, str]] = Counter()
    spans = [(start, last) for start, last in _weeks(month) if today is None or start <= today]
    for session in sessions:
        if session.attendance != Attendance.ATTENDED:
            continue
        day = timezone.localdate(session.starts_at)
        week_start = next((start for start, last in spans if start <= day <= last), None)
        if week_start is not None:
            counts[(week_start, session.kind)] += 1
    return tuple(
        WeekRow(start, last, counts[(start, SessionKind.JOINT)], counts[(start, SessionKind.INDIVIDUAL_A)],
                counts[(start, SessionKind.INDIVIDUAL_B)])
        for start, last in spans
    )


def _sessions_chart(weeks: tuple[WeekRow, ...], month: Month) -> SafeString:
    values = {SessionKind.JOINT: "joint", SessionKind.INDIVIDUAL_A: "individual_a",
              SessionKind.INDIVIDUAL_B: "individual_b"}
    top = max([getattr(week, field) for week in weeks for field in values.values()] + [0])
    series = [] if not any(week.total for week in weeks) else [
        # Each week at its Monday, so points are 7 days apart (a month's first week may be one day long, and
        # two points a day apart printed their axis labels over each other).
        charts.Series(label, [(week.starts_on - datetime.timedelta(days=week.starts_on.weekday()),
                               getattr(week, values[kind])) for week in weeks], style)
        for kind, label, style in KINDS
    ]
    return charts.render(charts.Chart(
        title=f"Sessions held per week by kind, {month.label}",
        description=(f"Attended sessions in each week of {month.label} (weeks start on Monday): joint sessions, "
                     "individual sessions with partner A and with partner B. The table gives the same numbers."),
        y_label="Sessions held",
        y_min=0,
        y_max=max(4, top + (top % 2)),
        series=series,
    ))


def _attendance(sessions: list[selectors.SessionRow], names: _Names) -> tuple[tuple[AttendanceRow, ...],
                                                                              AttendanceRow]:
    counts: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
    for session in sessions:
        counts[session.therapist_id][session.attendance] += 1

    def row(label: str, counter: Counter[str]) -> AttendanceRow:
        return AttendanceRow(label, counter[Attendance.ATTENDED], counter[Attendance.CANCELLED],
                             counter[Attendance.LATE_CANCELLED], counter[Attendance.NO_SHOW],
                             counter[Attendance.SCHEDULED])

    total = sum(counts.values(), Counter())
    return _sorted(row(names(user_id), counter) for user_id, counter in counts.items()), row("All therapists", total)


def _notes(sessions: list[selectors.SessionRow], late_entries: dict[uuid.UUID, int], names: _Names,
           deadline_hours: int, now: datetime.datetime) -> tuple[tuple[NotesRow, ...], NotesRow,
                                                                 tuple[OverdueNote, ...]]:
    counts: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
    overdue: list[OverdueNote] = []
    deadline = datetime.timedelta(hours=deadline_hours)
    for session in sessions:
        if session.attendance != Attendance.ATTENDED:
            continue
        author = session.note_author_id or session.therapist_id
        counts[author]["attended"] += 1
        returned = session.note_status == NoteStatus.RETURNED  # back with its author: not signed
        if session.note_signed_at is not None and not returned:
            counts[author]["signed"] += 1
            continue
        counts[author]["unsigned"] += 1
        due_at = session.starts_at + datetime.timedelta(minutes=session.duration_minutes) + deadline
        if due_at < now:
            counts[author]["overdue"] += 1
            overdue.append(OverdueNote(
                couple_reference=session.couple_reference, therapist=names(author),
                session_on=timezone.localdate(session.starts_at), due_at=timezone.localtime(due_at),
                days_overdue=(now - due_at).days,
                state="Returned by supervisor" if returned else "Draft" if session.note_id else "Not started",
            ))
    for user_id, count in late_entries.items():
        counts[user_id]["late"] += count

    def row(label: str, counter: Counter[str]) -> NotesRow:
        return NotesRow(label, counter["attended"], counter["signed"], counter["unsigned"], counter["overdue"],
                        counter["late"])

    total = sum(counts.values(), Counter())
    overdue.sort(key=lambda note: (note.session_on, note.couple_reference))
    return (_sorted(row(names(user_id), counter) for user_id, counter in counts.items()),
            row("All therapists", total), tuple(overdue))


def _reviews(plans: list[selectors.PlanReviewRow], primaries: dict[uuid.UUID, uuid.UUID], names: _Names,
             today: datetime.date) -> tuple[tuple[CountRow, ...], tuple[OverdueReview, ...]]:
    listed = [
        OverdueReview(plan.couple_reference, names(primaries.get(plan.couple_id)), plan.number, plan.review_due,
                      (today - plan.review_due).days)
        for plan in plans
    ]
    per_therapist = Counter(review.therapist for review in listed)
    return _sorted(CountRow(name, count) for name, count in per_therapist.items()), tuple(listed)


def _expected(every: str, days: int, attended: int, has_sessions: bool) -> int:
    """How many administrations a schedule asks of one partner in a window of `days` days."""
    if every == ScheduleEvery.SESSION and has_sessions:
        return attended
    return int(days / INTERVAL_DAYS[every] + 0.5)


def _measures(
    schedules: list[selectors.ScheduleRow], administrations: list[selectors.AdministrationRow],
    sessions: list[selectors.SessionRow], with_sessions: set[uuid.UUID], primaries: dict[uuid.UUID, uuid.UUID],
    names: _Names, instruments: dict[str, Instrument], month: Month, today: datetime.date,
) -> tuple[tuple[MeasureRow, ...], tuple[MeasureRow, ...], MeasureRow]:
    """Scheduled vs completed administrations, by therapist and by instrument.

    A schedule counts over the days of the month its plan was in force (from its signature to its
    replacement, the couple's end date or today). Expected per partner: the days divided by the interval,
    rounded (weekly 7, fortnightly 14, monthly 30 days); "every session" = the sessions that partner attended
    (joint, or their own individual ones), or weekly for couples with no sessions in Rapport. Completed: the
    administrations given in that window, counted up to the number expected.
    """
    attended_days: dict[tuple[uuid.UUID, str], list[datetime.date]] = defaultdict(list)
    for session in sessions:
        if session.attendance == Attendance.ATTENDED:
            day = timezone.localdate(session.starts_at)
            for partner in PARTNERS:
                if session.kind in (SessionKind.JOINT, f"individual_{partner}"):
                    attended_days[(session.couple_id, partner)].append(day)
    given: dict[tuple[uuid.UUID, str, str], list[datetime.date]] = defaultdict(list)
    for row in administrations:
        given[(row.couple_id, row.instrument, row.partner)].append(row.administered_on)

    by_therapist: dict[str, Counter[str]] = defaultdict(Counter)
    by_instrument: dict[str, Counter[str]] = defaultdict(Counter)
    last_day = min(month.end, today)
    for schedule in schedules:
        first = max(month.start, timezone.localdate(schedule.signed_at))
        last = last_day
        if schedule.superseded_at is not None:
            last = min(last, timezone.localdate(schedule.superseded_at) - datetime.timedelta(days=1))
        if schedule.couple_end_date is not None:
            last = min(last, schedule.couple_end_date)
        if last < first:
            continue
        therapist = names(primaries.get(schedule.couple_id))
        for partner in PARTNERS:
            attended = sum(first <= day <= last for day in attended_days[(schedule.couple_id, partner)])
            expected = _expected(schedule.every, (last - first).days + 1, attended,
                                 schedule.couple_id in with_sessions)
            done = sum(first <= day <= last for day in given[(schedule.couple_id, schedule.instrument, partner)])
            for counter in (by_therapist[therapist], by_instrument[schedule.instrument]):
                counter["scheduled"] += expected
                counter["completed"] += min(done, expected)
    recorded = Counter(row.instrument for row in administrations)

    def name(code: str) -> str:
        instrument = instruments.get(code)
        return instrument.short_name if instrument else code

    therapist_rows = _sorted(
        (MeasureRow(label, counter["scheduled"], counter["completed"]) for label, counter in by_therapist.items()),
        key=lambda row: row.label,
    )
    instrument_rows = tuple(sorted(
        (MeasureRow(name(code), by_instrument[code]["scheduled"], by_instrument[code]["completed"], recorded[code])
         for code in set(by_instrument) | set(recorded)),
        key=lambda row: row.label.casefold(),
    ))
    total = MeasureRow("All scheduled measures", sum(row.scheduled for row in therapist_rows),
                       sum(row.completed for row in therapist_rows), len(administrations))
    return therapist_rows, instrument_rows, total


def _outcomes(scores: list[selectors.ScoreRow], instruments: dict[str, Instrument]) -> tuple[OutcomeRow, ...]:
    """Baseline (first score) to latest score per partner, classified for reliable change and recovery
    (plans.instruments.classify_outcome: Jacobson & Truax 1991 criterion c with the reliable change index).
    Incomplete forms without a total never reach here (selectors.outcome_scores); prorated totals count.

    Per couple: improved when at least one partner reliably improved and neither reliably deteriorated;
    deteriorated the other way round; mixed when one did each.
    """
    series: dict[tuple[str, uuid.UUID, str], list[int]] = defaultdict(list)
    for row in scores:
        series[(row.instrument, row.couple_id, row.partner)].append(row.total)
    rows = []
    for code in OUTCOME_INSTRUMENTS:
        instrument = instruments[code]
        partner_kinds: dict[uuid.UUID, list[str]] = defaultdict(list)
        changes: list[int] = []
        at_caseness = recovered = 0
        for (instrument_code, couple_id, _), totals in series.items():
            if instrument_code != code or len(totals) < 2:
                continue
            outcome = classify_outcome(instrument, totals[0], totals[-1], count=len(totals))
            change = outcome.change
            partner_kinds[couple_id].append(change.kind)
            changes.append(change.difference)
            at_caseness += bool(instrument.is_clinical(totals[0]))
            recovered += outcome.kind == RECOVERED
        kinds = Counter(kind for per_couple in partner_kinds.values() for kind in per_couple)
        couple_kinds = Counter(_couple_kind(per_couple) for per_couple in partner_kinds.values())
        rc = instrument.reliable_change
        rows.append(OutcomeRow(
            instrument=code, instrument_name=instrument.short_name, higher_is_better=instrument.higher_is_better,
            threshold=rc.threshold if rc else None, threshold_source=rc.source if rc else "",
            no_threshold_note=instrument.reliable_change_note if rc is None else "",
            partners_measured=sum(kinds.values()), partners_improved=kinds[IMPROVEMENT],
            partners_no_change=kinds[NO_CHANGE], partners_deteriorated=kinds[DETERIORATION],
            couples_measured=len(partner_kinds), couples_improved=couple_kinds[IMPROVEMENT],
            couples_mixed=couple_kinds["mixed"], couples_deteriorated=couple_kinds[DETERIORATION],
            mean_change=sum(changes) / len(changes) if changes else None,
            cutoff=instrument.cutoff, cutoff_source=instrument.cutoff_source,
            partners_at_caseness=at_caseness, partners_recovered=recovered,
        ))
    return tuple(rows)


def _couple_kind(partner_kinds: list[str]) -> str:
    if NO_THRESHOLD in partner_kinds:
        return NO_THRESHOLD
    improved, worse = IMPROVEMENT in partner_kinds, DETERIORATION in partner_kinds
    if improved and worse:
        return "mixed"
    return IMPROVEMENT if improved else DETERIORATION if worse else NO_CHANGE


def build_practice_report(*, practice: Practice, month: Month | Any, now: datetime.datetime | None = None,
                          compare_previous: bool = False) -> PracticeReport:
    """The practice's report for `month`, as of `now` (default: this moment). Fourteen queries, whatever the
    number of couples, sessions, notes, plans or measures. Callers check that the user may see it.

    `month` is a calendar month or any reports.selectors.session_export.Period (a quarter, the year to date, a
    range of days): both give start, end, label, key and bounds(). With `compare_previous`, the report of the
    period before (`month.previous`) is built too (twice the queries, still a fixed number) and the key figures
    are set side by side in `changes`."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    staff = selectors.practice_staff(practice)
    names = _Names(staff)
    couples = selectors.open_couples(practice, month)
    memberships = selectors.care_team_rows(practice, month.start, max(month.end, today))
    sessions = selectors.month_sessions(practice, month)
    administrations = selectors.month_administrations(practice, month)
    instruments = instruments_for(practice.pk)

    caseloads, without_primary = _caseloads(staff, names, couples, memberships, month)
    weeks = _sessions_per_week(sessions, month, today)
    attendance, attendance_total = _attendance(sessions, names)
    notes, notes_total, overdue_notes = _notes(
        sessions, selectors.late_entries_signed(practice, month), names, practice.note_deadline_hours, now)
    # Overdue reviews as of the month's last day (today for the current month), not today's for a past month.
    reviews_on = min(month.end, today)
    reviews, overdue_reviews = _reviews(selectors.overdue_plan_reviews(practice, reviews_on),
                                        _primary_by_couple(memberships, reviews_on, month.start), names, reviews_on)
    by_therapist, by_instrument, measures_total = _measures(
        selectors.schedules_in_force(practice, month), administrations, sessions,
        selectors.couples_with_any_session(practice), _primary_by_couple(memberships, min(month.end, today),
                                                                         month.start),
        names, instruments, month, today,
    )
    report = PracticeReport(
        practice_name=practice.name,
        month=month,
        as_of=timezone.localtime(now),
        note_deadline_hours=practice.note_deadline_hours,
        couples_in_treatment=len(couples),
        couples_without_primary=without_primary,
        caseloads=caseloads,
        weeks=weeks,
        sessions_chart=_sessions_chart(weeks, month),
        attendance=attendance,
        attendance_total=attendance_total,
        notes=notes,
        notes_total=notes_total,
        overdue_notes=overdue_notes,
        reviews=reviews,
        overdue_reviews=overdue_reviews,
        measures_by_therapist=by_therapist,
        measures_by_instrument=by_instrument,
        measures_total=measures_total,
        administrations_in_month=len(administrations),
        outcomes=_outcomes(selectors.outcome_scores(practice, month, OUTCOME_INSTRUMENTS), instruments),
        risks=risk_counts(practice, now=now),
        missed=_missed(sessions, names),
        supervision=_supervision(selectors.supervision_notes(practice, month), names, now),
        flow=_flow(selectors.couple_spans(practice, month), month, today),
        partial=month.end >= today,
    )
    if compare_previous:
        before = build_practice_report(practice=practice, month=month.previous, now=now)
        months = _trend_months(month.end, today)
        trend = _trend(selectors.monthly_session_counts(practice, months[0], min(month.end, today)), months, today)
        report = dataclasses.replace(report, previous_label=month.previous.label, changes=compare(report, before),
                                     trend=trend, trend_chart=_trend_chart(trend) if any(
                                         m.held or m.no_shows or m.late_cancelled for m in trend) else SafeString(""))
    return report
