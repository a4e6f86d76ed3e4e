"""The session export as plain data: one row per session (reference, date, clinician, kind, modality, duration,
service code, attendance, note status, co-signature status), for a practice's billing system.

Built from reports.selectors.session_export (one query, clear columns only): no client name, no clinical text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from clinic.models import Practice
from notes.models import Attendance, Modality, NoteStatus, SessionKind
from reports.selectors import session_export as selectors
from reports.selectors.session_export import Period

HEADER = ("Reference", "Date", "Start time", "Clinician", "Kind", "Modality", "Duration (minutes)", "Service code",
          "Attendance", "Note status", "Co-signature status")

NO_NOTE = "No note"
COSIGN_NOT_REQUIRED = "Not required"
COSIGN_AWAITING = "Awaiting co-signature"
COSIGN_RETURNED = "Returned by supervisor"
COSIGN_DONE = "Co-signed"
COSIGN_NOT_SIGNED = "Author has not signed yet"


@dataclass(frozen=True)
class SessionLine:
    reference: str
    date: str  # ISO date, practice time zone
    start_time: str  # "14:30"
    clinician: str
    kind: str
    modality: str
    duration_minutes: int
    service_code: str
    attendance: str
    note_status: str
    cosign_status: str

    def cells(self) -> tuple[object, ...]:
        return (self.reference, self.date, self.start_time, self.clinician, self.kind, self.modality,
                self.duration_minutes, self.service_code, self.attendance, self.note_status, self.cosign_status)


@dataclass(frozen=True)
class SessionExport:
    practice_name: str
    period: Period
    lines: tuple[SessionLine, ...]


def _clinician(row: selectors.ExportRow) -> str:
    name = f"{row.therapist_first_name} {row.therapist_last_name}".strip() or row.therapist_username
    return f"{name}, {row.therapist_credentials}" if row.therapist_credentials else name


def cosign_status(row: selectors.ExportRow) -> str:
    """Where the note stands with the supervisor. A returned note is not signed: it goes back to its author."""
    if row.note_status is None:
        return ""
    if row.note_status == NoteStatus.RETURNED:
        return COSIGN_RETURNED
    if row.note_status == NoteStatus.AWAITING_COSIGN:
        return COSIGN_AWAITING
    if row.note_cosigned_at is not None:
        return COSIGN_DONE
    if row.note_requires_cosign:
        return COSIGN_NOT_SIGNED
    return COSIGN_NOT_REQUIRED


def build_session_export(*, practice: Practice, period: Period) -> SessionExport:
    """Every session of `practice` starting in `period`, oldest first. One query."""
    kinds, modalities = dict(SessionKind.choices), dict(Modality.choices)
    attendances, statuses = dict(Attendance.choices), dict(NoteStatus.choices)
    lines = []
    for row in selectors.practice_sessions(practice, period):
        local = timezone.localtime(row.starts_at)
        lines.append(SessionLine(
            reference=row.couple_reference, date=local.date().isoformat(), start_time=f"{local:%H:%M}",
            clinician=_clinician(row), kind=kinds.get(row.kind, row.kind),
            modality=modalities.get(row.modality, row.modality), duration_minutes=row.duration_minutes,
            service_code=row.service_code, attendance=attendances.get(row.attendance, row.attendance),
            note_status=statuses.get(row.note_status, row.note_status) if row.note_status else NO_NOTE,
            cosign_status=cosign_status(row),
        ))
    return SessionExport(practice.name, period, tuple(lines))
