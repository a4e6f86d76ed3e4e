"""Writing the audit trail: append-only events chained by HMAC-SHA256 under the audit key (audit.chain), in the
caller's transaction; a checkpoint of the chain's end is written outside the database now and then
(audit.checkpoint).

Events name records by UUID and actions by verb. They never carry names or clinical text: `detail`
holds field names, statuses and counts only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from . import checkpoint, request_context
from .chain import GENESIS_HASH, active_key, compute_hash
from .models import AuditEvent

logger = logging.getLogger("rapport.audit")

_CHAIN_LOCK_ID = 727_274_001


def _case_model() -> str:
    """The model whose events are filed under their own id as `couple_id` (RAPPORT_CASE_MODEL)."""
    return settings.RAPPORT_CASE_MODEL.lower()


def _lock_chain() -> None:
    # SQLite runs write transactions IMMEDIATE (see settings), which already serialises writers.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])


def record_event(
    action: str,
    *,
    actor: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: Any = "",
    couple_id: Any = None,
    outcome: str = AuditEvent.Outcome.OK,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event. Call inside the transaction of the change it records.

    `obj` may be any model instance; its UUID and model label are recorded, never its fields.
    The actor, IP and request id default to the current request's.
    """
    context = request_context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        if couple_id is None:
            couple_id = obj.pk if obj._meta.label_lower == _case_model() else getattr(obj, "couple_id", None)
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_id, username, practice_id = actor.pk, actor.get_username(), actor.practice_id
    elif actor is not None and not getattr(actor, "is_anonymous", True):
        actor_id, username, practice_id = actor.pk, actor.get_username(), getattr(actor, "practice_id", None)
    else:
        actor_id, username, practice_id = context.user_id, context.username, context.practice_id
    event = AuditEvent(
        actor_id=actor_id,
        actor_username=username or "",
        practice_id=practice_id,
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=str(object_id or ""),
        couple_id=couple_id,
        ip=context.ip,
        request_id=context.request_id,
        detail=detail or {},
    )
    key_id, key = active_key()
    event.key_id = key_id
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or GENESIS_HASH
        event.hash = compute_hash(event.prev_hash, event, key)
        event.save(force_insert=True)
        checkpoint.schedule_if_due(event.id)
    logger.info("audit %s %s %s/%s", action, outcome, event.object_type, event.object_id)
    return event


def append_events(events: list[AuditEvent], *, insert: Callable[[type, list], None] | None = None) -> None:
    """Append already-built events in list order, chained after the last one, in one bulk insert.

    For bulk loaders (seed_scale) that write records without the services: same chain, same lock as
    record_event. Call inside the transaction of the records the events describe. `insert(model, rows)`
    may replace bulk_create; it must insert the rows in list order (ids follow it).
    """
    if not events:
        return
    key_id, key = active_key()
    with transaction.atomic():
        _lock_chain()
        prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        for event in events:
            event.key_id = key_id
            event.prev_hash = prev
            event.hash = prev = compute_hash(prev, event, key)
        if insert is None:
            AuditEvent.objects.bulk_create(events)
        else:
            insert(AuditEvent, events)
        checkpoint.schedule()
