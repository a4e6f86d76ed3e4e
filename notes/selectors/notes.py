"""Reads of sessions and progress notes, and the access checks the HTML views and the API share.

Every query starts from a scoped queryset (Couple.objects.visible_to / editable_by, through clinic.access):
a user who cannot see a couple gets 404 (audited) for its sessions and notes. The selectors own their
select_related / prefetch_related, so list pages and API lists do not grow in queries with their rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet

from audit.models import AuditEvent
from audit.services import record_event
from clinic.access import get_couple_record_for_user
from clinic.models import Couple, Risk, RiskStatus, User
from notes import note_templates
from notes.models import Addendum, NoteStatus, ObjectiveRating, ProgressNote, Session, SessionSeries
from plans.models import Intervention, Objective, PlanStatus, TreatmentPlan
from rapport.locale import day_start

# Encrypted columns a list never shows: not even loaded.
NOTE_TEXT_COLUMNS = ("content", "risk", "interventions_used", "return_comment")


# --- Note status as the sessions tab shows it ---------------------------------------------------


@dataclass(frozen=True)
class NoteState:
    key: str  # none | draft | awaiting_cosign | returned | signed
    label: str
    late_entry: bool = False

    @property
    def badge(self) -> str:
        return {"none": "muted", "draft": "warn", "awaiting_cosign": "warn", "returned": "danger",
                "signed": "ok"}[self.key]


def note_state(note: ProgressNote | None) -> NoteState:
    if note is None:
        return NoteState("none", "No note")
    late = note.late_entry
    if note.status == NoteStatus.DRAFT:
        return NoteState("draft", "Draft")
    if note.status == NoteStatus.AWAITING_COSIGN:
        return NoteState("awaiting_cosign", "Signed, awaiting co-signature", late)
    if note.status == NoteStatus.RETURNED:
        return NoteState("returned", "Returned by supervisor", late)
    return NoteState("signed", "Signed", late)


# --- Sessions -----------------------------------------------------------------------------------


def sessions_for_couple(
    couple: Couple,
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    kind: str = "",
    attendance: str = "",
) -> QuerySet[Session]:
    """The couple's sessions, most recent first, with their therapist and note (text columns not loaded).

    `couple` comes from clinic.access. Each session has `note` (or raises RelatedObjectDoesNotExist: use
    session_note()).
    """
    sessions = (
        Session.objects.filter(couple=couple)
        .select_related("therapist", "note")
        .defer(*(f"note__{column}" for column in NOTE_TEXT_COLUMNS))
        .order_by("-starts_at", "id")
    )
    if date_from:
        sessions = sessions.filter(starts_at__gte=day_start(date_from))
    if date_to:
        sessions = sessions.filter(starts_at__lt=day_start(date_to + datetime.timedelta(days=1)))
    if kind:
        sessions = sessions.filter(kind=kind)
    if attendance:
        sessions = sessions.filter(attendance=attendance)
    return sessions


def session_note(session: Session) -> ProgressNote | None:
    """The session's note if it has one (from select_related: no query)."""
    try:
        return session.note
    except ProgressNote.DoesNotExist:
        return None


def get_session_for_user(user: Any, pk: Any, *, write: bool = False) -> Session:
    """The session `pk` if `user` may read (write=True: change) its couple; else 404, audited."""
    queryset = Session.objects.select_related("couple__practice", "therapist")
    return get_couple_record_for_user(user, Session, pk, write=write, queryset=queryset)


def get_series_for_user(user: Any, pk: Any, *, write: bool = False) -> SessionSeries:
    """The session series `pk` if `user` may read (write=True: change) its couple; else 404, audited."""
    return get_couple_record_for_user(user, SessionSeries, pk, write=write,
                                      queryset=SessionSeries.objects.select_related("therapist"))


def series_sessions(series: SessionSeries) -> QuerySet[Session]:
    """The series' occurrences in time order, each with its therapist and note (text columns not loaded)."""
    return (Session.objects.filter(series=series).select_related("therapist", "note")
            .defer(*(f"note__{column}" for column in NOTE_TEXT_COLUMNS)).order_by("starts_at", "id"))


def session_with_note(pk: Any) -> Session:
    """The session `pk` with its therapist and note, for the API's answer after a write (the caller fetched it
    through get_session_for_user first)."""
    return Session.objects.select_related("therapist", "note").get(pk=pk)


# --- Notes --------------------------------------------------------------------------------------


def _note_queryset() -> QuerySet[ProgressNote]:
    return ProgressNote.objects.select_related(
        "session", "author", "signed_by", "cosigned_by", "couple__practice"
    ).prefetch_related("objective_ratings", Prefetch("addenda", queryset=Addendum.objects.select_related("author")))


def get_note_for_user(user: Any, pk: Any, *, write: bool = False) -> ProgressNote:
    """The progress note `pk` if `user` may read (write=True: change) its couple; else 404, audited."""
    return get_couple_record_for_user(user, ProgressNote, pk, write=write, queryset=_note_queryset())


def get_own_draft_for_user(user: Any, pk: Any) -> ProgressNote:
    """The note `pk` for its author to change: 404 (audited) for those who cannot change the couple's
    record, 403 (audited) for a clinician on the case who is not the author. Signed notes come back too:
    the services refuse to change them, with a message that says so."""
    note = get_note_for_user(user, pk, write=True)
    if note.author_id != user.pk:
        record_event("access.denied", actor=user, obj=note, outcome=AuditEvent.Outcome.DENIED,
                     detail={"reason": "not_author", "view": "note_edit"})
        raise PermissionDenied
    return note


# What a row of the notes list shows (notes.api.notes_serializers.NoteRowOutput): only these columns are loaded.
_STAFF_BRIEF = ("id", "username", "first_name", "last_name", "credentials")
NOTE_ROW_COLUMNS = (
    "id", "couple_id", "session_id", "session_starts_at", "template", "status", "version", "restricted_to_partner",
    "signed_at", "late_entry", "requires_cosign", "updated_at", "author_id", "signed_by_id",
    *(f"author__{name}" for name in _STAFF_BRIEF), *(f"signed_by__{name}" for name in _STAFF_BRIEF),
)


def note_rows_for(
    user: Any,
    *,
    couple_id: Any = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    status: str = "",
) -> QuerySet[ProgressNote]:
    """Progress notes of couples `user` can see, most recent session first (API list). Sorted and filtered on
    the note's copy of its session's start (indexed with the couple), so a page stops after its rows instead
    of joining every visible note to its session first."""
    notes = (
        ProgressNote.objects.filter(couple__in=Couple.objects.visible_to(user))
        .select_related("author", "signed_by")
        .only(*NOTE_ROW_COLUMNS)
        # The session's kind for the page's rows only (one more query): joined in the main query, the database
        # would look up the session of every visible note before sorting them and taking a page.
        .prefetch_related(Prefetch("session", queryset=Session.objects.only("id", "kind")))
        .order_by("-session_starts_at", "id")
    )
    if couple_id:
        notes = notes.filter(couple_id=couple_id)
    if date_from:
        notes = notes.filter(session_starts_at__gte=day_start(date_from))
    if date_to:
        notes = notes.filter(session_starts_at__lt=day_start(date_to + datetime.timedelta(days=1)))
    if status:
        notes = notes.filter(status=status)
    return notes


def can_write_couple(user: Any, couple: Couple) -> bool:
    return Couple.objects.editable_by(user).filter(pk=couple.pk).exists()


# --- What the editor offers beside the text ------------------------------------------------------


@dataclass(frozen=True)
class PlanContext:
    plan: TreatmentPlan | None
    objectives: list[Objective]
    interventions: list[Intervention]


def active_plan_context(couple: Couple) -> PlanContext:
    """The couple's active treatment plan with its objectives and interventions, in plan order."""
    plan = TreatmentPlan.objects.filter(couple=couple, status=PlanStatus.ACTIVE).defer("formulation").first()
    if plan is None:
        return PlanContext(None, [], [])
    objectives = list(
        Objective.objects.filter(goal__problem__plan=plan)
        .order_by("goal__problem__position", "goal__position", "position")
    )
    interventions = list(
        Intervention.objects.filter(goal__problem__plan=plan)
        .order_by("goal__problem__position", "goal__position", "position")
    )
    return PlanContext(plan, objectives, interventions)


def intervention_options(plan: PlanContext, chosen: list[dict[str, str]]) -> list[tuple[str, str]]:
    """(key, label) checkboxes: the active plan's interventions, the CBT list, then anything already
    chosen that is in neither any more (a plan revised since), so a saved choice never disappears."""
    options = [(note_templates.plan_intervention_key(i.pk), i.description) for i in plan.interventions]
    options += [(note_templates.cbt_key(slug), label) for slug, label in note_templates.CBT_INTERVENTIONS]
    offered = {key for key, _ in options}
    options += [(item["key"], item["label"]) for item in chosen if item.get("key") not in offered]
    return options


def ratings_by_lineage(note: ProgressNote) -> dict[tuple[Any, str], ObjectiveRating]:
    """The note's ratings by (objective lineage, partner): partner "" for an individual objective."""
    return {(rating.objective_lineage, rating.partner): rating for rating in note.objective_ratings.all()}


def rated_objectives(note: ProgressNote) -> list[tuple[Objective | None, ObjectiveRating]]:
    """The note's ratings with the objective each one is about (the newest version of its lineage)."""
    ratings = list(note.objective_ratings.all())
    if not ratings:
        return []
    objectives: dict[Any, Objective] = {}
    for objective in (
        Objective.objects.filter(couple_id=note.couple_id, lineage__in=[r.objective_lineage for r in ratings])
        .select_related("goal__problem__plan")
        .order_by("goal__problem__plan__number")
    ):
        objectives[objective.lineage] = objective
    return [(objectives.get(r.objective_lineage), r)
            for r in sorted(ratings, key=lambda r: (str(r.objective_lineage), r.partner))]


# --- Search within one couple's notes -----------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    note: ProgressNote
    where: list[str]  # labels of the parts that matched, e.g. ["Assessment", "Addendum (correction)"]


def search_couple_notes(couple: Couple, term: str) -> list[SearchHit]:
    """Progress notes of `couple` whose text contains `term`, case-insensitively, most recent first.

    The notes are decrypted and matched in memory: encrypted text never meets SQL. Psychotherapy notes are
    a separate record and are never searched.
    """
    needle = term.casefold()
    hits = []
    notes = (
        ProgressNote.objects.filter(couple=couple)
        .select_related("session", "author")
        .prefetch_related("addenda")
        .order_by("-session_starts_at")
    )
    for note in notes:
        where = []
        content = note.content or {}
        for section in note_templates.sections_for(note.template):
            if needle in content.get(section.key, "").casefold():
                where.append(section.label)
        risk = note.risk or {}
        for partner, label in note_templates.PARTNERS:
            if needle in (risk.get(partner) or {}).get("safety_plan", "").casefold():
                where.append(f"Safety plan, {label}")
        for addendum in note.addenda.all():
            if needle in addendum.text.casefold():
                where.append(f"Addendum ({addendum.get_kind_display().lower()})")
        if where:
            hits.append(SearchHit(note, list(dict.fromkeys(where))))
    return hits


# --- What the note services and the editor read about a note ------------------------------------


def session_ends_at(session: Session) -> datetime.datetime:
    return session.starts_at + datetime.timedelta(minutes=session.duration_minutes)


def note_deadline(note: ProgressNote) -> datetime.datetime:
    """When the note becomes a late entry: the session's end plus the practice's deadline."""
    hours = note.couple.practice.note_deadline_hours
    return session_ends_at(note.session) + datetime.timedelta(hours=hours)


def previous_signed_note(note: ProgressNote) -> ProgressNote | None:
    """The couple's most recent signed note of a session before this note's session."""
    return (
        ProgressNote.objects.filter(
            couple_id=note.couple_id, signed_at__isnull=False, session_starts_at__lt=note.session_starts_at
        )
        .exclude(pk=note.pk)
        .select_related("session")
        .order_by("-session_starts_at")
        .first()
    )


def intervention_choices(couple_id: Any) -> dict[str, str]:
    """Every intervention key a note of this couple may name, with its label: the CBT list, then the
    interventions of every version of the couple's plan (so a note started before a revision stays valid)."""
    choices = {note_templates.cbt_key(slug): label for slug, label in note_templates.CBT_INTERVENTIONS}
    for intervention in Intervention.objects.filter(couple_id=couple_id).order_by("position"):
        choices[note_templates.plan_intervention_key(intervention.pk)] = intervention.description
    return choices


def default_template(by: User) -> str:
    """The template of the author's most recent note, if the practice still allows it, else the first allowed."""
    allowed = [value for value, _ in note_templates.allowed_templates(by.practice)]
    last = ProgressNote.objects.filter(author=by).order_by("-created_at").values_list("template", flat=True).first()
    return last if last in allowed else allowed[0]


# The note's risk-check questions and the register's risk kinds they answer for.
RISK_KIND_OF_ITEM = {"suicidal_ideation": "suicide", "harm_to_others": "harm_to_others", "partner_violence": "ipv"}


def open_risks_by_partner(note: ProgressNote) -> dict[str, list[Any]]:
    """The couple's open and acknowledged (not closed) risks from the register, for each partner whose risk
    check the note asks: that partner's own and those of the couple as a whole, oldest first. One query."""
    risks = list(Risk.objects.unresolved().filter(couple_id=note.couple_id)
                 .only("id", "couple_id", "partner", "kind", "status", "raised_at").order_by("raised_at", "id"))
    risks.sort(key=lambda r: (r.status != RiskStatus.OPEN, r.raised_at))
    return {partner: [r for r in risks if r.partner in ("", partner)]
            for partner, _ in note_templates.risk_partners(note.restricted_to_partner)}


def none_despite_open_risk(note: ProgressNote) -> list[str]:
    """The saved risk answers (editor field names) that say "None" where the register has an open (not yet
    acknowledged) risk of that kind for that partner or the couple: signing them needs a confirmation. One
    query."""
    risk = note.risk or {}
    return [f"risk_{partner}_{key}" for partner, risks in open_risks_by_partner(note).items()
            for key, kind in RISK_KIND_OF_ITEM.items()
            if (risk.get(partner) or {}).get(key) == note_templates.RISK_NONE
            and any(r.kind == kind and r.status == RiskStatus.OPEN for r in risks)]
