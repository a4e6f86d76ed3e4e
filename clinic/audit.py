"""The audit trail: append-only events chained by SHA-256, written in the caller's transaction.

Events name records by UUID and actions by verb. They never carry names or clinical text: `detail`
holds field names, statuses and counts only.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from . import request_context
from .models import AuditEvent

logger = logging.getLogger("rapport.audit")

GENESIS_HASH = "0" * 64
_CHAIN_LOCK_ID = 727_274_001


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "at": event.at.isoformat(timespec="microseconds"),
        "actor_id": str(event.actor_id or ""),
        "actor_username": event.actor_username,
        "practice_id": str(event.practice_id or ""),
        "action": event.action,
        "outcome": event.outcome,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "couple_id": str(event.couple_id or ""),
        "ip": event.ip or "",
        "request_id": event.request_id,
        "detail": event.detail,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + b"|" + _canonical(event)).hexdigest()


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
            couple_id = obj.pk if obj._meta.label_lower == "clinic.couple" else getattr(obj, "couple_id", None)
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
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or GENESIS_HASH
        event.hash = compute_hash(event.prev_hash, event)
        event.save(force_insert=True)
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
    with transaction.atomic():
        _lock_chain()
        prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        for event in events:
            event.prev_hash = prev
            event.hash = prev = compute_hash(prev, event)
        if insert is None:
            AuditEvent.objects.bulk_create(events)
        else:
            insert(AuditEvent, events)


def record_decryption_failure(*, table: str, column: str, row_id: Any) -> None:
    """A stored value failed to open: tampering, a moved ciphertext, or a wrong key."""
    record_event(
        "crypto.decrypt_failed",
        object_type=table,
        object_id=row_id,
        outcome=AuditEvent.Outcome.FAILED,
        detail={"column": column},
    )


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain(chunk_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """Walk the chain in order. Return (events checked, the first event that does not verify, or None)."""
    checked = 0
    prev_hash = GENESIS_HASH
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        checked += 1
        if event.prev_hash != prev_hash:
            return checked, ChainBreak(
                event.id, "its link to the previous event does not match: an event before it was deleted or edited"
            )
        if compute_hash(event.prev_hash, event) != event.hash:
            return checked, ChainBreak(event.id, "its content does not match its hash: this event was edited")
        prev_hash = event.hash
    return checked, None
