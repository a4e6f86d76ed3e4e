"""Psychotherapy notes (45 CFR 164.501): a therapist's private process notes, readable by their author alone.

They are a record apart from the couple's: no other view, search, report, export or API endpoint reads this
model. Keyword-only functions; each validates, runs in one transaction and writes its audit event there.
Callers fetch notes through notes.selectors.psychotherapy, which returns only the caller's own.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.services import record_event
from clinic.models import NOTE_TEXT_MAX, Couple, User
from notes.models import PsychotherapyNote, Session
from rapport.versioning import StaleVersion

TEXT_REQUIRED = "Write the note before saving it."
TEXT_TOO_LONG = f"The note can be at most {NOTE_TEXT_MAX:,} characters. Shorten it, or split it into two notes."
SESSION_NOT_OF_COUPLE = "Choose one of this couple's sessions, or none."


def _clean_text(text: str) -> str:
    if not (text or "").strip():
        raise ValidationError({"text": TEXT_REQUIRED}, code="required")
    if len(text) > NOTE_TEXT_MAX:
        raise ValidationError({"text": TEXT_TOO_LONG}, code="max_length")
    return text


def private_note_create(*, couple: Couple, by: User, text: str, session: Session | None = None) -> PsychotherapyNote:
    """Write a psychotherapy note about `couple`, optionally about one of its sessions.

    The caller has checked that `by` may change the couple's record. Writes `private_note.create`.
    """
    text = _clean_text(text)
    if session is not None and session.couple_id != couple.pk:
        raise ValidationError({"session": SESSION_NOT_OF_COUPLE}, code="invalid_choice")
    with transaction.atomic():
        note = PsychotherapyNote(couple=couple, session=session, author=by, text=text)
        note.full_clean()
        note.save()
        record_event("private_note.create", actor=by, obj=note, detail={"session_linked": session is not None})
    return note


def private_note_update(*, note: PsychotherapyNote, by: User, text: str, base_version: int) -> PsychotherapyNote:
    """Change the text of the author's own psychotherapy note.

    Refused with StaleVersion if it was saved since `base_version` (another tab or device), so nothing is
    overwritten silently. Writes `private_note.update`.
    """
    if note.author_id != by.pk:
        raise PermissionDenied("Only the author of a psychotherapy note can change it.")
    text = _clean_text(text)
    with transaction.atomic():
        current = PsychotherapyNote.objects.select_for_update().get(pk=note.pk)
        if current.version != base_version:
            raise StaleVersion(current.version)
        if current.text == text:
            return current
        current.text = text
        current.version += 1
        current.full_clean()
        current.save()
        record_event("private_note.update", actor=by, obj=current, detail={"fields": ["text"]})
    return current
