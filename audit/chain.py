"""The hash chain: each event's hash covers its content and the hash of the event before it, so an edited
or deleted event breaks the chain from there on. `verify_chain` walks it (manage.py verify_audit)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .models import AuditEvent

GENESIS_HASH = "0" * 64


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
