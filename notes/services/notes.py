"""Writes to progress notes: start a draft, save it (autosave), sign and lock it, append addenda.

A note is a draft until its author signs it (each part of a draft is checked by notes.services.validation).
Signing stores a SHA-256 of the canonical content (notes.content_hash), the signer and the time, and locks
the note: every function here refuses to change a signed note (NoteLocked), and on PostgreSQL a trigger
(notes/migrations/0002_signed_notes_locked.py) refuses the UPDATE as well. Changes to a signed note come as
addenda, each signed in turn. Supervision (co-sign, return, resubmit) changes only the
status and co-signature columns: see notes.services.supervision.

Every save carries the version it started from; a stale one raises StaleVersion and writes nothing.
Keyword-only functions; each validates, runs in one transaction and writes its audit event there. Callers
fetch the note through notes.selectors.notes (404 for strangers); the author checks are repeated here.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import NOTE_TEXT_MAX, RiskKind, RiskSource, User
from clinic.reauth import confirm_identity
from clinic.services.risks import risk_raise
from notes import note_templates
from notes.content_hash import addendum_content_hash, note_content_hash
from notes.models import (
    Addendum,
    AddendumKind,
    Attendance,
    NoteStatus,
    ObjectiveRating,
    ProgressNote,
    Session,
)
from notes.selectors.notes import default_template, note_deadline, previous_signed_note
from notes.services.validation import (
    RatingInput,
    clean_content,
    clean_interventions,
    clean_ratings,
    clean_risk,
    normalise_text,
    remap_sections,
    too_long,
)
from plans.services.progress import progress_point_record
from rapport.versioning import StaleVersion

__all__ = [
    "NoteLocked", "ReauthFailed",
    "note_start", "note_save_draft", "note_copy_previous_plan", "note_sign", "addendum_create",
]

# Validated here, part by part: full_clean() would call an empty risk check or intervention list "blank".
VALIDATED_HERE = ["content", "risk", "interventions_used"]

LOCKED_MESSAGE = "This note is signed, and signed notes cannot change. Add an addendum to correct or complete it."
NOT_AUTHOR_EDIT = "Only the author of this draft can change it."
NOT_AUTHOR_SIGN = "Only the author of a note can sign it."
REAUTH_FAILED = "That is not your password or a current code from your authenticator app. Nothing was signed."
NOT_ATTENDED = (
    "A progress note can be written only for an attended session. Mark the session attended first "
    "(a session in the future cannot be attended yet)."
)


class NoteLocked(ValidationError):
    """The note is signed: its content cannot change (API: 409, HTML: 409 with the note shown read-only)."""

    def __init__(self, message: str = LOCKED_MESSAGE) -> None:
        super().__init__(message, code="note_signed")


class ReauthFailed(ValidationError):
    """The password or code given to confirm a signature was not right; nothing was signed."""

    def __init__(self, message: str = REAUTH_FAILED) -> None:
        super().__init__({"secret": [ValidationError(message, code="reauth_failed")]})


# --- Writes -------------------------------------------------------------------------------------------


def _check_author(note: ProgressNote, by: User, message: str = NOT_AUTHOR_EDIT) -> None:
    if note.author_id != by.pk:
        raise PermissionDenied(message)


def _check_not_signed(note: ProgressNote) -> None:
    if note.is_signed:
        raise NoteLocked()


def _lock(note: ProgressNote, base_version: int | None) -> ProgressNote:
    current = ProgressNote.objects.select_for_update().select_related("session", "couple__practice").get(pk=note.pk)
    _check_not_signed(current)
    if base_version is not None and current.version != base_version:
        raise StaleVersion(current.version)
    return current


def note_start(*, session: Session, by: User, template: str | None = None) -> tuple[ProgressNote, bool]:
    """The session's progress note, created as an empty draft by `by` if it has none yet.

    Returns (note, created). Only for an attended session (ValidationError otherwise). An individual
    session's note is marked restricted to that partner. The caller has checked that `by` may change the
    couple's record. Writes `note.create`.
    """
    existing = ProgressNote.objects.filter(session=session).first()
    if existing is not None:
        return existing, False
    if session.attendance != Attendance.ATTENDED or session.starts_at > timezone.now():
        raise ValidationError(NOT_ATTENDED, code="not_attended")
    allowed = [value for value, _ in note_templates.allowed_templates(by.practice)]
    if template is not None and template not in allowed:
        raise ValidationError({"template": ["Choose one of the templates your practice allows."]})
    chosen = template or default_template(by)
    try:
        with transaction.atomic():
            Session.objects.select_for_update().filter(pk=session.pk).first()
            if ProgressNote.objects.filter(session=session).exists():
                return ProgressNote.objects.get(session=session), False
            note = ProgressNote(
                session=session,
                session_starts_at=session.starts_at,
                couple_id=session.couple_id,
                author=by,
                template=chosen,
                content=dict.fromkeys(note_templates.section_keys(chosen), ""),
                risk={},
                interventions_used=[],
                restricted_to_partner=session.individual_partner,
            )
            note.full_clean(exclude=VALIDATED_HERE)
            note.save(force_insert=True)
            record_event("note.create", actor=by, obj=note, detail={"session_id": str(session.pk)})
    except IntegrityError:  # a second tab created it between our check and our insert
        return ProgressNote.objects.get(session=session), False
    return note, True


def note_save_draft(
    *,
    note: ProgressNote,
    by: User,
    base_version: int,
    template: str | None = None,
    content: dict[str, Any] | None = None,
    risk: dict[str, Any] | None = None,
    interventions_used: list[str] | None = None,
    objective_ratings: list[RatingInput] | None = None,
) -> ProgressNote:
    """Save the author's draft (autosave and "Save draft"). Arguments left as None keep their value.

    Refuses a signed note (NoteLocked), anyone but the author (PermissionDenied), and a save based on an
    older version than the one stored (StaleVersion): nothing is overwritten silently. A template change
    moves text to the new template's sections without losing any. Bumps `version` only when something
    changed. Writes `note.update` with the names of the changed parts, never their text.
    """
    _check_author(note, by)
    _check_not_signed(note)
    if template is not None and template != note.template and \
            template not in [v for v, _ in note_templates.allowed_templates(by.practice)]:
        raise ValidationError({"template": ["Choose one of the templates your practice allows."]})
    with transaction.atomic():
        current = _lock(note, base_version)
        changed: list[str] = []
        new_template = template or current.template
        sections = dict(current.content or {})
        if new_template != current.template:
            sections = remap_sections(current.template, new_template, sections)
            changed.append("template")
        if content is not None:
            sections.update({k: v for k, v in content.items() if k in note_templates.section_keys(new_template)})
        cleaned_sections = clean_content(new_template, sections)
        if cleaned_sections != (current.content or {}):
            changed.append("content")
        only = current.restricted_to_partner
        cleaned_risk = clean_risk(risk, restricted_to_partner=only) if risk is not None else None
        if cleaned_risk is not None and cleaned_risk != clean_risk(current.risk or {}, restricted_to_partner=only):
            changed.append("risk")
        cleaned_interventions = None
        if interventions_used is not None:
            cleaned_interventions = clean_interventions(current.couple_id, interventions_used,
                                                         current.interventions_used or [])
            if cleaned_interventions != (current.interventions_used or []):
                changed.append("interventions_used")
        if objective_ratings is not None and _save_ratings(current, clean_ratings(current.couple_id,
                                                                                      objective_ratings)):
            changed.append("objective_ratings")
        if not changed:
            return current
        current.template = new_template
        current.content = cleaned_sections
        if cleaned_risk is not None:
            current.risk = cleaned_risk
        if cleaned_interventions is not None:
            current.interventions_used = cleaned_interventions
        current.version += 1
        current.full_clean(exclude=VALIDATED_HERE)
        current.save()
        record_event("note.update", actor=by, obj=current,
                     detail={"fields": sorted(set(changed)), "version": current.version})
    return current


def _save_ratings(note: ProgressNote, ratings: list[RatingInput]) -> bool:
    """Make the note's ratings exactly `ratings`; True if anything changed."""
    existing = {r.objective_lineage: r for r in note.objective_ratings.all()}
    wanted = {r.objective_lineage: r for r in ratings}
    changed = False
    for lineage, row in existing.items():
        if lineage not in wanted:
            row.delete()
            changed = True
    for lineage, rating in wanted.items():
        row = existing.get(lineage)
        if row is None:
            row = ObjectiveRating(note=note, couple_id=note.couple_id, objective_lineage=lineage)
        elif row.value == rating.value and row.comment == rating.comment:
            continue
        row.value, row.comment = rating.value, rating.comment
        row.full_clean()
        row.save()
        changed = True
    return changed


def note_copy_previous_plan(*, note: ProgressNote, by: User, base_version: int) -> tuple[ProgressNote, bool]:
    """"Start from previous note": copy the plan section of the couple's previous signed note into this
    draft's plan section (after any text already there). Returns (note, copied); copied is False when there
    is no previous signed note or its plan section is empty. Same rules as note_save_draft."""
    _check_author(note, by)
    with transaction.atomic():
        current = _lock(note, base_version)
        previous = previous_signed_note(current)
        text = normalise_text((previous.content or {}).get(note_templates.PLAN_SECTION, "")) if previous else ""
        if not text.strip():
            return current, False
        mine = (current.content or {}).get(note_templates.PLAN_SECTION, "")
        plan = f"{mine.rstrip()}\n\n{text}" if mine.strip() else text
        current = note_save_draft(note=current, by=by, base_version=current.version,
                                  content={note_templates.PLAN_SECTION: plan})
        record_event("note.copy_previous_plan", actor=by, obj=current, detail={"from_note": str(previous.pk)})
    return current, True


def _sign_problems(note: ProgressNote) -> dict[str, list[str]]:
    """What must be completed before the note can be signed, by field."""
    problems: dict[str, list[str]] = {}
    content = note.content or {}
    for section in note_templates.sections_for(note.template):
        if not content.get(section.key, "").strip():
            problems[section.key] = [f"{section.label}: write this section before signing."]
    risk = note.risk or {}
    for partner, partner_label in note_templates.risk_partners(note.restricted_to_partner):
        entry = risk.get(partner) or {}
        for key, label in note_templates.RISK_ITEMS:
            if entry.get(key) not in (note_templates.RISK_NONE, note_templates.RISK_CONCERN):
                problems[f"risk_{partner}_{key}"] = [
                    f"{partner_label}, {label.lower()}: answer the risk check (none or concern) before signing."
                ]
        concerns = [label.lower() for key, label in note_templates.RISK_ITEMS
                    if entry.get(key) == note_templates.RISK_CONCERN]
        if concerns and not entry.get("safety_plan", "").strip():
            problems[f"risk_{partner}_safety_plan"] = [
                f"{partner_label}: a concern was noted ({', '.join(concerns)}). Write the safety plan for "
                f"{partner_label} before signing."
            ]
    return problems


def note_sign(*, note: ProgressNote, by: User, secret: str, base_version: int | None = None) -> ProgressNote:
    """Sign and lock the author's draft.

    Only the author, after re-authenticating with their password or a current second-factor code
    (`reauth.note_sign`, audited even when it fails: ReauthFailed). With `base_version`, refuses a draft
    saved since (StaleVersion), so that what is signed is what the author saw. Every section must be
    written and the risk check answered for each partner seen (both after a joint session, the attending
    partner after an individual one: note_templates.risk_partners), with a safety plan for any concern.

    Stores the SHA-256 of the canonical content, the signer and the time; marks a late entry when signed
    more than the practice's deadline after the session ended; with a supervisor, the note waits for
    co-signature ("awaiting_cosign"), else it is final. Each objective rating becomes a progress point of
    its objective, dated the session's day. Writes `note.sign`.
    """
    _check_author(note, by, NOT_AUTHOR_SIGN)
    _check_not_signed(note)
    if base_version is not None and note.version != base_version:
        raise StaleVersion(note.version)
    problems = _sign_problems(note)
    if problems:
        raise ValidationError(problems, code="incomplete")
    # Outside the transaction below, so that a failed attempt stays in the audit trail.
    if not confirm_identity(by, secret, purpose="note_sign"):
        raise ReauthFailed()
    with transaction.atomic():
        current = _lock(note, base_version)
        _check_author(current, by, NOT_AUTHOR_SIGN)
        problems = _sign_problems(current)
        if problems:
            raise ValidationError(problems, code="incomplete")
        session = current.session
        if session.attendance != Attendance.ATTENDED:
            raise ValidationError(NOT_ATTENDED, code="not_attended")
        ratings = list(current.objective_ratings.all())
        now = timezone.now()
        current.signed_by = by
        current.signed_at = now
        current.late_entry = now > note_deadline(current)
        current.requires_cosign = by.supervisor_id is not None
        current.status = NoteStatus.AWAITING_COSIGN if current.requires_cosign else NoteStatus.FINAL
        current.content_hash = note_content_hash(current, ratings)
        current.version += 1
        current.full_clean(exclude=VALIDATED_HERE)
        current.save()
        session_day = timezone.localtime(session.starts_at).date()
        for rating in ratings:
            progress_point_record(
                couple=current.couple, objective_lineage=rating.objective_lineage, recorded_on=session_day,
                value=rating.value, source="session", by=by, source_id=current.pk,
            )
        record_event("note.sign", actor=by, obj=current, detail={
            "status": current.status, "late_entry": current.late_entry, "objective_ratings": len(ratings),
            "version": current.version,
        })
        _raise_risks(current, session_day, by)
    return current


# Which register entry each concern of a note's risk check opens.
RISK_KIND_OF_CHECK = {
    "suicidal_ideation": RiskKind.SUICIDE,
    "harm_to_others": RiskKind.HARM_TO_OTHERS,
    "partner_violence": RiskKind.IPV,
}


def _raise_risks(note: ProgressNote, session_day: datetime.date, by: User) -> None:
    """Every "concern" in a signed note's risk check opens a risk in the couple's register, so it reaches
    the therapists' daily pages instead of staying inside the note."""
    labels = dict(note_templates.RISK_ITEMS)
    for partner, answers in (note.risk or {}).items():
        for key, kind in RISK_KIND_OF_CHECK.items():
            if (answers or {}).get(key) != note_templates.RISK_CONCERN:
                continue
            plan = (answers.get("safety_plan") or "").strip()
            detail = f"Risk check of the note of {session_day:%d %b %Y}: {labels[key].lower()}, concern."
            if plan:
                detail += f" Safety plan noted: {plan}"
            risk_raise(couple=note.couple, kind=kind, source=RiskSource.NOTE, source_id=note.pk, partner=partner,
                       detail=detail, by=by)


def addendum_create(*, note: ProgressNote, by: User, kind: str, text: str, secret: str) -> Addendum:
    """Append a signed addendum (correction, clarification, late information) below a signed note.

    Only on signed notes; the caller has checked that `by` may change the couple's record. Re-authenticates
    like note_sign (`reauth.addendum_sign`). The original note is never touched. Writes `addendum.create`.
    """
    if not note.is_signed:
        raise ValidationError("Addenda are added to signed notes. This note is still a draft: edit it instead.",
                              code="not_signed")
    errors: dict[str, list[str]] = {}
    if kind not in AddendumKind.values:
        errors["kind"] = ["Choose what kind of addendum this is: correction, clarification or late information."]
    text = normalise_text(text)
    if not text.strip():
        errors["text"] = ["Write the addendum."]
    elif len(text) > NOTE_TEXT_MAX:
        errors["text"] = [too_long("Addendum", NOTE_TEXT_MAX, len(text))]
    if errors:
        raise ValidationError(errors)
    if not confirm_identity(by, secret, purpose="addendum_sign"):
        raise ReauthFailed("That is not your password or a current code from your authenticator app. "
                           "The addendum was not added.")
    with transaction.atomic():
        addendum = Addendum(
            id=uuid.uuid4(), note=note, couple_id=note.couple_id, kind=kind, text=text, author=by,
            signed_at=timezone.now(),
        )
        addendum.content_hash = addendum_content_hash(addendum)
        addendum.full_clean()
        addendum.save(force_insert=True)
        record_event("addendum.create", actor=by, obj=addendum, detail={"note_id": str(note.pk), "kind": kind})
    return addendum
