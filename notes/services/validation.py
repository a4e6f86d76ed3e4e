"""What a progress note may hold: each part of a draft checked and normalised before notes.services.notes
stores it (sections, risk check, interventions, objective ratings), and a template change that keeps every word.
Errors are ValidationErrors keyed by the editor's field names, in words the author can act on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from clinic.models import NOTE_TEXT_MAX
from notes import note_templates
from notes.selectors.notes import intervention_choices
from plans.models import Objective

SAFETY_PLAN_MAX = 5_000
RATING_COMMENT_MAX = 2_000
VALUE_LIMIT = Decimal("999999.99")  # ObjectiveRating.value: 8 digits, 2 decimals
CENT = Decimal("0.01")


@dataclass(frozen=True)
class RatingInput:
    """An objective addressed in the session, with the value observed (and an optional comment)."""

    objective_lineage: uuid.UUID
    value: Decimal
    comment: str = ""
    partner: str = ""  # "a" or "b" on a both-partners objective; "" for an individual objective


def normalise_text(value: Any) -> str:
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n")


def too_long(label: str, limit: int, length: int) -> str:
    return f"{label}: shorten it to {limit:,} characters or fewer (it has {length:,})."


def clean_content(template: str, content: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for section in note_templates.sections_for(template):
        text = normalise_text(content.get(section.key, ""))
        if len(text) > NOTE_TEXT_MAX:
            errors[section.key] = [too_long(section.label, NOTE_TEXT_MAX, len(text))]
        cleaned[section.key] = text
    if errors:
        raise ValidationError(errors, code="max_length")
    return cleaned


def clean_risk(risk: dict[str, Any], *, restricted_to_partner: str = "") -> dict[str, dict[str, str]]:
    """The risk check as stored: one entry per partner the note asks about (note_templates.risk_partners);
    an entry for a partner absent from an individual session is left out."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, dict[str, str]] = {}
    answers = {value for value, _ in note_templates.RISK_ANSWERS}
    for partner, partner_label in note_templates.risk_partners(restricted_to_partner):
        given = risk.get(partner) or {}
        if not isinstance(given, dict):
            given = {}
        entry: dict[str, str] = {}
        for key, label in note_templates.RISK_ITEMS:
            value = str(given.get(key) or "")
            if value and value not in answers:
                errors[f"risk_{partner}_{key}"] = [f"{partner_label}, {label.lower()}: choose none or concern."]
            entry[key] = value
        plan = normalise_text(given.get("safety_plan", ""))
        if len(plan) > SAFETY_PLAN_MAX:
            errors[f"risk_{partner}_safety_plan"] = [
                too_long(f"{partner_label}, safety plan", SAFETY_PLAN_MAX, len(plan))
            ]
        entry["safety_plan"] = plan
        cleaned[partner] = entry
    if errors:
        raise ValidationError(errors)
    return cleaned


SECTION_MISSING = "Write this section before signing."
OPEN_RISK_UNCONFIRMED = ("The risk check answers “None” where the risk register has an open risk: tick “I have "
                         "reviewed the open risk” to sign, or answer “Concern”.")
RISK_UNANSWERED = "Answer none or concern before signing (or choose “No risk concerns” if there are none)."


def sign_problems(*, template: str, content: dict[str, Any], risk: dict[str, Any],
                  restricted_to_partner: str = "") -> dict[str, list[str]]:
    """What must be completed before a note can be signed, by the editor's field name: every section written,
    the risk check answered for each partner the session was about (note_templates.risk_partners), and a
    safety plan for each partner with a concern. Messages name no field: the page puts its label beside them."""
    problems: dict[str, list[str]] = {}
    for section in note_templates.sections_for(template):
        if not str(content.get(section.key) or "").strip():
            problems[section.key] = [SECTION_MISSING]
    for partner, partner_label in note_templates.risk_partners(restricted_to_partner):
        entry = risk.get(partner) or {}
        if not isinstance(entry, dict):
            entry = {}
        for key, _label in note_templates.RISK_ITEMS:
            if entry.get(key) not in (note_templates.RISK_NONE, note_templates.RISK_CONCERN):
                problems[f"risk_{partner}_{key}"] = [RISK_UNANSWERED]
        concerns = [label.lower() for key, label in note_templates.RISK_ITEMS
                    if entry.get(key) == note_templates.RISK_CONCERN]
        if concerns and not str(entry.get("safety_plan") or "").strip():
            problems[f"risk_{partner}_safety_plan"] = [
                f"A concern was noted ({', '.join(concerns)}): write the safety plan for {partner_label} before "
                "signing."
            ]
    return problems


def clean_interventions(couple_id: Any, keys: list[str], current: list[dict[str, str]]) -> list[dict[str, str]]:
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


def clean_ratings(couple_id: Any, ratings: list[RatingInput], *, attending: str = "") -> list[RatingInput]:
    """Ratings as stored. On a both-partners objective each partner has their own rating ("a", "b"; in an
    individual session, `attending`, only that partner's); a rating without a partner there is the couple's
    single value (drafts written before values were kept per partner). An individual objective's rating names
    no partner."""
    who_of = dict(Objective.objects.filter(couple_id=couple_id).order_by("goal__problem__plan__number")
                  .values_list("lineage", "who"))
    cleaned: dict[tuple[uuid.UUID, str], RatingInput] = {}
    for rating in ratings:
        partner = rating.partner or ""
        field = f"objective_{rating.objective_lineage}" + (f"_{partner}" if partner else "")
        if rating.objective_lineage not in who_of:
            raise ValidationError({"objective_ratings": ["Choose objectives of this couple's treatment plan."]})
        who = who_of[rating.objective_lineage]
        if partner not in ("", "a", "b"):
            raise ValidationError({"objective_ratings": ["Give the partner of a rating as a or b."]})
        if who != "both":
            if partner and partner != who:
                raise ValidationError({"objective_ratings": [
                    "This objective is for one partner: rate it without naming the other partner."]})
            partner = ""
        elif partner and attending and partner != attending:
            raise ValidationError({"objective_ratings": [
                "This note is of an individual session: rate the attending partner only."]})
        comment = normalise_text(rating.comment)
        if len(comment) > RATING_COMMENT_MAX:
            raise ValidationError({f"{field}_comment": [too_long("Comment", RATING_COMMENT_MAX, len(comment))]})
        value = _as_decimal(rating.value, "Observed value", f"{field}_value")
        cleaned[(rating.objective_lineage, partner)] = RatingInput(rating.objective_lineage, value, comment, partner)
    return list(cleaned.values())


def remap_sections(old_template: str, new_template: str, content: dict[str, str]) -> dict[str, str]:
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
