"""Reads of psychotherapy notes: every query names the caller as author, so nobody else's note is a row.

This module and notes.services.psychotherapy are the only code that queries PsychotherapyNote.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clinic.access import get_couple_record_for_user
from clinic.models import Couple
from notes.models import PsychotherapyNote, Session


def private_notes_of(user: Any, couple: Couple) -> QuerySet[PsychotherapyNote]:
    """`user`'s own psychotherapy notes about `couple`, newest first, without their text (a list shows none)."""
    return (
        PsychotherapyNote.objects.filter(couple=couple, author=user)
        .select_related("session")
        .defer("text")
        .order_by("-created_at", "id")
    )


def get_private_note_for_author(user: Any, pk: Any, *, write: bool = False) -> PsychotherapyNote:
    """The psychotherapy note `pk` if `user` wrote it and may still read (write=True: change) its couple's
    record; for everyone else, including co-therapists, supervisors, managers and administrators, 404, with
    an audit event when the note exists."""
    mine = PsychotherapyNote.objects.filter(author=user).select_related("couple", "session")
    return get_couple_record_for_user(user, PsychotherapyNote, pk, write=write, queryset=mine)


def sessions_to_link(couple: Couple) -> QuerySet[Session]:
    """The couple's sessions a psychotherapy note may be about, newest first."""
    return Session.objects.filter(couple=couple).order_by("-starts_at")
