"""Reads and access checks of supervision: the review queue and the notes a supervisor or author acts on.

HTML views and the API call the same helpers: a user who cannot see the note's couple gets 404 (audited
by clinic.access); a clinician who can see it but is not the one allowed to act gets 403 (audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event
from clinic.access import get_couple_record_for_user
from clinic.models import Couple, Risk, Role
from notes.models import Addendum, NoteStatus, ProgressNote

# Encrypted columns a list never shows: not even loaded.
NOTE_TEXT_COLUMNS = ("content", "risk", "interventions_used", "return_comment")


def _note_rows() -> QuerySet[ProgressNote]:
    return (
        ProgressNote.objects.select_related("couple", "session", "author")
        .defer(*NOTE_TEXT_COLUMNS, "couple__presenting_concerns")
    )


def review_queue_for(user: Any) -> QuerySet[ProgressNote]:
    """Notes awaiting `user`'s co-signature: signed by their supervisees on couples `user` can see, oldest
    signature first. Empty for anyone who is not a supervisor."""
    if not (user.is_authenticated and user.role == Role.SUPERVISOR):
        return ProgressNote.objects.none()
    return (
        _note_rows()
        .filter(status=NoteStatus.AWAITING_COSIGN, author__supervisor=user, couple__in=Couple.objects.visible_to(user))
        .order_by("signed_at", "session__starts_at", "id")
    )


def _open_risk_of_couple() -> Exists:
    return Exists(Risk.objects.unresolved().filter(couple_id=OuterRef("couple_id")))


def review_queue_rows(user: Any) -> list[ProgressNote]:
    """The review queue page's rows: review_queue_for(user), each with `open_risk` (its couple has an open or
    acknowledged risk in its register) and `waiting_days` (calendar days since the day the author signed, in the
    practice's time zone: signed yesterday evening is 1 day, not "today"). One query."""
    today = timezone.localdate()
    rows = list(review_queue_for(user).annotate(open_risk=_open_risk_of_couple()))
    for note in rows:
        note.waiting_days = max((today - timezone.localdate(note.signed_at)).days, 0) if note.signed_at else 0
    return rows


@dataclass(frozen=True)
class QueueBadge:
    waiting: int  # notes awaiting the supervisor's co-signature
    with_risk: int  # of those, notes of couples with an unresolved risk
    oldest_days: int  # whole days the oldest has waited


def review_queue_badge(user: Any) -> QueueBadge | None:
    """The navigation's count of the review queue for a supervisor (None for anyone else). One query."""
    if not (user.is_authenticated and user.role == Role.SUPERVISOR):
        return None
    counts = review_queue_for(user).order_by().aggregate(
        waiting=Count("id"), with_risk=Count("id", filter=Q(_open_risk_of_couple())), oldest=Min("signed_at"))
    oldest = counts["oldest"]
    return QueueBadge(counts["waiting"], counts["with_risk"],
                      max((timezone.now() - oldest).days, 0) if oldest else 0)


def returned_by(user: Any) -> QuerySet[ProgressNote]:
    """Notes of `user`'s supervisees that are back with their author, oldest return first."""
    if not (user.is_authenticated and user.role == Role.SUPERVISOR):
        return ProgressNote.objects.none()
    return (
        _note_rows()
        .filter(status=NoteStatus.RETURNED, author__supervisor=user, couple__in=Couple.objects.visible_to(user))
        .order_by("returned_at", "id")
    )


def supervision_status(note: ProgressNote) -> ProgressNote:
    """`note` again with its couple, author and co-signer, for the answer to a supervision action."""
    return ProgressNote.objects.select_related("couple", "author", "cosigned_by").get(pk=note.pk)


def with_answer_since_return(queryset: QuerySet[ProgressNote]) -> QuerySet[ProgressNote]:
    """Annotate `answered`: the author has written an addendum since the note was last returned."""
    answers = Addendum.objects.filter(
        note=OuterRef("pk"), author=OuterRef("author"), signed_at__gte=OuterRef("returned_at")
    )
    return queryset.annotate(answered=Exists(answers))


def _refuse(user: Any, note: ProgressNote, reason: str) -> None:
    record_event(
        "access.denied", actor=user, obj=note, outcome=AuditEvent.Outcome.DENIED,
        detail={"reason": reason, "view": "supervision"},
    )
    raise PermissionDenied


def get_note_to_review(user: Any, pk: Any) -> ProgressNote:
    """The note `pk` for its author's supervisor to co-sign or return.

    404 (audited) if `user` cannot see the note's couple; 403 (audited) if they can but are not the
    author's supervisor. The note's state is checked by the service, not here.
    """
    note = get_couple_record_for_user(user, ProgressNote, pk, queryset=_note_rows())
    if user.role != Role.SUPERVISOR or note.author.supervisor_id != user.pk or note.author_id == user.pk:
        _refuse(user, note, "not_supervisor")
    return note


def get_note_to_resubmit(user: Any, pk: Any) -> ProgressNote:
    """The note `pk` for its author to send back to their supervisor.

    404 (audited) if `user` cannot see the note's couple; 403 (audited) if they can but did not write it.
    """
    note = get_couple_record_for_user(user, ProgressNote, pk, queryset=_note_rows())
    if note.author_id != user.pk:
        _refuse(user, note, "not_author")
    return note


def has_answer_since_return(note: ProgressNote) -> bool:
    """Whether the author has signed an addendum to `note` since it was last returned."""
    if note.returned_at is None:
        return False
    return Addendum.objects.filter(note=note, author_id=note.author_id, signed_at__gte=note.returned_at).exists()
