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

_provider: SessionDaysProvider | None = None


def register(provider: SessionDaysProvider) -> None:
    """`provider(couple_ids, since)` returns (couples with any session recorded, each couple's attended
    session days from `since`, oldest first)."""
    global _provider
    _provider = provider


def session_days(couple_ids: Iterable[Any], since: datetime.date) -> SessionDays:
    couple_ids = list(couple_ids)
    if not couple_ids or _provider is None:
        return set(), {}
    return _provider(couple_ids, since)
