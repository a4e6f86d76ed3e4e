"""Key providers: where the key-encryption key (KEK) comes from, and the audit key derived from it.

A provider holds one *active* KEK (used to wrap new data keys) and may hold older ones (still able to
unwrap until `rotate_kek` has re-wrapped everything). Keys are never derived from SECRET_KEY.
Add a KMS or Vault provider by implementing `KeyProvider` and naming it in RAPPORT_KEY_PROVIDER.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.module_loading import import_string

from .errors import KeyProviderError

KEK_BYTES = 32
_FORMER_MODULE = "clinic.crypto.keys."


def new_kek_id() -> str:
    return "kek-" + datetime.now(UTC).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(3)


class KeyProvider(ABC):
    """Yields key-encryption keys by id. Implementations must never log or repr key bytes."""

    @property
    @abstractmethod
    def active_kek_id(self) -> str: ...

    @abstractmethod
    def get_kek(self, kek_id: str) -> bytes: ...

    def describe(self) -> str:
        """Where the key comes from, for error messages (never the key itself)."""
        return type(self).__name__

    # --- The audit key: keys the audit chain's hashes (audit.chain), so a database writer cannot forge them --
    @property
    def active_audit_key_id(self) -> str:
        """The id of the key that keys new audit events: by default the active KEK's id (its derived key)."""
        return self.active_kek_id

    def get_audit_key(self, key_id: str) -> bytes:
        """The audit key `key_id`: HKDF-SHA256 of the KEK of that id with its own label, so it is never the KEK
        itself and knowing it opens no data key. A provider may supply audit keys of its own instead."""
        return derive_audit_key(self.get_kek(key_id))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} active={self.active_kek_id}>"


AUDIT_KEY_LABEL = b"rapport audit chain v1"


@lru_cache(maxsize=16)
def derive_audit_key(kek: bytes) -> bytes:
    """The audit key derived from a KEK (HKDF-SHA256, RFC 5869, with a label of its own)."""
    return HKDF(algorithm=hashes.SHA256(), length=KEK_BYTES, salt=None, info=AUDIT_KEY_LABEL).derive(kek)


def _decode_keys(raw: dict[str, str], source: str) -> dict[str, bytes]:
    keys = {}
    for kek_id, encoded in raw.items():
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise KeyProviderError(f"Key {kek_id!r} in {source} is not valid base64.") from None
        if len(key) != KEK_BYTES:
            raise KeyProviderError(f"Key {kek_id!r} in {source} must be {KEK_BYTES} bytes.")
        keys[kek_id] = key
    return keys


class StaticKeyProvider(KeyProvider):
    """Holds keys in memory; the base of the file and environment providers."""

    def __init__(self, keys: dict[str, bytes], active: str, source: str = "memory",
                 audit_keys: dict[str, bytes] | None = None) -> None:
        if active not in keys:
            raise KeyProviderError(f"The active key {active!r} is not among the keys in {source}.")
        self._keys = dict(keys)
        self._active = active
        self._source = source
        # Audit keys kept after their KEK was retired (keys.kek_rotation.retire_old_keks): old events still verify.
        self._audit_keys = dict(audit_keys or {})

    def get_audit_key(self, key_id: str) -> bytes:
        if key_id in self._audit_keys:
            return self._audit_keys[key_id]
        if key_id not in self._keys:
            raise KeyProviderError(
                f"Audit key {key_id!r} is neither a KEK nor a kept audit key in {self._source}; "
                "events keyed with it cannot be verified."
            )
        return super().get_audit_key(key_id)

    def audit_keys_to_keep(self, kek_ids: list[str]) -> dict[str, str]:
        """The derived audit keys of KEKs about to be retired, base64, to keep in the key file ("audit_keys")."""
        return {kek_id: base64.b64encode(self.get_audit_key(kek_id)).decode() for kek_id in kek_ids}

    @property
    def active_kek_id(self) -> str:
        return self._active

    def get_kek(self, kek_id: str) -> bytes:
        try:
            return self._keys[kek_id]
        except KeyError:
            raise KeyProviderError(
                f"Key {kek_id!r} is not in {self._source}; the database needs it to open its data keys."
            ) from None

    def kek_ids(self) -> list[str]:
        return list(self._keys)

    def describe(self) -> str:
        return self._source


class FileKeyProvider(StaticKeyProvider):
    """Reads the key file named by RAPPORT_KEY_FILE: JSON {"active": id, "keys": {id: base64}}."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or settings.RAPPORT_KEY_FILE)
        source = f"the key file {self.path} (RAPPORT_KEY_FILE)"
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            raise KeyProviderError(
                f"No key file at {self.path}. Create one with `python manage.py create_key_file`, "
                "or point RAPPORT_KEY_FILE at the key file this database was created with."
            ) from None
        except (OSError, ValueError) as exc:
            raise KeyProviderError(f"Cannot read {source}: {type(exc).__name__}.") from None
        super().__init__(_decode_keys(data.get("keys", {}), source), data.get("active", ""), source,
                         audit_keys=_decode_keys(data.get("audit_keys", {}), source))


def _environment_secret(name: str) -> str:
    """NAME, or the content of the file named by NAME_FILE (a mounted secret), like every other setting.
    Read here, not through settings, so that key material never sits in django.conf.settings."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise KeyProviderError(f"{name}_FILE names {file_path}, which cannot be read ({exc.strerror}).") from None
    return os.environ.get(name, "")


class EnvironmentKeyProvider(StaticKeyProvider):
    """Reads RAPPORT_KEK="id:base64", optional RAPPORT_OLD_KEKS="id:base64,id:base64" and, for audit events keyed
    under KEKs since removed, RAPPORT_AUDIT_KEYS="id:base64,..." (each also as *_FILE)."""

    def __init__(self) -> None:
        active = _environment_secret("RAPPORT_KEK")
        if ":" not in active:
            raise KeyProviderError('RAPPORT_KEK (or RAPPORT_KEK_FILE) must give "<key id>:<base64 32-byte key>".')
        pairs = [active] + [p for p in _environment_secret("RAPPORT_OLD_KEKS").split(",") if p.strip()]
        raw = dict(pair.strip().split(":", 1) for pair in pairs)
        audit = [p for p in _environment_secret("RAPPORT_AUDIT_KEYS").split(",") if ":" in p]
        super().__init__(_decode_keys(raw, "RAPPORT_KEK"), active.split(":", 1)[0], "RAPPORT_KEK",
                         audit_keys=_decode_keys(dict(p.strip().split(":", 1) for p in audit), "RAPPORT_AUDIT_KEYS"))


def write_key_file(path: Path, *, add_new_active: bool = False) -> tuple[str, bool]:
    """Create the key file (mode 0600) or, with add_new_active, add a fresh active KEK to it.

    Returns (active key id, whether anything was written). Old keys are kept so existing data keys
    stay openable until `rotate_kek` has re-wrapped them.
    """
    path = Path(path)
    if path.exists() and not add_new_active:
        return json.loads(path.read_text())["active"], False
    data = json.loads(path.read_text()) if path.exists() else {"keys": {}}
    kek_id = new_kek_id()
    data["keys"][kek_id] = base64.b64encode(secrets.token_bytes(KEK_BYTES)).decode()
    data["active"] = kek_id
    path.parent.mkdir(parents=True, exist_ok=True)
    write_key_data(path, data)
    return kek_id, True


def write_key_data(path: Path, data: dict) -> None:
    """Replace the key file at once (written beside it, then renamed), readable by its owner only."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)
    os.chmod(path, 0o600)


@cache
def get_key_provider() -> KeyProvider:
    path = settings.RAPPORT_KEY_PROVIDER
    if path.startswith(_FORMER_MODULE):  # deployments configured before the keys app existed keep working
        path = __name__ + path[len(_FORMER_MODULE) - 1 :]
    return import_string(path)()


def reset_key_provider() -> None:
    """Forget the loaded provider (after the key file changed, and between tests)."""
    get_key_provider.cache_clear()
