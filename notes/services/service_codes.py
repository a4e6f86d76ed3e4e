"""Writes to a practice's service-code table (notes.models.ServiceCodeRule), by its administrator.

A practice starts on the cited defaults (notes.code_rules.DEFAULT_CODE_RULES): its first change saves a copy of
them as its own rows, then applies the change. Rules: a kind, a minimum and an optional maximum length in
minutes (the maximum not below the minimum, both at most a working day), a code of letters, digits and
hyphens; ranges of one kind never overlap, so a session's code never depends on the order of the rows; the
table keeps at least one row (with none it would silently fall back to the defaults). Keyword-only
functions; each validates, locks the practice (two administrators cannot add overlapping rows at once), runs
in one transaction and writes its audit event there (ids, kind and code: billing data, no clinical text).
Callers have checked that `by` administers the practice (clinic.access.admin_required).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import record_event
from clinic.models import Practice, User
from notes.code_rules import DEFAULT_CODE_RULES
from notes.models import ServiceCodeKind, ServiceCodeRule
from notes.services.sessions import MAX_DURATION_MINUTES as LONGEST_MINUTES

__all__ = ["service_code_rule_add", "service_code_rule_update", "service_code_rule_remove",
           "service_code_rules_adopt_defaults", "LONGEST_MINUTES"]

CODE_PATTERN = re.compile(r"[0-9A-Z][0-9A-Z-]{0,9}")
LAST_ROW = ("Keep at least one row: with none, sessions would be coded by Rapport's defaults without your "
            "practice seeing it. Change this row instead, or add its replacement first.")


def _locked_practice(practice: Practice) -> Practice:
    return Practice.objects.select_for_update().get(pk=practice.pk)


def _adopt_defaults(practice: Practice, by: User) -> int:
    """Save the defaults as the practice's own rows, if it has none yet (inside the caller's transaction)."""
    if ServiceCodeRule.objects.filter(practice=practice).exists():
        return 0
    ServiceCodeRule.objects.bulk_create([
        ServiceCodeRule(practice=practice, kind=rule.kind, min_minutes=rule.min_minutes,
                        max_minutes=rule.max_minutes, code=rule.code)
        for rule in DEFAULT_CODE_RULES
    ])
    record_event("service_codes.adopt_defaults", actor=by, object_type="clinic.practice", object_id=practice.pk,
                 detail={"rows": len(DEFAULT_CODE_RULES)})
    return len(DEFAULT_CODE_RULES)


def _range_text(low: int, high: int | None) -> str:
    return f"{low} minutes or more" if high is None else f"{low} to {high} minutes"


def _validate(rule: ServiceCodeRule, before: ServiceCodeRule | None = None) -> None:
    """Field rules, then the overlap with the practice's other rows of the same kind (`before`: the row as
    stored, when it is being changed)."""
    rule.code = (rule.code or "").strip().upper()
    errors: dict[str, list[str]] = {}
    if rule.kind not in ServiceCodeKind.values:
        errors["kind"] = ["Choose what the code is for: the intake, a joint session or an individual session."]
    if rule.min_minutes is None or not 0 <= rule.min_minutes <= LONGEST_MINUTES:
        errors["min_minutes"] = [f"Give the shortest length in whole minutes, from 0 to {LONGEST_MINUTES}."]
    if rule.max_minutes is not None and not 1 <= rule.max_minutes <= LONGEST_MINUTES:
        errors["max_minutes"] = [f"Give the longest length in whole minutes, up to {LONGEST_MINUTES}, or leave it "
                                 "empty for no upper limit."]
    elif rule.max_minutes is not None and rule.min_minutes is not None and rule.max_minutes < rule.min_minutes:
        errors["max_minutes"] = ["The longest length cannot be shorter than the shortest."]
    if not CODE_PATTERN.fullmatch(rule.code):
        errors["code"] = ["Give the code: up to 10 letters, digits or hyphens, starting with a letter or digit "
                          "(for example 90834)."]
    if errors:
        raise ValidationError(errors)
    overlaps = _overlap_errors(rule, before)
    if overlaps:
        raise ValidationError(overlaps)
    rule.full_clean(exclude=["practice"], validate_constraints=False)


def _overlap_errors(rule: ServiceCodeRule, before: ServiceCodeRule | None) -> dict[str, list[str]]:
    """The overlaps with the practice's other rows of the kind, each on the field that causes it: "From" when the
    range starts inside another row, "To" when it ends inside one; a row lying whole inside the range, or a
    range lying whole inside a row, goes on the bound that was changed ("To" when adding or when both
    changed). Every overlapping row is named, so the administrator sees all there is to fix at once."""
    def blame(*candidates: str) -> str:
        changed = [name for name in candidates if before is None or getattr(before, name) != getattr(rule, name)]
        return changed[0] if len(changed) == 1 else candidates[-1]

    kind = ServiceCodeKind(rule.kind).label.lower()
    high = rule.max_minutes if rule.max_minutes is not None else LONGEST_MINUTES + 1
    found: dict[str, list[str]] = {}
    others = ServiceCodeRule.objects.filter(practice_id=rule.practice_id, kind=rule.kind).exclude(pk=rule.pk)
    for other in others.order_by("min_minutes"):
        other_high = other.max_minutes if other.max_minutes is not None else LONGEST_MINUTES + 1
        if not (rule.min_minutes <= other_high and other.min_minutes <= high):
            continue
        starts_inside = other.min_minutes <= rule.min_minutes <= other_high
        ends_inside = other.min_minutes <= high <= other_high
        row = f"{_range_text(other.min_minutes, other.max_minutes)} (code {other.code})"
        if starts_inside and ends_inside:
            field, how = blame("min_minutes", "max_minutes"), "lies inside it"
        elif starts_inside:
            field, how = "min_minutes", "starts inside it"
        elif ends_inside:
            field, how = "max_minutes", "ends inside it"
        else:
            field, how = blame("min_minutes", "max_minutes"), "contains it whole"
        found.setdefault(field, []).append(f"This range overlaps the {kind} row for {row}: it {how}.")
    return {field: [" ".join([*messages, "Change one of them so that each length has one code."])]
            for field, messages in found.items()}


def service_code_rules_adopt_defaults(*, practice: Practice, by: User) -> int:
    """Start editing: save the defaults as the practice's own table (nothing if it has one). Returns the rows
    created. Writes `service_codes.adopt_defaults`."""
    with transaction.atomic():
        return _adopt_defaults(_locked_practice(practice), by)


def service_code_rule_add(*, practice: Practice, by: User, kind: str, min_minutes: int, max_minutes: int | None,
                          code: str) -> ServiceCodeRule:
    """Add a row (after saving the defaults as the practice's table, if it has none). Writes
    `service_codes.add`."""
    with transaction.atomic():
        practice = _locked_practice(practice)
        _adopt_defaults(practice, by)
        rule = ServiceCodeRule(practice=practice, kind=kind, min_minutes=min_minutes, max_minutes=max_minutes,
                               code=code)
        _validate(rule)
        rule.save()
        record_event("service_codes.add", actor=by, obj=rule, detail={"kind": rule.kind, "code": rule.code})
    return rule


def service_code_rule_update(*, rule: ServiceCodeRule, by: User, kind: str, min_minutes: int,
                             max_minutes: int | None, code: str) -> ServiceCodeRule:
    """Change a row. Writes `service_codes.update` with the fields changed."""
    with transaction.atomic():
        _locked_practice(rule.practice)
        current = ServiceCodeRule.objects.get(pk=rule.pk)
        before = ServiceCodeRule(kind=current.kind, min_minutes=current.min_minutes, max_minutes=current.max_minutes)
        current.kind, current.min_minutes, current.max_minutes, current.code = kind, min_minutes, max_minutes, code
        _validate(current, before)
        changed = [name for name in ("kind", "min_minutes", "max_minutes", "code")
                   if getattr(current, name) != getattr(rule, name)]
        current.save()
        record_event("service_codes.update", actor=by, obj=current,
                     detail={"fields": changed, "kind": current.kind, "code": current.code})
    return current


def service_code_rule_remove(*, rule: ServiceCodeRule, by: User) -> None:
    """Remove a row; the last one stays (LAST_ROW). Writes `service_codes.remove`."""
    with transaction.atomic():
        _locked_practice(rule.practice)
        if not ServiceCodeRule.objects.filter(practice_id=rule.practice_id).exclude(pk=rule.pk).exists():
            raise ValidationError(LAST_ROW, code="last_row")
        record_event("service_codes.remove", actor=by, obj=rule, detail={"kind": rule.kind, "code": rule.code})
        rule.delete()
