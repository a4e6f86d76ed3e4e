"""Supervision writes: co-sign, return with a comment, resubmit after an addendum.

A note signed by a therapist who has a supervisor waits in the supervisor's queue ("awaiting_cosign"). The
supervisor co-signs it (it becomes "final") or returns it with a comment ("returned"). A returned note stays
signed and immutable: its author answers with an addendum, then resubmits it. Only these columns change
here: status, co-signature and return fields, never the signed content.

Keyword-only functions; each validates, runs in one transaction that locks the note, and writes its audit
event in that transaction. Callers fetch the note through notes.selectors.supervision, which refuses the
wrong user (404/403); the services check the same rules again.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import NOTE_TEXT_MAX, User
from clinic.reauth import confirm_identity
from notes.models import NoteStatus, ProgressNote
from notes.selectors.supervision import has_answer_since_return

REAUTH_FAILED = "That is not your password or a current code from your authenticator app. Nothing was co-signed."
NOT_AWAITING = "This note is not awaiting co-signature: it has been co-signed or returned already, or is not signed."
NOT_RETURNED = "Only a note returned by your supervisor can be resubmitted."
COMMENT_REQUIRED = "Write what the author should add or correct, so that they can answer in an addendum."
COMMENT_TOO_LONG = f"The comment can be at most {NOTE_TEXT_MAX:,} characters. Shorten it and send it again."
ANSWER_REQUIRED = (
    "Add an addendum that answers your supervisor's comment first: the signed note itself cannot change. "
    "Then resubmit it."
)
SIGNED_CONTENT = ["content", "risk", "interventions_used"]
NO_SUPERVISOR = "You have no supervisor to send this note to. Ask your practice administrator to assign one."


def _check_supervisor(note: ProgressNote, by: User) -> None:
    if note.author.supervisor_id is None or note.author.supervisor_id != by.pk or note.author_id == by.pk:
        raise PermissionDenied("Only the author's supervisor can co-sign or return this note.")


def _require_status(note: ProgressNote, status: str, message: str) -> None:
    if note.status != status:
        raise ValidationError(message, code="invalid_state")


def _validate(note: ProgressNote) -> None:
    # The signed content was validated when it was signed and is not changed here.
    note.full_clean(exclude=SIGNED_CONTENT)


def _locked(note: ProgressNote) -> ProgressNote:
    return ProgressNote.objects.select_for_update().select_related("author").get(pk=note.pk)


def note_cosign(*, note: ProgressNote, by: User, secret: str) -> ProgressNote:
    """Co-sign a note awaiting co-signature: it becomes final.

    Only the author's supervisor, after re-authenticating with their password or a current second-factor
    code (`reauth.note_cosign`, audited even when it fails). Writes `note.cosign`.
    """
    _check_supervisor(note, by)
    _require_status(note, NoteStatus.AWAITING_COSIGN, NOT_AWAITING)
    # Outside the transaction below, so that a failed attempt stays in the audit trail.
    if not confirm_identity(by, secret, purpose="note_cosign"):
        raise ValidationError({"secret": REAUTH_FAILED}, code="reauth_failed")
    with transaction.atomic():
        current = _locked(note)
        _check_supervisor(current, by)
        _require_status(current, NoteStatus.AWAITING_COSIGN, NOT_AWAITING)
        current.status = NoteStatus.FINAL
        current.cosigned_by = by
        current.cosigned_at = timezone.now()
        _validate(current)
        current.save(update_fields=["status", "cosigned_by", "cosigned_at", "updated_at"])
        record_event("note.cosign", actor=by, obj=current, detail={"late_entry": current.late_entry})
    return current


def note_return(*, note: ProgressNote, by: User, comment: str) -> ProgressNote:
    """Return a note awaiting co-signature to its author with a comment (required).

    Only the author's supervisor. The note stays signed and unchanged; its author answers with an addendum
    and resubmits. Writes `note.return` (the comment itself is encrypted on the note, never in the event).
    """
    _check_supervisor(note, by)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": COMMENT_REQUIRED}, code="required")
    if len(comment) > NOTE_TEXT_MAX:
        raise ValidationError({"comment": COMMENT_TOO_LONG}, code="max_length")
    _require_status(note, NoteStatus.AWAITING_COSIGN, NOT_AWAITING)
    with transaction.atomic():
        current = _locked(note)
        _check_supervisor(current, by)
        _require_status(current, NoteStatus.AWAITING_COSIGN, NOT_AWAITING)
        current.status = NoteStatus.RETURNED
        current.return_comment = comment
        current.returned_at = timezone.now()
        _validate(current)
        current.save(update_fields=["status", "return_comment", "returned_at", "updated_at"])
        record_event("note.return", actor=by, obj=current)
    return current


def note_resubmit(*, note: ProgressNote, by: User) -> ProgressNote:
    """Send a returned note back to the author's supervisor, once the author has answered with an addendum.

    Only the note's author. The note goes back to "awaiting_cosign"; the supervisor's comment stays on it.
    Writes `note.resubmit`.
    """
    if note.author_id != by.pk:
        raise PermissionDenied("Only the author of a note can resubmit it.")
    _require_status(note, NoteStatus.RETURNED, NOT_RETURNED)
    if by.supervisor_id is None:
        raise ValidationError(NO_SUPERVISOR, code="no_supervisor")
    with transaction.atomic():
        current = _locked(note)
        _require_status(current, NoteStatus.RETURNED, NOT_RETURNED)
        if not has_answer_since_return(current):
            raise ValidationError(ANSWER_REQUIRED, code="no_addendum")
        current.status = NoteStatus.AWAITING_COSIGN
        _validate(current)
        current.save(update_fields=["status", "updated_at"])
        record_event("note.resubmit", actor=by, obj=current)
    return current
