"""The hash chain: each event's hash covers its content and the hash of the event before it, so an edited
or deleted event breaks the chain from there on. `verify_chain` walks it (manage.py verify_audit).

Since issue 16 the hash is keyed: HMAC-SHA256 under the audit key (keys.providers: derived from the KEK, held
outside the database), named by the event's `key_id`. Someone who can write the database but does not hold the
key cannot recompute the hashes after an edit. Events written before keying (`key_id` empty) keep their plain
SHA-256 hash and still verify; they cannot follow a keyed event, and the first keyed event's link covers them.
A cut tail (the newest events deleted) is caught by the checkpoint (audit.checkpoint), not by the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from keys.errors import KeyProviderError
from keys.providers import get_key_provider

from .models import AuditEvent

GENESIS_HASH = "0" * 64
KEYED_PREFIX = b"rapport-audit-v2|"


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
    if event.key_id:  # the version marker is itself covered, so it cannot be switched back to unkeyed
        payload["key_id"] = event.key_id
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def active_key() -> tuple[str, bytes]:
    """The id and bytes of the audit key that keys new events (from the key provider, never the database)."""
    provider = get_key_provider()
    key_id = provider.active_audit_key_id
    return key_id, provider.get_audit_key(key_id)


def compute_hash(prev_hash: str, event: AuditEvent, key: bytes | None = None) -> str:
    """The event's hash: HMAC-SHA256 under audit key `event.key_id` (`key`, if the caller has it already), or
    plain SHA-256 for an event from before keying (empty `key_id`)."""
    if not event.key_id:
        return hashlib.sha256(prev_hash.encode() + b"|" + _canonical(event)).hexdigest()
    if key is None:
        key = get_key_provider().get_audit_key(event.key_id)
    return hmac.new(key, KEYED_PREFIX + prev_hash.encode() + b"|" + _canonical(event), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


@dataclass(frozen=True)
class ChainWalk:
    """What a walk of the chain found."""

    checked: int
    keyed: int
    last_id: int | None
    broken: ChainBreak | None
    hashes: dict[int, str]  # the hashes of the events asked for (the checkpoint's), as found


def walk_chain(*, chunk_size: int = 2000, remember: frozenset[int] = frozenset()) -> ChainWalk:
    """Walk the chain in order up to the first break; remember the hashes of the events whose ids are in
    `remember` (verified up to them)."""
    checked = keyed = 0
    prev_hash = GENESIS_HASH
    last_id = None
    keys: dict[str, bytes] = {}
    hashes: dict[int, str] = {}
    provider = get_key_provider()

    def broken(event: AuditEvent, reason: str) -> ChainWalk:
        return ChainWalk(checked, keyed, last_id, ChainBreak(event.id, reason), hashes)

    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        checked += 1
        if event.prev_hash != prev_hash:
            return broken(event, "its link to the previous event does not match: an event before it was deleted "
                                 "or edited")
        if event.key_id:
            if event.key_id not in keys:
                try:
                    keys[event.key_id] = provider.get_audit_key(event.key_id)
                except KeyProviderError:
                    return broken(event, f"it names audit key {event.key_id!r}, which the key provider does not "
                                         "hold: it was written with another key, or the key was lost")
            keyed += 1
        elif keyed:
            return broken(event, "it is not keyed although events before it are: it was written or rewritten "
                                 "without the audit key")
        if compute_hash(event.prev_hash, event, keys.get(event.key_id)) != event.hash:
            return broken(event, "its content does not match its hash: this event was edited, or its hash "
                                 "recomputed without the audit key")
        prev_hash = event.hash
        last_id = event.id
        if event.id in remember:
            hashes[event.id] = event.hash
    return ChainWalk(checked, keyed, last_id, None, hashes)


def verify_chain(chunk_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """Walk the chain in order. Return (events checked, the first event that does not verify, or None)."""
    walk = walk_chain(chunk_size=chunk_size)
    return walk.checked, walk.broken
