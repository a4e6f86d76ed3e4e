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
from clinic.reauth import ReauthThrottled, confirm_identity
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
from notes.selectors.notes import active_plan_context, default_template, note_deadline, previous_signed_note
from notes.services.sessions import session_update
from notes.services.validation import (
    RatingInput,
    clean_content,
    clean_interventions,
    clean_ratings,
    clean_risk,
    normalise_text,
    remap_sections,
    sign_problems,
    too_long,
)
from plans.services.progress import progress_point_record
from rapport.versioning import StaleVersion

__all__ = [
    "NoteLocked", "ReauthFailed", "SignRefused",
    "note_start", "note_discard_not_attended", "note_save_draft", "note_copy_previous_plan", "note_sign",
    "sign_secret_problems", "addendum_create",
]

# Validated here, part by part: full_clean() would call an empty risk check or intervention list "blank".
VALIDATED_HERE = ["content", "risk", "interventions_used"]

LOCKED_MESSAGE = "This note is signed, and signed notes cannot change. Add an addendum to correct or complete it."
NOT_AUTHOR_EDIT = "Only the author of this draft can change it."
NOT_AUTHOR_SIGN = "Only the author of a note can sign it."
REAUTH_FAILED = "That is not your password or a current code from your authenticator app. Nothing was signed."
SECRET_MISSING = "Enter your password or the code shown in your authenticator app to sign."
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


class SignRefused(ValidationError):
    """Everything that stops a signature, found in one pass: the missing parts of the note and the password
    or code (missing, wrong or throttled), each keyed by the editor's field name. Nothing was signed.
    `http_status` is 429 while re-authentication is throttled (the API's answer), else None (a 400)."""

    def __init__(self, problems: dict[str, list[ValidationError]], *, wait: int | None = None) -> None:
        super().__init__(problems, code="incomplete")
        self.wait = wait
        self.http_status = 429 if wait else None


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


def session_due_a_note(session: Session) -> bool:
    """The session has started and is attended, or still only scheduled (its note then records it as attended)."""
    return session.starts_at <= timezone.now() and session.attendance in (Attendance.ATTENDED, Attendance.SCHEDULED)


def note_start(*, session: Session, by: User, template: str | None = None) -> tuple[ProgressNote, bool]:
    """The session's progress note, created as a draft by `by` if it has none yet.

    Returns (note, created). For an attended session, or a scheduled one whose time has come: opening its
    note records it as attended (session_update, audited `session.update`), which the clinician can undo
    while the draft is empty (note_discard_not_attended). Else ValidationError. The new draft has the
    active plan's interventions ticked (the clinician unticks those not used) and is restricted to the
    partner seen after an individual session. The caller has checked that `by` may change the couple's
    record. Writes `note.create`.
    """
    existing = ProgressNote.objects.filter(session=session).first()
    if existing is not None:
        return existing, False
    if not session_due_a_note(session):
        raise ValidationError(NOT_ATTENDED, code="not_attended")
    allowed = [value for value, _ in note_templates.allowed_templates(by.practice)]
    if template is not None and template not in allowed:
        raise ValidationError({"template": ["Choose one of the templates your practice allows."]})
    chosen = template or default_template(by)
    try:
        with transaction.atomic():
            current = Session.objects.select_for_update().get(pk=session.pk)
            if ProgressNote.objects.filter(session=session).exists():
                return ProgressNote.objects.get(session=session), False
            if current.attendance == Attendance.SCHEDULED:
                current = session_update(session=current, by=by, attendance=Attendance.ATTENDED)
            if current.attendance != Attendance.ATTENDED:
                raise ValidationError(NOT_ATTENDED, code="not_attended")
            plan = active_plan_context(current.couple)
            note = ProgressNote(
                session=current,
                session_starts_at=current.starts_at,
                couple_id=current.couple_id,
                author=by,
                template=chosen,
                content=dict.fromkeys(note_templates.section_keys(chosen), ""),
                risk={},
                interventions_used=[{"key": note_templates.plan_intervention_key(i.pk), "label": i.description}
                                    for i in plan.interventions],
                restricted_to_partner=current.individual_partner,
            )
            note.full_clean(exclude=VALIDATED_HERE)
            note.save(force_insert=True)
            record_event("note.create", actor=by, obj=note, detail={
                "session_id": str(session.pk), "interventions_preset": len(note.interventions_used),
            })
    except IntegrityError:  # a second tab created it between our check and our insert
        return ProgressNote.objects.get(session=session), False
    session.attendance = current.attendance
    return note, True


DRAFT_NOT_EMPTY = ("This draft already holds text, risk answers or objective values, so the session stays attended. "
                   "If it did not take place, say so in the note.")


def note_discard_not_attended(*, note: ProgressNote, by: User, attendance: str) -> Session:
    """The session did not take place after all: delete its still-empty draft (nothing written, no risk answer,
    no objective value) and record `attendance` (cancelled, late-cancelled or no-show). The author only; a
    draft with anything in it stays (ValidationError), as does a signed note (NoteLocked). Writes
    `note.discard` and `session.update`."""
    _check_author(note, by)
    if attendance not in (Attendance.CANCELLED, Attendance.LATE_CANCELLED, Attendance.NO_SHOW):
        raise ValidationError({"attendance": ["Choose cancelled, late-cancelled or no-show."]})
    with transaction.atomic():
        current = _lock(note, None)
        risk_answered = any(value for entry in (current.risk or {}).values() if isinstance(entry, dict)
                            for value in entry.values())
        if any(str(text).strip() for text in (current.content or {}).values()) or risk_answered \
                or current.objective_ratings.exists():
            raise ValidationError({"attendance": [DRAFT_NOT_EMPTY]})
        session = current.session
        record_event("note.discard", actor=by, obj=current, detail={"session_id": str(session.pk),
                                                                    "reason": "not_attended"})
        current.delete()
        return session_update(session=session, by=by, attendance=attendance)


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
        if objective_ratings is not None and _save_ratings(current, clean_ratings(
                current.couple_id, objective_ratings, attending=current.restricted_to_partner)):
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
    existing = {(r.objective_lineage, r.partner): r for r in note.objective_ratings.all()}
    wanted = {(r.objective_lineage, r.partner): r for r in ratings}
    changed = False
    for key, row in existing.items():
        if key not in wanted:
            row.delete()
            changed = True
    for (lineage, partner), rating in wanted.items():
        row = existing.get((lineage, partner))
        if row is None:
            row = ObjectiveRating(note=note, couple_id=note.couple_id, objective_lineage=lineage, partner=partner)
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
    return sign_problems(template=note.template, content=note.content or {}, risk=note.risk or {},
                         restricted_to_partner=note.restricted_to_partner)


def sign_secret_problems(*, by: User, secret: str) -> tuple[list[ValidationError], int | None]:
    """The password or code given to sign, checked (an attempt, audited as `reauth.note_sign`): no errors
    when it is right; else the error for the `secret` field, and the seconds to wait while throttled."""
    if not (secret or "").strip():
        return [ValidationError(SECRET_MISSING, code="required")], None
    try:
        if confirm_identity(by, secret, purpose="note_sign"):
            return [], None
    except ReauthThrottled as throttled:
        return list(throttled.error_dict["secret"]), throttled.wait
    return [ValidationError(REAUTH_FAILED, code="reauth_failed")], None


def _check_sign_request(note: ProgressNote, by: User, secret: str) -> None:
    """Check the note and the password or code in one pass, and raise one SignRefused naming every problem.

    The secret is checked even when sections are missing, so that a wrong password is reported with them
    rather than in a second round (the attempt counts and is audited like any other: clinic.reauth). An
    empty secret is reported without an attempt. Runs outside the signing transaction, so that a failed
    attempt stays in the audit trail."""
    problems: dict[str, list[ValidationError]] = {}
    secret_errors, wait = sign_secret_problems(by=by, secret=secret)
    if secret_errors:
        problems["secret"] = secret_errors
    for field, messages in _sign_problems(note).items():
        problems[field] = [ValidationError(message, code="incomplete") for message in messages]
    if list(problems) == ["secret"] and not wait and problems["secret"][0].code == "reauth_failed":
        raise ReauthFailed()
    if problems:
        raise SignRefused(problems, wait=wait)


def note_sign(*, note: ProgressNote, by: User, secret: str, base_version: int | None = None) -> ProgressNote:
    """Sign and lock the author's draft.

    Only the author, after re-authenticating with their password or a current second-factor code
    (`reauth.note_sign`, audited even when it fails). The note and the secret are checked in one pass: a wrong
    secret alone raises ReauthFailed, anything more one SignRefused naming every problem by field. With
    `base_version`, refuses a draft saved since (StaleVersion), so that what is signed is what the author saw.
    Every section must be written and the risk check answered for each partner seen (both after a joint session,
    the attending partner after an individual one: note_templates.risk_partners), with a safety plan for any
    concern.

    Stores the SHA-256 of the canonical content, the signer and the time; marks a late entry when signed
    more than the practice's deadline after the session ended; with a supervisor, the note waits for
    co-signature ("awaiting_cosign"), else it is final. Each objective rating becomes a progress point of
    its objective, dated the session's day. Writes `note.sign`.
    """
    _check_author(note, by, NOT_AUTHOR_SIGN)
    _check_not_signed(note)
    if base_version is not None and note.version != base_version:
        raise StaleVersion(note.version)
    _check_sign_request(note, by, secret)
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
                value=rating.value, source="session", by=by, source_id=current.pk, partner=rating.partner,
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
            detail = f"Risk check of the note of {session_day:%-d %b %Y}: {labels[key].lower()}, concern."
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
