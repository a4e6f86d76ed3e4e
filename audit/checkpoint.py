"""The audit checkpoint: the id and hash of the newest event, keyed, kept outside the database.

The keyed chain (audit.chain) stops a database writer from editing or rewriting events, but not from deleting the
newest ones: what is left still links up. The checkpoint closes that gap up to its event. It is written

- after every RAPPORT_AUDIT_CHECKPOINT_EVERY-th event (default 50), and for the first event once
  RAPPORT_AUDIT_CHECKPOINT_SECONDS (default 60) have passed since this process last wrote one, after the
  transaction commits;
- after each bulk append (seed_scale);
- when a gunicorn worker exits (rapport/gunicorn.conf.py) and by `manage.py audit_checkpoint` (run it from a timer);

to RAPPORT_AUDIT_CHECKPOINT_FILE (default var/audit-checkpoint.json, mode 0600; replaced atomically, never moved
back to an older event) and as one log line ("audit checkpoint ...") to the log stream, which may be shipped off
the host. `manage.py verify_audit` checks the file: its MAC under the audit key, that its event is still there,
and that the event's hash is the one recorded. What that does and does not prove: docs/security.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from keys.errors import KeyProviderError
from keys.providers import get_key_provider

from .models import AuditEvent

logger = logging.getLogger("rapport.audit")

MAC_PREFIX = "rapport-audit-checkpoint-v1"


class CheckpointError(Exception):
    """The checkpoint file cannot be read, or was not made with the audit key."""


@dataclass(frozen=True)
class Checkpoint:
    event_id: int
    hash: str
    key_id: str
    written_at: str
    mac: str


def path() -> Path:
    return Path(settings.RAPPORT_AUDIT_CHECKPOINT_FILE)


def _mac(key: bytes, event_id: int, event_hash: str, key_id: str, written_at: str) -> str:
    message = f"{MAC_PREFIX}|{event_id}|{event_hash}|{key_id}|{written_at}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def read_checkpoint() -> Checkpoint | None:
    """The checkpoint in the file, or None if there is no file. CheckpointError if it cannot be parsed."""
    try:
        data = json.loads(path().read_text())
        return Checkpoint(event_id=int(data["event_id"]), hash=str(data["hash"]), key_id=str(data["key_id"]),
                          written_at=str(data["written_at"]), mac=str(data["mac"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"The audit checkpoint {path()} cannot be read ({type(exc).__name__}).") from None


def check_mac(checkpoint: Checkpoint) -> bool:
    """Whether the checkpoint was made with the audit key it names (CheckpointError if that key is unknown)."""
    try:
        key = get_key_provider().get_audit_key(checkpoint.key_id)
    except KeyProviderError:
        raise CheckpointError(f"The audit checkpoint names audit key {checkpoint.key_id!r}, which the key provider "
                              "does not hold.") from None
    expected = _mac(key, checkpoint.event_id, checkpoint.hash, checkpoint.key_id, checkpoint.written_at)
    return hmac.compare_digest(expected, checkpoint.mac)


@contextlib.contextmanager
def _locked(target: Path):
    """One writer at a time across processes (gunicorn workers, task workers) on this host."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target.with_name(target.name + ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def write_checkpoint(*, reason: str = "manual") -> Checkpoint | None:
    """Record the newest committed event's id and hash, keyed, in the checkpoint file and the log stream.

    Never moves the file back to an older event (a slower process that read an earlier end keeps its hands off).
    Returns what the file holds afterwards; None while there are no events.
    """
    last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    if last is None:
        return None
    event_id, event_hash = last
    provider = get_key_provider()
    key_id = provider.active_audit_key_id
    written_at = timezone.now().isoformat(timespec="seconds")
    checkpoint = Checkpoint(event_id=event_id, hash=event_hash, key_id=key_id, written_at=written_at,
                            mac=_mac(provider.get_audit_key(key_id), event_id, event_hash, key_id, written_at))
    target = path()
    with _locked(target):
        try:
            current = read_checkpoint()
        except CheckpointError:
            current = None
        if current is not None and current.event_id >= checkpoint.event_id:
            return current
        tmp = target.with_name(target.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(asdict(checkpoint), handle)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    logger.info("audit checkpoint event=%s hash=%s key=%s at=%s mac=%s reason=%s", checkpoint.event_id,
                checkpoint.hash, checkpoint.key_id, checkpoint.written_at, checkpoint.mac, reason)
    return checkpoint


def write_quietly(reason: str) -> None:
    """After a commit: a failing checkpoint must not fail the request that wrote the event; it is logged."""
    try:
        write_checkpoint(reason=reason)
    except Exception as exc:  # noqa: BLE001 (any failure: disk full, key provider, database gone at shutdown)
        logger.warning("audit checkpoint not written (%s)", type(exc).__name__)


_last_scheduled = float("-inf")


def schedule(reason: str = "bulk") -> None:
    """Write a checkpoint once the current transaction commits (nothing if it rolls back)."""
    global _last_scheduled
    _last_scheduled = time.monotonic()
    transaction.on_commit(lambda: write_quietly(reason))


def schedule_if_due(event_id: int) -> None:
    """Called for each new event: a checkpoint every RAPPORT_AUDIT_CHECKPOINT_EVERY events, and for the first
    event once RAPPORT_AUDIT_CHECKPOINT_SECONDS have passed since this process last scheduled one."""
    every = settings.RAPPORT_AUDIT_CHECKPOINT_EVERY
    if (every and event_id % every == 0) or \
            time.monotonic() - _last_scheduled >= settings.RAPPORT_AUDIT_CHECKPOINT_SECONDS:
        schedule("every" if every and event_id % every == 0 else "interval")
