"""What plans needs to know about sessions, which belong to the notes app above it.

"Every session" measure schedules fall due after an attended session. Plans may not import notes (the
layers point the other way), so notes registers its answer here from NotesConfig.ready(), as Django's
contrib apps are reached through what they connect rather than what others import. Without notes installed,
no couple has sessions and such schedules fall back to weekly.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

SessionDays = tuple[set[Any], dict[Any, list[datetime.date]]]
SessionDaysProvider = Callable[[list[Any], datetime.date], SessionDays]

SessionCountsProvider = Callable[[list[Any]], dict[Any, int]]

_provider: SessionDaysProvider | None = None
_counts_provider: SessionCountsProvider | None = None


def register(provider: SessionDaysProvider, counts: SessionCountsProvider | None = None) -> None:
    """`provider(couple_ids, since)` returns (couples with any session recorded, each couple's attended
    session days from `since`, oldest first); `counts(couple_ids)` each couple's attended sessions in all
    (couples without any may be left out)."""
    global _provider, _counts_provider
    _provider = provider
    _counts_provider = counts


def session_days(couple_ids: Iterable[Any], since: datetime.date) -> SessionDays:
    couple_ids = list(couple_ids)
    if not couple_ids or _provider is None:
        return set(), {}
    return _provider(couple_ids, since)


def attended_counts(couple_ids: Iterable[Any]) -> dict[Any, int]:
    """Each couple's attended sessions in all (0 for a couple left out): a count per couple, not every day."""
    couple_ids = list(couple_ids)
    if not couple_ids:
        return {}
    if _counts_provider is None:
        _, attended = session_days(couple_ids, datetime.date.min)
        return {couple_id: len(days) for couple_id, days in attended.items()}
    return _counts_provider(couple_ids)
