"""Writes to progress notes: start a draft, save it (autosave), sign and lock it, append addenda.

A note is a draft until its author signs it. Signing stores a SHA-256 of the canonical content, the signer
and the time, and locks the note: every function here refuses to change a signed note (NoteLocked), and on
PostgreSQL a trigger (notes/migrations/0002_signed_notes_locked.py) refuses the UPDATE as well. Changes to a
signed note come as addenda, each signed in turn. Supervision (co-sign, return, resubmit) changes only the
status and co-signature columns: see notes.services.supervision.

Every save carries the version it started from; a stale one raises StaleVersion and writes nothing.
Keyword-only functions; each validates, runs in one transaction and writes its audit event there. Callers
fetch the note through notes.selectors.notes (404 for strangers); the author checks are repeated here.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import NOTE_TEXT_MAX, User
from clinic.reauth import confirm_identity
from notes import note_templates
from notes.models import (
    Addendum,
    AddendumKind,
    Attendance,
    NoteStatus,
    ObjectiveRating,
    ProgressNote,
    Session,
)
from plans.models import Intervention, Objective
from rapport.versioning import StaleVersion

__all__ = [
    "NoteLocked", "ReauthFailed", "RatingInput",
    "note_start", "note_save_draft", "note_copy_previous_plan", "note_sign", "addendum_create",
    "note_content_hash", "note_hash_matches", "addendum_content_hash", "previous_signed_note",
]

SAFETY_PLAN_MAX = 5_000
RATING_COMMENT_MAX = 2_000
VALUE_LIMIT = Decimal("999999.99")  # ObjectiveRating.value: 8 digits, 2 decimals
CENT = Decimal("0.01")

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


@dataclass(frozen=True)
class RatingInput:
    """An objective addressed in the session, with the value observed (and an optional comment)."""

    objective_lineage: uuid.UUID
    value: Decimal
    comment: str = ""


# --- Reading helpers --------------------------------------------------------------------------------


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
            couple_id=note.couple_id, signed_at__isnull=False, session__starts_at__lt=note.session.starts_at
        )
        .exclude(pk=note.pk)
        .select_related("session")
        .order_by("-session__starts_at")
        .first()
    )


def _canonical_value(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


def note_canonical_content(note: ProgressNote, ratings: list[ObjectiveRating] | None = None) -> bytes:
    """The bytes a signature covers: template, sections, risk, interventions and objective ratings."""
    if ratings is None:
        ratings = list(note.objective_ratings.all())
    content = note.content or {}
    payload = {
        "note": str(note.pk),
        "session": str(note.session_id),
        "template": note.template,
        "sections": {key: content.get(key, "") for key in note_templates.section_keys(note.template)},
        "risk": note.risk or {},
        "interventions": note.interventions_used or [],
        "objective_ratings": sorted(
            (
                {"objective_lineage": str(r.objective_lineage), "value": _canonical_value(r.value),
                 "comment": r.comment}
                for r in ratings
            ),
            key=lambda item: item["objective_lineage"],
        ),
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def note_content_hash(note: ProgressNote, ratings: list[ObjectiveRating] | None = None) -> str:
    return hashlib.sha256(note_canonical_content(note, ratings)).hexdigest()


def note_hash_matches(note: ProgressNote) -> bool:
    """Whether a signed note's content still matches the hash stored when it was signed."""
    return bool(note.content_hash) and note.content_hash == note_content_hash(note)


def addendum_content_hash(addendum: Addendum) -> str:
    payload = {
        "addendum": str(addendum.pk),
        "note": str(addendum.note_id),
        "kind": addendum.kind,
        "text": addendum.text,
        "author": str(addendum.author_id),
        # In UTC, as the database gives it back: the hash must not depend on the zone the moment was made in.
        "signed_at": addendum.signed_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# --- Validation of what a draft may hold ------------------------------------------------------------


def _normalise_text(value: Any) -> str:
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n")


def _too_long(label: str, limit: int, length: int) -> str:
    return f"{label}: shorten it to {limit:,} characters or fewer (it has {length:,})."


def _clean_content(template: str, content: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for section in note_templates.sections_for(template):
        text = _normalise_text(content.get(section.key, ""))
        if len(text) > NOTE_TEXT_MAX:
            errors[section.key] = [_too_long(section.label, NOTE_TEXT_MAX, len(text))]
        cleaned[section.key] = text
    if errors:
        raise ValidationError(errors, code="max_length")
    return cleaned


def _clean_risk(risk: dict[str, Any]) -> dict[str, dict[str, str]]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, dict[str, str]] = {}
    answers = {value for value, _ in note_templates.RISK_ANSWERS}
    for partner, partner_label in note_templates.PARTNERS:
        given = risk.get(partner) or {}
        if not isinstance(given, dict):
            given = {}
        entry: dict[str, str] = {}
        for key, label in note_templates.RISK_ITEMS:
            value = str(given.get(key) or "")
            if value and value not in answers:
                errors[f"risk_{partner}_{key}"] = [f"{partner_label}, {label.lower()}: choose none or concern."]
            entry[key] = value
        plan = _normalise_text(given.get("safety_plan", ""))
        if len(plan) > SAFETY_PLAN_MAX:
            errors[f"risk_{partner}_safety_plan"] = [
                _too_long(f"{partner_label}, safety plan", SAFETY_PLAN_MAX, len(plan))
            ]
        entry["safety_plan"] = plan
        cleaned[partner] = entry
    if errors:
        raise ValidationError(errors)
    return cleaned


def intervention_choices(couple_id: Any) -> dict[str, str]:
    """Every intervention key a note of this couple may name, with its label: the CBT list, then the
    interventions of every version of the couple's plan (so a note started before a revision stays valid)."""
    choices = {note_templates.cbt_key(slug): label for slug, label in note_templates.CBT_INTERVENTIONS}
    for intervention in Intervention.objects.filter(couple_id=couple_id).order_by("position"):
        choices[note_templates.plan_intervention_key(intervention.pk)] = intervention.description
    return choices


def _clean_interventions(couple_id: Any, keys: list[str], current: list[dict[str, str]]) -> list[dict[str, str]]:
    keys = list(dict.fromkeys(str(k) for k in keys))
    known = {item.get("key"): item.get("label", "") for item in current if isinstance(item, dict)}
    missing = [k for k in keys if k not in known]
    if missing:
        choices = intervention_choices(couple_id)
        unknown = [k for k in missing if k not in choices]
        if unknown:
            raise ValidationError(
                {"interventions_used": ["Choose interventions from the list: the CBT list or this couple's plan."]}
            )
        known.update({k: choices[k] for k in missing})
    return [{"key": k, "label": known[k]} for k in keys]


def _as_decimal(value: Any, label: str, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [f"{label}: give the value as a number, for example 4 or 6.5."]}) from None
    if not number.is_finite() or abs(number) > VALUE_LIMIT:
        raise ValidationError({field: [f"{label}: give a number between -999,999.99 and 999,999.99."]})
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def _clean_ratings(couple_id: Any, ratings: list[RatingInput]) -> list[RatingInput]:
    lineages = set(Objective.objects.filter(couple_id=couple_id).values_list("lineage", flat=True))
    cleaned: dict[uuid.UUID, RatingInput] = {}
    for rating in ratings:
        field = f"objective_{rating.objective_lineage}"
        if rating.objective_lineage not in lineages:
            raise ValidationError({"objective_ratings": ["Choose objectives of this couple's treatment plan."]})
        comment = _normalise_text(rating.comment)
        if len(comment) > RATING_COMMENT_MAX:
            raise ValidationError({f"{field}_comment": [_too_long("Comment", RATING_COMMENT_MAX, len(comment))]})
        value = _as_decimal(rating.value, "Observed value", f"{field}_value")
        cleaned[rating.objective_lineage] = RatingInput(rating.objective_lineage, value, comment)
    return list(cleaned.values())


def _remap_sections(old_template: str, new_template: str, content: dict[str, str]) -> dict[str, str]:
    """Move text to the new template's sections: same-named sections keep their text; text of sections
    the new template lacks goes to its first section under a heading, so no word is lost."""
    new_keys = note_templates.section_keys(new_template)
    remapped = {key: content.get(key, "") for key in new_keys}
    carried = []
    for section in note_templates.sections_for(old_template):
        text = content.get(section.key, "")
        if section.key not in new_keys and text.strip():
            carried.append(f"[{section.label}]\n{text}")
    if carried:
        first = new_keys[0]
        remapped[first] = "\n\n".join([*(carried), *([remapped[first]] if remapped[first].strip() else [])])
    return remapped


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


def default_template(by: User) -> str:
    """The template of the author's most recent note, if the practice still allows it, else the first allowed."""
    allowed = [value for value, _ in note_templates.allowed_templates(by.practice)]
    last = ProgressNote.objects.filter(author=by).order_by("-created_at").values_list("template", flat=True).first()
    return last if last in allowed else allowed[0]


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
            sections = _remap_sections(current.template, new_template, sections)
            changed.append("template")
        if content is not None:
            sections.update({k: v for k, v in content.items() if k in note_templates.section_keys(new_template)})
        cleaned_sections = _clean_content(new_template, sections)
        if cleaned_sections != (current.content or {}):
            changed.append("content")
        cleaned_risk = _clean_risk(risk) if risk is not None else None
        if cleaned_risk is not None and cleaned_risk != _clean_risk(current.risk or {}):
            changed.append("risk")
        cleaned_interventions = None
        if interventions_used is not None:
            cleaned_interventions = _clean_interventions(current.couple_id, interventions_used,
                                                         current.interventions_used or [])
            if cleaned_interventions != (current.interventions_used or []):
                changed.append("interventions_used")
        if objective_ratings is not None and _save_ratings(current, _clean_ratings(current.couple_id,
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
        text = _normalise_text((previous.content or {}).get(note_templates.PLAN_SECTION, "")) if previous else ""
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
    for partner, partner_label in note_templates.PARTNERS:
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
    written and the risk check answered for both partners, with a safety plan for any concern.

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
    from plans.services.progress import progress_point_record

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
    return current


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
    text = _normalise_text(text)
    if not text.strip():
        errors["text"] = ["Write the addendum."]
    elif len(text) > NOTE_TEXT_MAX:
        errors["text"] = [_too_long("Addendum", NOTE_TEXT_MAX, len(text))]
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
