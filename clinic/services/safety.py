"""Recording a partner's suicide-risk screen (C-SSRS screener) and safety plan (Stanley & Brown 2012).

Both are versioned by appending: a new screen or a changed plan is a new row with the next number, and every
earlier one stays readable. A write names the number it was based on (0 when there was none); if another
clinician saved in between, it is refused with StaleVersion (a 409 in the API), never silently layered on
top. Text and answers are encrypted under the couple's key; audit events carry ids, numbers and the triage
level only. The rules are in clinic.cssrs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import record_event
from clinic import cssrs
from clinic.models import Couple, PartnerPosition, SafetyPlan, SuicideScreen, User
from rapport.versioning import StaleVersion


def _check_partner(partner: str) -> None:
    if partner not in PartnerPosition.values:
        raise ValidationError({"partner": ["Choose partner A or partner B."]})


def _lock_couple(couple: Couple) -> None:
    # Serialises the numbering of a couple's screens and plans (the unique constraints back it up).
    Couple.objects.select_for_update().only("pk").get(pk=couple.pk)


def current_number(model: type[SuicideScreen] | type[SafetyPlan], couple: Couple, partner: str) -> int:
    latest = model.objects.filter(couple=couple, partner=partner).order_by("-number").values_list(
        "number", flat=True).first()
    return latest or 0


def check_screen(answers: Mapping[str, Any]) -> dict[str, bool | None]:
    """The answers cleaned by the screener's skip logic, or a ValidationError keyed by question."""
    clean, errors = cssrs.screen_errors(answers)
    if errors:
        raise ValidationError(errors)
    return clean


def check_plan(sections: Mapping[str, str]) -> dict[str, str]:
    """The sections stripped, or a ValidationError keyed by section."""
    errors = cssrs.plan_errors(sections)
    if errors:
        raise ValidationError(errors)
    return {name: (sections.get(name) or "").strip() for name in cssrs.PLAN_FIELDS}


def suicide_screen_record(
    *, couple: Couple, partner: str, by: User, answers: Mapping[str, Any], base_version: int | None = None,
) -> SuicideScreen:
    """Record a partner's C-SSRS screener as their next screen. Callers: a clinician who may read the couple
    (the same people who act on its risk register). `base_version` is the number of the latest screen the
    caller saw (0 for none)."""
    _check_partner(partner)
    clean = check_screen(answers)
    with transaction.atomic():
        _lock_couple(couple)
        screen = _screen_in_transaction(couple=couple, partner=partner, by=by, answers=clean,
                                        base_version=base_version)
    return screen


def _screen_in_transaction(*, couple: Couple, partner: str, by: User, answers: dict[str, bool | None],
                           base_version: int | None) -> SuicideScreen:
    number = current_number(SuicideScreen, couple, partner)
    if base_version is not None and base_version != number:
        raise StaleVersion(number)
    screen = SuicideScreen(couple=couple, partner=partner, number=number + 1, answers=answers, recorded_by=by)
    screen.full_clean(validate_constraints=False)
    screen.save(force_insert=True)
    record_event("suicide_screen.record", actor=by, obj=screen,
                 detail={"partner": partner, "number": screen.number, "triage": screen.triage})
    return screen


def safety_plan_save(
    *, couple: Couple, partner: str, by: User, sections: Mapping[str, str], base_version: int | None = None,
) -> SafetyPlan:
    """Save a partner's safety plan as its next version (unchanged text adds no version and returns the plan
    in force). `base_version` is the number of the version the caller edited (0 for a first plan)."""
    _check_partner(partner)
    clean = check_plan(sections)
    with transaction.atomic():
        _lock_couple(couple)
        plan = _plan_in_transaction(couple=couple, partner=partner, by=by, sections=clean,
                                    base_version=base_version)
    return plan


def _plan_in_transaction(*, couple: Couple, partner: str, by: User, sections: dict[str, str],
                         base_version: int | None) -> SafetyPlan:
    current = SafetyPlan.objects.filter(couple=couple, partner=partner).order_by("-number").first()
    number = current.number if current is not None else 0
    if base_version is not None and base_version != number:
        raise StaleVersion(number)
    if current is not None and current.sections() == sections:
        return current
    plan = SafetyPlan(couple=couple, partner=partner, number=number + 1, made_by=by, **sections)
    plan.full_clean(validate_constraints=False)
    plan.save(force_insert=True)
    record_event("safety_plan.save", actor=by, obj=plan, detail={"partner": partner, "number": plan.number})
    return plan


def follow_up_in_transaction(
    *, couple: Couple, partner: str, by: User, screen_answers: Mapping[str, Any] | None,
    safety_plan: Mapping[str, str] | None, plan_base_version: int | None, plan_not_made: str,
) -> tuple[SuicideScreen, SafetyPlan | None, str | None]:
    """The structured follow-up a suicide or self-harm risk needs before it is acknowledged (called by
    clinic.services.risks.risk_acknowledge inside its transaction): a completed screen, and a safety plan,
    either written now, or already in force for the partner, or else a documented reason why none was made,
    which is accepted only after a negative or low-risk screen. Errors name the form's fields."""
    errors: dict[str, list[str]] = {}
    clean_screen: dict[str, bool | None] = {}
    if screen_answers is None:
        errors["screen"] = ["Record the C-SSRS screen with the partner before acknowledging a suicide risk."]
    else:
        clean_screen, screen_errs = cssrs.screen_errors(screen_answers)
        errors.update(screen_errs)
    plan_text = {name: (value or "").strip() for name, value in (safety_plan or {}).items()}
    writing_plan = any(plan_text.values())
    not_made = (plan_not_made or "").strip()
    if writing_plan:
        errors.update(cssrs.plan_errors(plan_text))
    elif len(not_made) > cssrs.PLAN_SECTION_MAX:
        errors["safety_plan_not_made"] = [f"Keep it under {cssrs.PLAN_SECTION_MAX:,} characters."]
    current_plan = SafetyPlan.objects.filter(couple=couple, partner=partner).order_by("-number").first()
    if not writing_plan and current_plan is None and not not_made:
        errors["safety_plan"] = ["Make a safety plan with the partner (the six Stanley\u2013Brown steps), or write "
                                 "why none was made (for example: screen negative)."]
    elif (not writing_plan and current_plan is None and not errors
          and cssrs.triage(clean_screen) not in cssrs.PLAN_OPTIONAL_AT):
        errors["safety_plan"] = ["The screen shows moderate or high risk: make a safety plan with the partner; "
                                 "a reason alone is not enough."]
    if errors:
        raise ValidationError(errors)
    _lock_couple(couple)
    screen = _screen_in_transaction(couple=couple, partner=partner, by=by, answers=clean_screen,
                                    base_version=None)
    if writing_plan:
        plan = _plan_in_transaction(couple=couple, partner=partner, by=by,
                                    sections={name: plan_text.get(name, "") for name in cssrs.PLAN_FIELDS},
                                    base_version=plan_base_version)
        return screen, plan, None
    return screen, current_plan, None if current_plan is not None else not_made
