"""Writes to a practice's trust-issue library (plans.models.LibraryItem).

Library text is generic clinical wording, not about any client, so it is stored in clear. Plans copy
from it (see plans.services.from_library.plan_add_from_library); a copy never points back for its text, so
editing the library never changes a plan and editing a plan never changes the library.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from audit.services import record_event
from clinic.models import Practice, User
from plans.library_data import default_items
from plans.models import LibraryItem, LibraryKind

LIBRARY_FIELDS = (
    "title", "description", "behavioural_definition", "goal_text", "objective_text", "metric", "unit",
    "direction", "approach", "frequency", "source", "active",
)

# What each kind needs to be usable in a plan, with the message shown when it is missing.
REQUIRED_BY_KIND: dict[str, dict[str, str]] = {
    LibraryKind.CAUSE: {
        "title": "Enter a title.",
        "behavioural_definition": "Enter the behavioural definition: it becomes the problem's definition.",
        "goal_text": "Enter the long-term goal that comes with this cause.",
    },
    LibraryKind.SIGN: {
        "title": "Enter a title.",
        "objective_text": "Enter the objective this sign suggests.",
        "metric": "Enter what is counted or rated, for example checking episodes.",
        "unit": "Enter the unit, for example per week or 0-10 rating.",
        "direction": "Choose whether lower or higher is better.",
    },
    LibraryKind.INTERVENTION: {
        "title": "Enter a title.",
        "description": "Describe what the intervention involves.",
        "approach": "Choose the approach.",
    },
}


def ensure_practice_library(practice: Practice, *, by: User | None = None) -> int:
    """Give `practice` every default library item it does not have yet (matched by slug); return how many
    were created. Idempotent and safe to call on every library page: existing items, edited or not, are
    never changed, and two concurrent first calls create each item once (the unique slug decides)."""
    existing = set(LibraryItem.objects.filter(practice=practice).values_list("slug", flat=True))
    missing = [LibraryItem(practice=practice, **item) for item in default_items() if item["slug"] not in existing]
    if not missing:
        return 0
    with transaction.atomic():
        LibraryItem.objects.bulk_create(missing, ignore_conflicts=True)
        record_event("library.seed", actor=by, object_type="clinic.practice", object_id=practice.pk,
                     detail={"items": len(missing)})
    return len(missing)


def _check_kind_fields(item: LibraryItem) -> None:
    errors = {name: message for name, message in REQUIRED_BY_KIND[item.kind].items()
              if not str(getattr(item, name) or "").strip()}
    if errors:
        raise ValidationError(errors)


def library_item_create(*, practice: Practice, by: User, kind: str, **fields: Any) -> LibraryItem:
    """Add an item of the practice's own to its library. Any clinician of the practice may call this."""
    if kind not in LibraryKind.values:
        raise ValidationError({"kind": "Choose cause, sign or intervention."})
    item = LibraryItem(practice=practice, kind=kind, **{k: v for k, v in fields.items() if k in LIBRARY_FIELDS})
    item.slug = f"custom-{slugify(item.title)[:50] or 'item'}-{uuid.uuid4().hex[:8]}"
    _check_kind_fields(item)
    item.full_clean()
    with transaction.atomic():
        item.save()
        record_event("library_item.create", actor=by, obj=item, detail={"kind": kind})
    return item


def library_item_update(*, item: LibraryItem, by: User, **fields: Any) -> LibraryItem:
    """Change a library item of the caller's practice. Plans built from it keep their own copies."""
    changed = [name for name, value in fields.items() if name in LIBRARY_FIELDS and getattr(item, name) != value]
    if not changed:
        return item
    for name in changed:
        setattr(item, name, fields[name])
    _check_kind_fields(item)
    item.full_clean()
    with transaction.atomic():
        item.save()
        record_event("library_item.update", actor=by, obj=item, detail={"fields": sorted(changed)})
    return item
