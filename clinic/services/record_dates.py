"""The one rule for the dates of a couple's records: nothing happened before the couple's care started,
and nothing that has happened is dated in the future.

Used by every service that stores a dated record of a couple (sessions, measure administrations, CBT logs,
objective ratings), so that pages and the API refuse alike, with the same message. A mistyped year (a measure
dated 1 January 1900 would otherwise become the couple's baseline) is the usual cause.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from clinic.models import Couple

__all__ = ["BEFORE_START", "IN_FUTURE", "check_record_date", "record_date_problem"]

# The start date is the couple's own, never what was submitted (the API hides a message repeating input).
BEFORE_START = (
    "{what} cannot be before this couple's start date ({start}). Check the year, or correct the start date "
    "on the couple's page."
)
IN_FUTURE = "{what} cannot be in the future."


def record_date_problem(
    *, couple: Couple, day: datetime.date | None, allow_future: bool = False, what: str = "The date",
    earliest: datetime.date | None = None,
) -> str | None:
    """The message saying why `day` cannot date a record of `couple`, or None if it can. `allow_future` for
    things that may be planned ahead (a session booked, homework due); `earliest` replaces the couple's start
    date where a derived date may precede it (the Monday of the start week)."""
    if not isinstance(day, datetime.date):
        return None  # a missing or unparsable date is the form's or full_clean's to report
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    start = earliest if earliest is not None else couple.start_date
    if start and day < start:
        return BEFORE_START.format(what=what, start=date_format(start, "j F Y"))
    if not allow_future and day > timezone.localdate():
        return IN_FUTURE.format(what=what)
    return None


def check_record_date(
    *, couple: Couple, day: datetime.date | None, field: str, allow_future: bool = False,
    what: str = "The date", earliest: datetime.date | None = None,
) -> None:
    """Raise ValidationError({field: message}) if `day` cannot date a record of `couple` (record_date_problem)."""
    problem = record_date_problem(couple=couple, day=day, allow_future=allow_future, what=what, earliest=earliest)
    if problem:
        raise ValidationError({field: [problem]})
