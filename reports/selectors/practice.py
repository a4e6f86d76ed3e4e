"""Reads for the monthly practice report: counts, dates, statuses and case references of one practice.

Every function reads clear columns only (`values_list`): no encrypted field is loaded, so nothing is
decrypted and no client name or clinical text can reach the report. Each function is one query, whatever
the size of the practice, so the report's query count is constant.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from clinic.models import CareRole, CareTeamMember, Couple, CoupleStatus, Practice, User
from notes.models import NoteStatus, ProgressNote, Session
from plans.models import SIGNED_PLAN_STATUSES, MeasureAdministration, MeasureSchedule, PlanStatus, TreatmentPlan


@dataclass(frozen=True)
class Month:
    """One calendar month, named by its first day."""

    start: datetime.date

    @classmethod
    def of(cls, day: datetime.date) -> Month:
        return cls(day.replace(day=1))

    @classmethod
    def parse(cls, value: str) -> Month:
        """'2025-09' -> Month; ValueError for anything else."""
        year, month = value.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(value)
        return cls(datetime.date(int(year), int(month), 1))

    @classmethod
    def last_full(cls, today: datetime.date | None = None) -> Month:
        today = today or timezone.localdate()
        return cls.of(today.replace(day=1) - datetime.timedelta(days=1))

    @property
    def end(self) -> datetime.date:
        """The last day of the month."""
        return self.start.replace(day=calendar.monthrange(self.start.year, self.start.month)[1])

    @property
    def next(self) -> Month:
        return Month(self.end + datetime.timedelta(days=1))

    @property
    def previous(self) -> Month:
        return Month.of(self.start - datetime.timedelta(days=1))

    @property
    def key(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        return f"{self.start:%B %Y}"

    @property
    def unit(self) -> str:
        """The kind of period in words, as the report's sentences name it ("Discharges in the month")."""
        return "month"

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """From local midnight on the first day to local midnight after the last (exclusive)."""
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min), tz)
        end = timezone.make_aware(datetime.datetime.combine(self.next.start, datetime.time.min), tz)
        return start, end


class StaffRow(NamedTuple):
    id: uuid.UUID
    name: str
    role: str
    is_active: bool


class MembershipRow(NamedTuple):
    couple_id: uuid.UUID
    user_id: uuid.UUID
    role: str
    start_date: datetime.date
    end_date: datetime.date | None


class SessionRow(NamedTuple):
    id: uuid.UUID
    couple_id: uuid.UUID
    couple_reference: str
    therapist_id: uuid.UUID
    kind: str
    attendance: str
    starts_at: datetime.datetime
    duration_minutes: int
    note_id: uuid.UUID | None
    note_author_id: uuid.UUID | None
    note_signed_at: datetime.datetime | None
    note_status: str | None = None


class PlanReviewRow(NamedTuple):
    plan_id: uuid.UUID
    couple_id: uuid.UUID
    couple_reference: str
    number: int
    review_due: datetime.date


class ScheduleRow(NamedTuple):
    plan_id: uuid.UUID
    couple_id: uuid.UUID
    instrument: str
    every: str
    signed_at: datetime.datetime
    superseded_at: datetime.datetime | None
    couple_end_date: datetime.date | None


class AdministrationRow(NamedTuple):
    couple_id: uuid.UUID
    partner: str
    instrument: str
    administered_on: datetime.date


class ScoreRow(NamedTuple):
    couple_id: uuid.UUID
    partner: str
    instrument: str
    administered_on: datetime.date
    total: int


def practice_staff(practice: Practice) -> dict[uuid.UUID, StaffRow]:
    """Everyone on the practice's staff, active or not (a former therapist's sessions still count)."""
    users = User.objects.filter(practice=practice).only(
        "id", "username", "first_name", "last_name", "credentials", "role", "is_active"
    )
    return {user.pk: StaffRow(user.pk, user.display_name, user.role, user.is_active) for user in users}


def _open_couples(practice: Practice, month: Month) -> QuerySet[Couple]:
    return (
        Couple.objects.filter(practice=practice, start_date__lte=month.end)
        .exclude(status=CoupleStatus.INTAKE)
        .filter(Q(end_date__gte=month.start) | Q(end_date__isnull=True, status__in=[CoupleStatus.ACTIVE,
                                                                                     CoupleStatus.ON_HOLD]))
    )


def open_couples(practice: Practice, month: Month) -> dict[uuid.UUID, str]:
    """Couples in treatment at some point of `month`, by id -> reference.

    In treatment: past intake, started on or before the month's last day and not ended before its first.
    A discharged couple without an end date is left out (its last day is unknown).
    """
    return dict(_open_couples(practice, month).order_by("reference").values_list("id", "reference"))


def care_team_rows(practice: Practice, since: datetime.date, until: datetime.date) -> list[MembershipRow]:
    """Primary and co-therapist memberships of the practice's couples that overlap [since, until]."""
    rows = (
        CareTeamMember.objects.filter(
            couple__practice=practice, role__in=[CareRole.PRIMARY, CareRole.CO_THERAPIST], start_date__lte=until,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=since))
        .order_by("start_date")
        .values_list("couple_id", "user_id", "role", "start_date", "end_date")
    )
    return [MembershipRow(*row) for row in rows]


def month_sessions(practice: Practice, month: Month) -> list[SessionRow]:
    """Every session of the practice that starts in `month`, with its note's signature (never its content)."""
    start, end = month.bounds()
    rows = (
        Session.objects.filter(couple__practice=practice, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at")
        .values_list(
            "id", "couple_id", "couple__reference", "therapist_id", "kind", "attendance", "starts_at",
            "duration_minutes", "note__id", "note__author_id", "note__signed_at", "note__status",
        )
    )
    return [SessionRow(*row) for row in rows]


class SupervisionRow(NamedTuple):
    author_supervisor_id: uuid.UUID | None
    cosigned_by_id: uuid.UUID | None
    status: str
    signed_at: datetime.datetime | None
    cosigned_at: datetime.datetime | None
    returned_at: datetime.datetime | None


def supervision_notes(practice: Practice, month: Month) -> list[SupervisionRow]:
    """Notes of the practice awaiting co-signature now, and those co-signed or returned in `month`: one query,
    dates and statuses only (never a note's content or the supervisor's comment)."""
    start, end = month.bounds()
    rows = (
        ProgressNote.objects.filter(couple__practice=practice)
        .filter(Q(status=NoteStatus.AWAITING_COSIGN) | Q(cosigned_at__gte=start, cosigned_at__lt=end)
                | Q(returned_at__gte=start, returned_at__lt=end))
        .order_by("signed_at")
        .values_list("author__supervisor_id", "cosigned_by_id", "status", "signed_at", "cosigned_at", "returned_at")
    )
    return [SupervisionRow(*row) for row in rows]


def late_entries_signed(practice: Practice, month: Month) -> dict[uuid.UUID, int]:
    """Notes signed in `month` after the practice's deadline, counted per signer."""
    start, end = month.bounds()
    rows = (
        ProgressNote.objects.filter(couple__practice=practice, late_entry=True, signed_at__gte=start,
                                    signed_at__lt=end, signed_by__isnull=False)
        .order_by()
        .values("signed_by_id")
        .annotate(count=Count("id"))
        .values_list("signed_by_id", "count")
    )
    return dict(rows)


def overdue_plan_reviews(practice: Practice, today: datetime.date) -> list[PlanReviewRow]:
    """Plans in force on `today` (signed by then, not yet replaced) whose review date had passed by then, the
    most overdue first; couples discharged by then left out. For a past month `today` is its last day, so the
    list is the one the practice had then, not today's."""
    tz = timezone.get_current_timezone()
    end_of_day = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=1),
                                                               datetime.time.min), tz)
    rows = (
        TreatmentPlan.objects.filter(couple__practice=practice, status__in=[PlanStatus.ACTIVE, PlanStatus.SUPERSEDED],
                                     review_due__lt=today)
        .filter(Q(signed_at__lt=end_of_day) | Q(signed_at__isnull=True, status=PlanStatus.ACTIVE))
        .filter(Q(superseded_at__isnull=True) | Q(superseded_at__gte=end_of_day))
        .exclude(couple__status=CoupleStatus.DISCHARGED, couple__end_date__lte=today)
        .exclude(couple__status=CoupleStatus.DISCHARGED, couple__end_date__isnull=True)
        .order_by("review_due", "couple__reference")
        .values_list("id", "couple_id", "couple__reference", "number", "review_due")
    )
    return [PlanReviewRow(*row) for row in rows]


def schedules_in_force(practice: Practice, month: Month) -> list[ScheduleRow]:
    """Measure schedules of plans in force at some point of `month` (signed before its end, not superseded
    before its start), for couples past intake."""
    start, end = month.bounds()
    rows = (
        MeasureSchedule.objects.filter(
            plan__couple__practice=practice, plan__signed_at__isnull=False, plan__signed_at__lt=end,
            plan__status__in=SIGNED_PLAN_STATUSES,
        )
        .filter(Q(plan__superseded_at__isnull=True) | Q(plan__superseded_at__gte=start))
        .exclude(plan__couple__status=CoupleStatus.INTAKE)
        .order_by("plan__couple__reference", "instrument")
        .values_list("plan_id", "plan__couple_id", "instrument", "every", "plan__signed_at", "plan__superseded_at",
                     "plan__couple__end_date")
    )
    return [ScheduleRow(*row) for row in rows]


def couples_with_any_session(practice: Practice) -> set[uuid.UUID]:
    """The practice's couples with any session recorded in Rapport (for the others "every session" means
    weekly, as on the therapist's home page)."""
    return set(
        Session.objects.filter(couple__practice=practice).order_by().values_list("couple_id", flat=True).distinct()
    )


def month_administrations(practice: Practice, month: Month) -> list[AdministrationRow]:
    """Every measure given in `month` (who, which, when: not the answers)."""
    rows = (
        MeasureAdministration.objects.filter(
            couple__practice=practice, administered_on__gte=month.start, administered_on__lte=month.end,
        )
        .order_by("administered_on")
        .values_list("couple_id", "partner", "instrument", "administered_on")
    )
    return [AdministrationRow(*row) for row in rows]


def outcome_scores(practice: Practice, month: Month, instruments: tuple[str, ...]) -> list[ScoreRow]:
    """Totals of `instruments` given up to the end of `month` to the couples in treatment in it, oldest first.

    Totals are stored in clear for exactly this: the answers stay sealed.
    """
    rows = (
        MeasureAdministration.objects.filter(
            couple__in=_open_couples(practice, month).values("pk"), instrument__in=instruments,
            administered_on__lte=month.end, total__isnull=False,  # incomplete forms without a total
        )
        .order_by("administered_on")
        .values_list("couple_id", "partner", "instrument", "administered_on", "total")
    )
    return [ScoreRow(*row) for row in rows]


class CoupleSpanRow(NamedTuple):
    start_date: datetime.date
    end_date: datetime.date | None
    status: str


def couple_spans(practice: Practice, month: Month) -> list[CoupleSpanRow]:
    """Start and end dates and status of every couple that had started by the month's end: one query."""
    rows = Couple.objects.filter(practice=practice, start_date__lte=month.end).order_by().values_list(
        "start_date", "end_date", "status")
    return [CoupleSpanRow(*row) for row in rows]


def monthly_session_counts(practice: Practice, first: datetime.date, last: datetime.date
                           ) -> dict[tuple[datetime.date, str], int]:
    """{(first day of the month, attendance): sessions} for the months from `first` to `last` (local time):
    one query, for the trend chart."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min), tz)
    end = timezone.make_aware(datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min), tz)
    rows = (
        Session.objects.filter(couple__practice=practice, starts_at__gte=start, starts_at__lt=end)
        .annotate(month=TruncMonth("starts_at", tzinfo=tz)).order_by()
        .values_list("month", "attendance").annotate(n=Count("id"))
    )
    return {(timezone.localtime(month, tz).date() if isinstance(month, datetime.datetime) else month, attendance): n
            for month, attendance, n in rows}
