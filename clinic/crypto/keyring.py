"""Data keys (DEKs): one per couple, one per practice, each stored only wrapped by the KEK.

Unwrapped keys are cached in this process's memory for RAPPORT_DEK_CACHE_SECONDS (never in Django's
cache, which may be Redis). Callers pass a `KeyOwner`; a value can only be opened with a key that belongs
to the owner the reader expects.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import envelope
from .errors import DecryptionError, KeyringError, KeyShreddedError
from .keys import get_key_provider

DEK_BYTES = 32
CHECK_OWNER_ID = uuid.UUID(int=0)


@dataclass(frozen=True)
class KeyOwner:
    """Whose data key seals a value: a couple (case), a practice (identity), a practice's blind index."""

    kind: str  # "couple" | "practice" | "index" | "check"
    id: uuid.UUID

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


CHECK_OWNER = KeyOwner("check", CHECK_OWNER_ID)

_lock = threading.Lock()
_keys_by_id: dict[uuid.UUID, tuple[bytes, KeyOwner, float]] = {}
_active_by_owner: dict[KeyOwner, tuple[uuid.UUID, float]] = {}


def clear_cache() -> None:
    with _lock:
        _keys_by_id.clear()
        _active_by_owner.clear()


def forget_owner(owner: KeyOwner) -> None:
    with _lock:
        _active_by_owner.pop(owner, None)
        for key_id in [k for k, (_, o, _) in _keys_by_id.items() if o == owner]:
            del _keys_by_id[key_id]


def _remember(key_id: uuid.UUID, dek: bytes, owner: KeyOwner, active: bool) -> None:
    expires = time.monotonic() + settings.RAPPORT_DEK_CACHE_SECONDS
    with _lock:
        _keys_by_id[key_id] = (dek, owner, expires)
        if active:
            _active_by_owner[owner] = (key_id, expires)


def owner_of(row) -> KeyOwner:
    return KeyOwner(row.owner_kind, row.owner_id)


def unwrap(row) -> bytes:
    """Open one DataKey row with the KEK it names. Raises KeyringError on a wrong KEK."""
    provider = get_key_provider()
    kek = provider.get_kek(row.kek_id)
    aad = envelope.dek_aad(row.id, str(owner_of(row)), row.kek_id)
    try:
        return envelope.unwrap_key(kek, bytes(row.wrapped_key), aad)
    except DecryptionError:
        raise KeyringError(
            f"The key-encryption key {row.kek_id!r} from {provider.describe()} cannot open data key "
            f"{row.id}. Check that setting: it must hold the key this database was created with."
        ) from None


def wrap_new(dek: bytes, dek_id: uuid.UUID, owner: KeyOwner) -> tuple[str, bytes]:
    provider = get_key_provider()
    kek_id = provider.active_kek_id
    aad = envelope.dek_aad(dek_id, str(owner), kek_id)
    return kek_id, envelope.wrap_key(provider.get_kek(kek_id), dek, aad)


def create_key(owner: KeyOwner, *, state: str = "active"):
    """Create and store a new wrapped DEK for owner. Returns the DataKey row."""
    from clinic.models import DataKey

    dek = secrets.token_bytes(DEK_BYTES)
    dek_id = uuid.uuid4()
    kek_id, wrapped = wrap_new(dek, dek_id, owner)
    row = DataKey.objects.create(
        id=dek_id, owner_kind=owner.kind, owner_id=owner.id, kek_id=kek_id, wrapped_key=wrapped, state=state
    )
    _remember(dek_id, dek, owner, active=state == "active")
    return row


def active_key(owner: KeyOwner) -> tuple[uuid.UUID, bytes]:
    """The owner's current DEK, created on first use."""
    from clinic.models import DataKey

    now = time.monotonic()
    with _lock:
        hit = _active_by_owner.get(owner)
        if hit and hit[1] > now and hit[0] in _keys_by_id:
            return hit[0], _keys_by_id[hit[0]][0]
    row = DataKey.objects.filter(owner_kind=owner.kind, owner_id=owner.id, state=DataKey.State.ACTIVE).first()
    if row is None:
        if DataKey.objects.filter(owner_kind=owner.kind, owner_id=owner.id, state=DataKey.State.SHREDDED).exists():
            raise KeyShreddedError(f"The data key of {owner} was destroyed; nothing new can be written to it.")
        try:
            with transaction.atomic():
                row = create_key(owner)
        except IntegrityError:  # another process created it first
            row = DataKey.objects.get(owner_kind=owner.kind, owner_id=owner.id, state=DataKey.State.ACTIVE)
    dek = unwrap(row)
    _remember(row.id, dek, owner, active=True)
    return row.id, dek


def key_by_id(key_id: uuid.UUID, owner: KeyOwner) -> bytes:
    """The DEK a value names in its header, refused if it belongs to another owner."""
    from clinic.models import DataKey

    with _lock:
        hit = _keys_by_id.get(key_id)
    if hit and hit[2] > time.monotonic():
        if hit[1] != owner:
            raise DecryptionError(f"The value was sealed with a key of another owner, not {owner.kind} {owner.id}.")
        return hit[0]
    row = DataKey.objects.filter(pk=key_id).first()
    if row is None:
        raise DecryptionError(f"The value names data key {key_id}, which does not exist.")
    if owner_of(row) != owner:
        raise DecryptionError(f"The value was sealed with a key of another owner, not {owner.kind} {owner.id}.")
    if row.state == DataKey.State.SHREDDED:
        raise KeyShreddedError(f"The data key of {owner} was destroyed on {row.shredded_at:%Y-%m-%d}.")
    dek = unwrap(row)
    _remember(row.id, dek, owner, active=False)
    return dek


def seal(plaintext: bytes, owner: KeyOwner, aad: bytes) -> bytes:
    key_id, dek = active_key(owner)
    return envelope.seal_value(dek, key_id, plaintext, aad)


def open_sealed(blob: bytes, owner: KeyOwner, aad: bytes) -> bytes:
    dek = key_by_id(envelope.key_id_of(blob), owner)
    return envelope.open_value(dek, blob, aad)


def ensure_check_key() -> None:
    """Create the keyring's check value if this database has none yet (first migrate)."""
    from clinic.models import DataKey

    if not DataKey.objects.filter(owner_kind="check").exists():
        create_key(CHECK_OWNER)


def verify_kek() -> None:
    """Raise KeyringError/KeyProviderError unless the configured KEK opens the keyring's check value."""
    from clinic.models import DataKey

    row = DataKey.objects.filter(owner_kind="check", state=DataKey.State.ACTIVE).first()
    if row is not None:
        unwrap(row)


def mark_shredded(row) -> None:
    """Destroy the wrapped key material of one DataKey row (the row stays, as evidence)."""
    row.wrapped_key = b""
    row.state = row.State.SHREDDED
    row.shredded_at = timezone.now()
    row.save(update_fields=["wrapped_key", "state", "shredded_at"])
    forget_owner(owner_of(row))
