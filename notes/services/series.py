"""Recurring sessions: make a weekly or fortnightly series, cancel one occurrence, end a series.

Each occurrence is an ordinary Session made by notes.services.sessions.session_create, so every rule of a single
session holds for each of them: the IPV gate for joint sessions, the therapist on the care team, the dates the
couple's record allows, the service-code suggestion, and the `session.create` audit event. Occurrences keep the
local wall time of the first one in the practice's time zone across daylight-saving changes (a 17:00 session
stays at 17:00 in summer and winter). Changing one occurrence (its time, its kind) is session_update on that
Session alone. Ending a series removes only future occurrences still scheduled, with no progress note and no
psychotherapy note; anything that happened or was documented stays. Callers have checked that `by` may change
the couple (clinic.access).
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import Couple, User
from notes.models import Attendance, Modality, PsychotherapyNote, Session, SessionKind, SessionSeries
from notes.services.sessions import START_OUT_OF_RANGE, session_create, session_update, start_in_range

MAX_OCCURRENCES = 52
INTERVALS = {1: "weekly", 2: "fortnightly"}
COUNT_RANGE = f"Give a number of sessions from 2 to {MAX_OCCURRENCES}."
UNTIL_BEFORE_START = "Give a last day after the first session's day."
UNTIL_OR_COUNT = "Give either a last day or a number of sessions, not both."
NO_END = "Give a last day or a number of sessions for the series."
TOO_MANY = (f"A series has at most {MAX_OCCURRENCES} sessions: choose an earlier last day, or repeat every "
            "two weeks.")
TOO_FAR = f"The last session would fall too far ahead. {START_OUT_OF_RANGE}"


def occurrence_starts(
    *, first: datetime.datetime, zone: zoneinfo.ZoneInfo, interval_weeks: int,
    until: datetime.date | None = None, count: int | None = None,
) -> list[datetime.datetime]:
    """The start of each occurrence, in UTC: the first one's local date plus whole weeks, at its local wall
    time in `zone` (so the UTC hour moves when the clocks change). Stops at `count` occurrences or after the
    last one on or before `until`; never more than MAX_OCCURRENCES + 1 (the caller refuses that many)."""
    local = first.astimezone(zone)
    starts = []
    step = 0
    while len(starts) <= MAX_OCCURRENCES:
        day = local.date() + datetime.timedelta(weeks=interval_weeks * step)
        if count is not None and step >= count:
            break
        if until is not None and day > until:
            break
        wall = datetime.datetime.combine(day, local.time().replace(tzinfo=None))
        starts.append(timezone.make_aware(wall, zone).astimezone(datetime.UTC))
        step += 1
    return starts


def _check_rule(*, first: datetime.datetime, zone: zoneinfo.ZoneInfo, interval_weeks: int,
                until: datetime.date | None, count: int | None) -> list[datetime.datetime]:
    if interval_weeks not in INTERVALS:
        raise ValidationError({"repeat": ["Choose every week or every two weeks."]})
    if until is not None and count is not None:
        raise ValidationError({"repeat_until": [UNTIL_OR_COUNT]})
    if until is None and count is None:
        raise ValidationError({"repeat_until": [NO_END]})
    if count is not None and not 2 <= count <= MAX_OCCURRENCES:
        raise ValidationError({"repeat_count": [COUNT_RANGE]})
    if until is not None and until <= first.astimezone(zone).date():
        raise ValidationError({"repeat_until": [UNTIL_BEFORE_START]})
    starts = occurrence_starts(first=first, zone=zone, interval_weeks=interval_weeks, until=until, count=count)
    if len(starts) > MAX_OCCURRENCES:
        raise ValidationError({"repeat_until": [TOO_MANY]})
    if len(starts) < 2:
        raise ValidationError({"repeat_until": [UNTIL_BEFORE_START]})
    if not start_in_range(starts[-1]):
        raise ValidationError({"repeat_count" if count else "repeat_until": [TOO_FAR]})
    return starts


def series_create(
    *,
    couple: Couple,
    by: User,
    starts_at: datetime.datetime,
    interval_weeks: int,
    until: datetime.date | None = None,
    count: int | None = None,
    duration_minutes: int = 50,
    modality: str = Modality.IN_PERSON,
    kind: str = SessionKind.JOINT,
    attendance: str = Attendance.SCHEDULED,
    service_code: str = "",
    therapist: User | None = None,
) -> SessionSeries:
    """Make a recurring series of `couple` and all its occurrences, in one transaction: every occurrence or
    none. The first occurrence takes `attendance` (a session just held may be recorded as attended); the
    others are scheduled. Each occurrence goes through session_create (IPV gate, dates, therapist, code,
    `session.create` event); the series writes `session_series.create`. Raises ValidationError keyed by the
    form's fields (`repeat_until`, `repeat_count`, or a session field)."""
    therapist = therapist or by
    zone = zoneinfo.ZoneInfo(couple.practice.time_zone)
    starts = _check_rule(first=starts_at, zone=zone, interval_weeks=interval_weeks, until=until, count=count)
    with transaction.atomic():
        series = SessionSeries.objects.create(
            couple=couple, therapist=therapist, first_starts_at=starts[0], time_zone=zone.key,
            interval_weeks=interval_weeks, until=until, count=count, duration_minutes=duration_minutes,
            modality=modality, kind=kind, created_by=by,
        )
        for index, start in enumerate(starts):
            session_create(
                couple=couple, by=by, starts_at=start, duration_minutes=duration_minutes, modality=modality,
                kind=kind, attendance=attendance if index == 0 else Attendance.SCHEDULED,
                service_code=service_code, therapist=therapist, series=series,
            )
        record_event("session_series.create", actor=by, obj=series, detail={
            "couple": str(couple.pk), "interval_weeks": interval_weeks, "occurrences": len(starts),
            "kind": kind, "until": until.isoformat() if until else None, "count": count,
        })
    return series


def occurrence_cancel(*, session: Session, by: User, base_version: int | None = None) -> Session:
    """Cancel one session (of a series or not): attendance "cancelled", no billing code. Refused, like any
    attendance change, for a session with a progress note; StaleVersion if someone saved it in between.
    Writes `session.update` (session_update) and `session.cancel`."""
    with transaction.atomic():
        saved = session_update(session=session, by=by, base_version=base_version, attendance=Attendance.CANCELLED)
        record_event("session.cancel", actor=by, obj=saved,
                     detail={"series": str(saved.series_id) if saved.series_id else None})
    return saved


def removable_occurrences(series: SessionSeries, *, since: datetime.datetime) -> Any:
    """Occurrences of `series` starting at or after `since` that never happened and hold nothing: still
    scheduled, in the future, with no progress note and no psychotherapy note."""
    later = max(since, timezone.now())
    documented = PsychotherapyNote.objects.filter(session__series=series).values("session_id")
    return (
        Session.objects.filter(series=series, starts_at__gte=later, attendance=Attendance.SCHEDULED,
                               note__isnull=True)
        .exclude(pk__in=documented)
    )


class SeriesChanged(Exception):
    """The sessions ending the series would remove are not the ones the user confirmed (someone recorded,
    cancelled or documented one, or time moved past one, since the confirmation page was shown)."""


def series_end(*, series: SessionSeries, by: User, since: datetime.datetime | None = None,
               expected: Any = None) -> int:
    """End `series` from `since` (default: now): remove its future occurrences from then on that are still
    scheduled and documented nowhere (removable_occurrences); attended, cancelled or documented ones stay.
    "Cancel this and all following" passes the chosen occurrence's start. With `expected` (the ids the user
    confirmed), nothing is removed unless they are exactly the removable ones: SeriesChanged. Returns how many
    were removed.
    Writes `session_series.end` with the removed sessions' ids."""
    since = since or timezone.now()
    with transaction.atomic():
        locked = SessionSeries.objects.select_for_update().get(pk=series.pk)
        doomed = list(removable_occurrences(locked, since=since).values_list("pk", flat=True))
        if expected is not None and {str(pk) for pk in doomed} != {str(pk) for pk in expected}:
            raise SeriesChanged
        kept_later = Session.objects.filter(series=locked, starts_at__gte=since).exclude(pk__in=doomed).count()
        Session.objects.filter(pk__in=doomed).delete()
        if locked.ended_at is None:  # ended again later (nothing left, or a new occurrence): the first end stands
            locked.ended_at = timezone.now()
            locked.save(update_fields=["ended_at"])
        record_event("session_series.end", actor=by, obj=locked, detail={
            "since": since.isoformat(), "removed": [str(pk) for pk in doomed], "kept": kept_later,
        })
    return len(doomed)
