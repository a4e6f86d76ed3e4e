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

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import envelope
from .errors import DecryptionError, KeyringError, KeyShreddedError
from .models import DataKey
from .providers import get_key_provider

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

class _CachedKey:
    """An unwrapped DEK with its ready AES-GCM object and the header bytes of values it seals."""

    __slots__ = ("key_id", "owner", "owner_key", "aead", "header", "expires", "dek")

    def __init__(self, key_id: uuid.UUID, dek: bytes, owner: KeyOwner, expires: float) -> None:
        self.key_id = key_id
        self.dek = dek
        self.owner = owner
        self.owner_key = _owner_key(owner)
        self.aead = AESGCM(dek)
        self.header = envelope.value_header(key_id)
        self.expires = expires

    def __repr__(self) -> str:
        return f"<_CachedKey {self.key_id} {self.owner}>"


_lock = threading.Lock()
_keys_by_id: dict[bytes, _CachedKey] = {}  # by the 16 id bytes found in a value's header
_active_by_owner: dict[tuple[str, int], _CachedKey] = {}  # by _owner_key(owner)
_uncommitted: set[uuid.UUID] = set()  # created in a transaction not yet committed: never cached


def clear_cache() -> None:
    with _lock:
        _keys_by_id.clear()
        _active_by_owner.clear()


def _owner_key(owner: KeyOwner) -> tuple[str, int]:
    # Plain tuple keys hash and compare in C; KeyOwner's dataclass and UUID methods run in Python.
    owner_id = owner.id
    return (owner.kind, owner_id.int if type(owner_id) is uuid.UUID else uuid.UUID(str(owner_id)).int)


def forget_owner(owner: KeyOwner) -> None:
    with _lock:
        _active_by_owner.pop(_owner_key(owner), None)
        for key_bytes in [k for k, entry in _keys_by_id.items() if entry.owner == owner]:
            del _keys_by_id[key_bytes]


def _entry(key_id: uuid.UUID, dek: bytes, owner: KeyOwner, active: bool) -> _CachedKey:
    """Wrap an unwrapped key for use, and cache it unless it was created in an uncommitted transaction."""
    entry = _CachedKey(key_id, dek, owner, time.monotonic() + settings.RAPPORT_DEK_CACHE_SECONDS)
    with _lock:
        if key_id not in _uncommitted:
            _keys_by_id[key_id.bytes] = entry
            if active:
                _active_by_owner[entry.owner_key] = entry
    return entry


def _remember(key_id: uuid.UUID, dek: bytes, owner: KeyOwner, active: bool) -> None:
    _entry(key_id, dek, owner, active)


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
    return create_keys([owner], state=state)[0]


def create_keys(owners: list[KeyOwner], *, state: str = "active") -> list:
    """Create and store a new wrapped DEK for each owner, in one INSERT (bulk seeding uses it for many).

    The keys are cached once the transaction commits."""
    rows, deks = [], []
    for owner in owners:
        dek = secrets.token_bytes(DEK_BYTES)
        dek_id = uuid.uuid4()
        kek_id, wrapped = wrap_new(dek, dek_id, owner)
        rows.append(DataKey(id=dek_id, owner_kind=owner.kind, owner_id=owner.id, kek_id=kek_id, wrapped_key=wrapped,
                            state=state))
        deks.append(dek)
    DataKey.objects.bulk_create(rows)
    for row, dek, owner in zip(rows, deks, owners, strict=True):
        _remember_after_commit(row.id, dek, owner, active=state == "active")
    return rows


def _remember_after_commit(key_id: uuid.UUID, dek: bytes, owner: KeyOwner, active: bool) -> None:
    # A key created inside a transaction that later rolls back must not stay cached: values sealed
    # with it would name a key that does not exist once the cache expires.
    if not transaction.get_connection().in_atomic_block:
        _remember(key_id, dek, owner, active)
        return

    def committed() -> None:
        with _lock:
            _uncommitted.discard(key_id)
        _remember(key_id, dek, owner, active)

    with _lock:
        _uncommitted.add(key_id)
    transaction.on_commit(committed)


def _active_entry(owner: KeyOwner) -> _CachedKey:
    hit = _active_by_owner.get(_owner_key(owner))
    if hit is not None and hit.expires > time.monotonic():
        return hit
    return _load_active_entry(owner)


def _load_active_entry(owner: KeyOwner) -> _CachedKey:
    row = DataKey.objects.filter(owner_kind=owner.kind, owner_id=owner.id, state=DataKey.State.ACTIVE).first()
    if row is None:
        if DataKey.objects.filter(owner_kind=owner.kind, owner_id=owner.id, state=DataKey.State.SHREDDED).exists():
            raise KeyShreddedError(f"The data key of {owner} was destroyed; nothing new can be written to it.")
        try:
            with transaction.atomic():
                row = create_key(owner)
        except IntegrityError:  # another process created it first
            row = DataKey.objects.get(owner_kind=owner.kind, owner_id=owner.id, state=DataKey.State.ACTIVE)
    return _entry(row.id, unwrap(row), owner, active=True)


def active_key(owner: KeyOwner) -> tuple[uuid.UUID, bytes]:
    """The owner's current DEK, created on first use."""
    entry = _active_entry(owner)
    return entry.key_id, entry.dek


def _entry_by_id(key_bytes: bytes, owner: KeyOwner) -> _CachedKey:
    hit = _keys_by_id.get(key_bytes)
    if hit is not None and hit.expires > time.monotonic():
        if hit.owner_key != _owner_key(owner):
            raise DecryptionError(f"The value was sealed with a key of another owner, not {owner.kind} {owner.id}.")
        return hit
    return _load_entry_by_id(key_bytes, owner)


def _load_entry_by_id(key_bytes: bytes, owner: KeyOwner) -> _CachedKey:
    key_id = uuid.UUID(bytes=bytes(key_bytes))
    row = DataKey.objects.filter(pk=key_id).first()
    if row is None:
        raise DecryptionError(f"The value names data key {key_id}, which does not exist.")
    if owner_of(row) != owner:
        raise DecryptionError(f"The value was sealed with a key of another owner, not {owner.kind} {owner.id}.")
    if row.state == DataKey.State.SHREDDED:
        raise KeyShreddedError(f"The data key of {owner} was destroyed on {row.shredded_at:%Y-%m-%d}.")
    return _entry(row.id, unwrap(row), owner, active=False)


def seal(plaintext: bytes, owner: KeyOwner, aad: bytes) -> bytes:
    entry = _active_entry(owner)
    return envelope.seal_with(entry.aead, entry.header, plaintext, aad)


def open_sealed(blob: bytes, owner: KeyOwner, aad: bytes) -> bytes:
    entry = _entry_by_id(envelope.key_id_bytes(blob), owner)
    return envelope.open_with(entry.aead, blob, aad)


def ensure_check_key() -> None:
    """Create the keyring's check value if this database has none yet (first migrate)."""
    if not DataKey.objects.filter(owner_kind="check").exists():
        create_key(CHECK_OWNER)


def verify_kek() -> None:
    """Raise KeyringError/KeyProviderError unless the configured KEK opens the keyring's check value."""
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
