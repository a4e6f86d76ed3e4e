"""Reads for the session export (billing): one row per session of a practice in a period.

Clear columns only (`values_list`): dates, kind, modality, duration, service code, attendance, the note's status
and co-signature dates, the couple's reference and the clinician's staff name. No encrypted field is loaded, so
no client name or clinical text can reach the export. One query, whatever the number of sessions.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from django.utils import timezone

from clinic.models import Practice
from notes.models import Session


@dataclass(frozen=True)
class Period:
    """A range of days [start, end], both included: a month, a quarter, the year to date or any custom range."""

    start: datetime.date
    end: datetime.date
    name: str = ""  # "October 2026", "Q3 2026", "2026 to date"; "" = the dates

    @classmethod
    def month(cls, day: datetime.date) -> Period:
        first = day.replace(day=1)
        return cls(first, first.replace(day=calendar.monthrange(first.year, first.month)[1]), f"{first:%B %Y}")

    @classmethod
    def quarter(cls, day: datetime.date) -> Period:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = datetime.date(day.year, first_month, 1)
        end_month = first_month + 2
        end = datetime.date(day.year, end_month, calendar.monthrange(day.year, end_month)[1])
        return cls(start, end, f"Q{(first_month - 1) // 3 + 1} {day.year}")

    @classmethod
    def year_to_date(cls, today: datetime.date) -> Period:
        return cls(datetime.date(today.year, 1, 1), today, f"{today.year} to date")

    @property
    def label(self) -> str:
        return self.name or f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"

    @property
    def unit(self) -> str:
        """The kind of period in words, as the practice report's sentences name it ("Discharges in the quarter"):
        "month" for one whole calendar month, "quarter" for one whole calendar quarter, "period" for the year to
        date (whatever day it ends on: its heading says "2026 to date") and for any other range."""
        if self.name.endswith("to date"):
            return "period"
        if self.start.day == 1 and self.end == Period.month(self.start).end:
            return "month"
        if (self.start, self.end) == (Period.quarter(self.start).start, Period.quarter(self.start).end):
            return "quarter"
        return "period"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def key(self) -> str:
        """For file names and audit events: "2026-07-01_2026-09-30"."""
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    @property
    def previous(self) -> Period:
        """The period to compare with: the month or quarter before (a range that is one whole calendar month is
        compared with the month before), the same days of the year before for a year to date, or as many days
        just before any other range."""
        if self.name.startswith("Q"):
            return Period.quarter(self.start - datetime.timedelta(days=1))
        if self.name.endswith("to date"):
            end = self.end.replace(year=self.end.year - 1, day=28) if (self.end.month, self.end.day) == (2, 29) \
                else self.end.replace(year=self.end.year - 1)
            start = self.start.replace(year=self.start.year - 1)
            return Period(start, end, f"{start:%-d %b}–{end:%-d %b %Y}")  # "1 Jan–5 Dec 2025"
        if self.start.day == 1 and self.end == Period.month(self.start).end:  # a whole calendar month
            return Period.month(self.start - datetime.timedelta(days=1))
        return Period(self.start - datetime.timedelta(days=self.days), self.start - datetime.timedelta(days=1))

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """From local midnight on the first day to local midnight after the last (exclusive)."""
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min), tz)
        end = timezone.make_aware(
            datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min), tz)
        return start, end


class ExportRow(NamedTuple):
    id: uuid.UUID
    couple_reference: str
    starts_at: datetime.datetime
    therapist_first_name: str
    therapist_last_name: str
    therapist_username: str
    therapist_credentials: str
    kind: str
    modality: str
    duration_minutes: int
    service_code: str
    attendance: str
    note_status: str | None
    note_requires_cosign: bool | None
    note_cosigned_at: datetime.datetime | None
    note_returned_at: datetime.datetime | None


def practice_sessions(practice: Practice, period: Period) -> list[ExportRow]:
    """Every session of the practice starting in `period`, oldest first: one query."""
    start, end = period.bounds()
    return [ExportRow(*row) for row in (
        Session.objects.filter(couple__practice=practice, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at", "couple__reference", "id")
        .values_list(
            "id", "couple__reference", "starts_at", "therapist__first_name", "therapist__last_name",
            "therapist__username", "therapist__credentials", "kind", "modality", "duration_minutes",
            "service_code", "attendance", "note__status", "note__requires_cosign", "note__cosigned_at",
            "note__returned_at",
        )
    )]
