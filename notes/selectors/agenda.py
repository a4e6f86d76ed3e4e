"""The clinician's calendar: their sessions of a week or a day, and of their private iCalendar feed.

Every read starts from the couples the user may see today (Couple.objects.visible_to), so a case they left, or
an account that was deactivated, drops out of the calendar and the feed at once. No clinical text is loaded:
times, kinds, attendance, note status, and (on the page, for clinicians) the couple's name decrypted in memory.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import formats, timezone

from clinic.models import Couple, User
from clinic.selectors.names import couple_names_for
from clinic.services.api_tokens import token_digest
from notes.models import Attendance, CalendarFeed, ProgressNote, Session
from notes.selectors.notes import NoteState, note_state

SESSION_COLUMNS = ("id", "couple_id", "therapist_id", "starts_at", "duration_minutes", "modality", "kind",
                   "attendance", "series_id", "version", "updated_at")
NOTE_COLUMNS = tuple(f"note__{column}" for column in ("id", "session_id", "couple_id", "author_id", "status",
                                                      "late_entry", "signed_at"))
FEED_DAYS_BACK = 30
FEED_DAYS_AHEAD = 180


def first_weekday() -> int:
    """0 for Monday ... 6 for Sunday: the week's first day in the active language (Django's
    FIRST_DAY_OF_WEEK, Sunday first for en-us, Monday for en-gb), which follows the practice's locale."""
    sunday_based = int(formats.get_format("FIRST_DAY_OF_WEEK"))
    return (sunday_based - 1) % 7


def week_start(day: datetime.date, first: int | None = None) -> datetime.date:
    first = first_weekday() if first is None else first
    return day - datetime.timedelta(days=(day.weekday() - first) % 7)


def _bounds(first_day: datetime.date, days: int) -> tuple[datetime.datetime, datetime.datetime]:
    """UTC-comparable bounds of whole local days in the active (practice's) time zone."""
    start = timezone.make_aware(datetime.datetime.combine(first_day, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(first_day + datetime.timedelta(days=days), datetime.time.min))
    return start, end


@dataclass(frozen=True)
class CalendarEntry:
    session: Session
    note: ProgressNote | None
    state: NoteState
    local_start: datetime.datetime

    @property
    def local_end(self) -> datetime.datetime:
        return self.local_start + datetime.timedelta(minutes=self.session.duration_minutes)

    @property
    def opens(self) -> str:
        """Where a click goes: "note" (the note, or the editor of an attended session), or "session" (record
        attendance, change or cancel a session that has no note and has not been marked attended)."""
        if self.note is not None or self.session.attendance == Attendance.ATTENDED:
            return "note"
        return "session"

    @property
    def cancelled(self) -> bool:
        return self.session.attendance in (Attendance.CANCELLED, Attendance.LATE_CANCELLED)


@dataclass(frozen=True)
class CalendarDay:
    day: datetime.date
    entries: list[CalendarEntry]
    is_today: bool


def calendar_sessions(user: Any, *, start: datetime.datetime, end: datetime.datetime) -> QuerySet[Session]:
    """`user`'s own sessions (they are the therapist) starting in [start, end) on couples they may see, with
    couple and note (text columns left out) in the same query, in time order."""
    return (
        Session.objects.filter(
            therapist=user, starts_at__gte=start, starts_at__lt=end, couple__in=Couple.objects.visible_to(user),
        )
        .select_related("couple", "note")
        # The couple's reference alone: its encrypted columns would each need the couple's data key.
        .only(*SESSION_COLUMNS, "couple__id", "couple__reference", *NOTE_COLUMNS)
        .order_by("starts_at", "id")
    )


def _entry(session: Session) -> CalendarEntry:
    try:
        note = session.note
    except ProgressNote.DoesNotExist:
        note = None
    return CalendarEntry(session, note, note_state(note), timezone.localtime(session.starts_at))


def calendar_days(user: Any, *, first_day: datetime.date, days: int) -> tuple[list[CalendarDay], dict[Any, str]]:
    """`days` consecutive days from `first_day` with `user`'s sessions, and the couples' names (for a
    clinician; couple_names_for gives none to anyone else). Two queries, whatever the number of sessions."""
    start, end = _bounds(first_day, days)
    entries = [_entry(session) for session in calendar_sessions(user, start=start, end=end)]
    names = couple_names_for(user, {entry.session.couple_id for entry in entries})
    today = timezone.localdate()
    by_day: dict[datetime.date, list[CalendarEntry]] = {}
    for entry in entries:
        by_day.setdefault(entry.local_start.date(), []).append(entry)
    calendar = []
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        calendar.append(CalendarDay(day, by_day.get(day, []), day == today))
    return calendar, names


# --- The iCalendar feed ---------------------------------------------------------------------------------


def feed_owner(token: str) -> User | None:
    """The active clinician whose feed token this is, or None (unknown, revoked, or the account can no longer
    see clinical records). Compared by digest: the token itself is never stored or looked up."""
    if not token or len(token) > 128:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(digest=token_digest(token)).first()
    if feed is None:
        return None
    user = feed.user
    if not (user.is_active and user.is_clinician and user.practice_id):
        return None
    return user


def feed_sessions(user: Any, *, now: datetime.datetime | None = None) -> QuerySet[Session]:
    """What the feed lists: `user`'s sessions from FEED_DAYS_BACK days ago to FEED_DAYS_AHEAD ahead, on couples
    they may see at the time of the request. References, times and kinds only: no note, no name."""
    now = now or timezone.now()
    return (
        Session.objects.filter(
            therapist=user, couple__in=Couple.objects.visible_to(user),
            starts_at__gte=now - datetime.timedelta(days=FEED_DAYS_BACK),
            starts_at__lt=now + datetime.timedelta(days=FEED_DAYS_AHEAD),
        )
        .select_related("couple")
        .only(*SESSION_COLUMNS, "couple__id", "couple__reference")
        .order_by("starts_at", "id")
    )


def has_feed(user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()
