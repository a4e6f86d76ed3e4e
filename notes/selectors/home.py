"""The therapist's home page ("Today"): what needs their attention, one query per section.

No section loads clinical text: references, dates, kinds and statuses only, and beside each reference the
couple's name ("Amara & Ben"), decrypted in memory by one query for the whole page. Every query starts from the
couples the user may see, so a case they left drops out of their lists.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet, Window
from django.utils import timezone

from clinic.models import Couple, Risk, Role
from clinic.selectors.names import couple_names_for
from clinic.selectors.risks import unresolved_risks_for
from notes.models import Attendance, NoteStatus, ProgressNote, Session
from notes.selectors.supervision import NOTE_TEXT_COLUMNS, review_queue_for, with_answer_since_return
from plans.models import MeasureAdministration, TreatmentPlan
from plans.selectors.client_entries import ClientEntriesRow, client_entries_to_review
from plans.selectors.measures import (
    CoupleReviewPrompts,
    DueRow,
    measures_due_for,
    plan_reviews_due_for,
    risk_questions_to_ask,
)
from plans.selectors.plans import overdue_reviews_for

LATE_ENTRY_DAYS = 90


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def todays_sessions(user: Any, *, day: datetime.date | None = None) -> QuerySet[Session]:
    """The user's own sessions of `day` (today, in the practice's time zone), in time order, each with its
    progress note (or none) for the note status."""
    start, end = _day_bounds(day or timezone.localdate())
    return (
        Session.objects.filter(
            therapist=user, starts_at__gte=start, starts_at__lt=end, couple__in=Couple.objects.visible_to(user)
        )
        .select_related("couple", "note")
        .defer("couple__presenting_concerns", *(f"note__{column}" for column in NOTE_TEXT_COLUMNS))
        .order_by("starts_at", "id")
    )


# What the page shows of a note of the user's: the session's start as copied onto the note, no session row.
MY_NOTE_COLUMNS = ("id", "session_id", "session_starts_at", "couple_id", "couple__reference", "author_id", "status",
                   "returned_at", "signed_at", "late_entry")


def _my_notes(user: Any) -> QuerySet[ProgressNote]:
    return (
        ProgressNote.objects.filter(author=user, couple__in=Couple.objects.visible_to(user))
        .select_related("couple").only(*MY_NOTE_COLUMNS)
    )


def unsigned_notes(user: Any) -> QuerySet[ProgressNote]:
    """The user's drafts and the notes their supervisor returned, oldest session first. Returned notes carry
    `answered`: an addendum has been written since the return, so the note can be resubmitted."""
    notes = _my_notes(user).filter(status__in=[NoteStatus.DRAFT, NoteStatus.RETURNED])
    return with_answer_since_return(notes).order_by("session_starts_at", "id")


def late_entries(user: Any, *, days: int = LATE_ENTRY_DAYS) -> QuerySet[ProgressNote]:
    """The user's notes signed after the practice's deadline, signed in the last `days` days, newest first."""
    since = timezone.now() - datetime.timedelta(days=days)
    return _my_notes(user).filter(late_entry=True, signed_at__gte=since).order_by("-signed_at", "id")


@dataclass(frozen=True)
class SessionRow:
    session: Session
    note: ProgressNote | None

    @property
    def next_step(self) -> str:
        """What the therapist does next for a session without a note: "write" it (attended), "record
        attendance" (scheduled, already started), wait ("upcoming"), or nothing (cancelled, no-show)."""
        attendance = self.session.attendance
        if attendance == Attendance.ATTENDED:
            return "write"
        if attendance == Attendance.SCHEDULED:
            return "record_attendance" if self.session.starts_at <= timezone.now() else "upcoming"
        return "none"


def _row(session: Session) -> SessionRow:
    try:
        note = session.note
    except ProgressNote.DoesNotExist:
        note = None
    return SessionRow(session, note)


HOME_SECTION_ROWS = 10


@dataclass
class TherapistHome:
    today: datetime.date
    sessions: list[SessionRow]
    unsigned: list[ProgressNote]
    late: list[ProgressNote]
    is_supervisor: bool
    to_cosign: list[ProgressNote] = field(default_factory=list)
    overdue_reviews_shown: list[TreatmentPlan] = field(default_factory=list)  # the most overdue; the count is below
    overdue_reviews_count: int = 0
    measures_due: list[DueRow] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    # Forms whose risk question was left blank, not yet followed up (plans.selectors.measures).
    risk_questions: list[MeasureAdministration] = field(default_factory=list)
    not_on_track: list[CoupleReviewPrompts] = field(default_factory=list)
    client_entries: list[ClientEntriesRow] = field(default_factory=list)
    # {couple id: "Amara & Ben"} for every couple on the page, decrypted once (clinic.selectors.names).
    names: dict[Any, str] = field(default_factory=dict)

    def couple_ids(self) -> set[Any]:
        ids = {row.session.couple_id for row in self.sessions}
        ids |= {note.couple_id for note in (*self.unsigned, *self.late, *self.to_cosign)}
        ids |= {plan.couple_id for plan in self.overdue_reviews_shown}
        ids |= {due.couple_id for due in self.measures_due_shown}
        ids |= {risk.couple_id for risk in self.risks}
        ids |= {m.couple_id for m in self.risk_questions}
        ids |= {row.couple.pk for row in self.not_on_track_shown}
        ids |= {row.couple_id for row in self.client_entries}
        return ids

    # The lists with pages of their own show their oldest rows here; the heading gives the total.
    @property
    def measures_due_shown(self) -> list[DueRow]:
        return self.measures_due[:HOME_SECTION_ROWS]

    @property
    def not_on_track_shown(self) -> list[CoupleReviewPrompts]:
        return self.not_on_track[:HOME_SECTION_ROWS]


def _overdue_reviews(user: Any) -> dict[str, Any]:
    """The most overdue plan reviews and how many there are, in one query: only the rows shown are read."""
    shown = list(overdue_reviews_for(user).annotate(in_all=Window(Count("id")))[:HOME_SECTION_ROWS])
    return {"overdue_reviews_shown": shown, "overdue_reviews_count": shown[0].in_all if shown else 0}


def home_for(user: Any) -> TherapistHome:
    """Every section of the home page for `user`, each evaluated once (the plan reviews and measures due come
    from plans.selectors)."""
    is_supervisor = user.role == Role.SUPERVISOR
    home = TherapistHome(
        today=timezone.localdate(),
        sessions=[_row(session) for session in todays_sessions(user)],
        unsigned=list(unsigned_notes(user)),
        late=list(late_entries(user)),
        is_supervisor=is_supervisor,
        to_cosign=list(review_queue_for(user)) if is_supervisor else [],
        **_overdue_reviews(user),
        measures_due=measures_due_for(user),
        risks=unresolved_risks_for(user),
        risk_questions=risk_questions_to_ask(user),
        not_on_track=plan_reviews_due_for(user),
        client_entries=client_entries_to_review(user),
    )
    home.names = couple_names_for(user, home.couple_ids())  # one query for the whole page
    return home
