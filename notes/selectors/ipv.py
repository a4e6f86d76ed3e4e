"""Progress notes whose risk check noted partner violence as a concern after a partner's IPV screen:
registered with clinic.selectors.ipv (NotesConfig.ready) so the couple page prompts a re-screen."""

from __future__ import annotations

import datetime

from django.utils import timezone

from clinic.models import Couple
from notes.models import ProgressNote
from rapport.locale import day_start

CONCERN = "concern"


def partner_violence_concerns(couple: Couple, screened_on: dict[str, datetime.date | None]) -> set[str]:
    """Positions whose partner_violence risk was a concern in a note of a session held after their screen.
    One query, however many notes (only the notes after the earliest screen are read)."""
    dates = [d for d in screened_on.values() if d is not None]
    notes = ProgressNote.objects.filter(couple=couple).only("id", "couple_id", "risk", "session_starts_at")
    if len(dates) == len(screened_on) and dates:
        # The session's start as copied onto the note: (couple, session_starts_at) is indexed.
        notes = notes.filter(session_starts_at__gte=day_start(min(dates) + datetime.timedelta(days=1)))
    positions: set[str] = set()
    for note in notes:
        held_on = timezone.localdate(note.session_starts_at)
        risk = note.risk if isinstance(note.risk, dict) else {}
        for position, since in screened_on.items():
            entry = risk.get(position) or {}
            if entry.get("partner_violence") == CONCERN and (since is None or held_on > since):
                positions.add(position)
    return positions
