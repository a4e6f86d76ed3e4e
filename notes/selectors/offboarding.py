"""What a departing clinician leaves unsigned, for the deactivation page (clinic.selectors.offboarding)."""

from __future__ import annotations

from clinic.models import User
from clinic.selectors.offboarding import OpenWork
from notes.models import NoteStatus, ProgressNote


def unsigned_work_of(user: User) -> list[OpenWork]:
    """Their draft notes and notes returned to them by a supervisor, with the couples' references. One query."""
    rows = list(ProgressNote.objects.filter(author=user, status__in=[NoteStatus.DRAFT, NoteStatus.RETURNED])
                .values_list("status", "couple__reference"))
    work = []
    for status, label in ((NoteStatus.DRAFT, "draft notes"), (NoteStatus.RETURNED, "notes returned by a supervisor")):
        references = sorted({reference for row_status, reference in rows if row_status == status})
        count = sum(1 for row_status, _ in rows if row_status == status)
        work.append(OpenWork(label, count, tuple(references)))
    return work
