"""Reads of a practice's service-code table (notes.models.ServiceCodeRule; the rules: notes.code_rules).

Service codes are billing data, not clinical text: no couple is involved. One query each.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from notes.code_rules import DEFAULT_CODE_RULES, CodeRule
from notes.models import ServiceCodeKind, ServiceCodeRule

KIND_ORDER = [kind for kind, _ in ServiceCodeKind.choices]


def stored_rules(practice_id: Any) -> QuerySet[ServiceCodeRule]:
    """The practice's own rows (empty: it uses the defaults)."""
    return ServiceCodeRule.objects.filter(practice_id=practice_id).order_by("kind", "min_minutes", "id")


def code_rules_for(practice_id: Any) -> tuple[CodeRule, ...]:
    """The rules sessions of this practice are coded by: its table, or DEFAULT_CODE_RULES when it has none."""
    rows = [CodeRule(row.kind, row.min_minutes, row.max_minutes, row.code) for row in stored_rules(practice_id)]
    return tuple(rows) if rows else DEFAULT_CODE_RULES


def rules_table(practice_id: Any) -> tuple[list[Any], bool]:
    """The rows to show on the administrator's page, by kind (intake, joint, individual) then minutes, and
    whether they are the defaults (no row of the practice's own yet)."""
    rows: list[Any] = list(stored_rules(practice_id))
    defaults = not rows
    if defaults:
        rows = list(DEFAULT_CODE_RULES)
    rows.sort(key=lambda row: (KIND_ORDER.index(row.kind), row.min_minutes))
    return rows, defaults
