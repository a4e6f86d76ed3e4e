"""The byte format of one encrypted value, and of one wrapped data key.

value  = version (1 byte) | data key id (16 bytes, UUID) | nonce (12 bytes) | AES-256-GCM ciphertext + tag
wrapped DEK = nonce (12 bytes) | AES-256-GCM(KEK, DEK) + tag

Associated data is never stored: the reader rebuilds it from where the value is found (table, column,
row id, key owner), so a value copied anywhere else fails authentication instead of decrypting.
"""

from __future__ import annotations

import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import DecryptionError

FORMAT_VERSION = 1
NONCE_BYTES = 12
KEY_ID_BYTES = 16
HEADER_BYTES = 1 + KEY_ID_BYTES + NONCE_BYTES
TAG_BYTES = 16


def value_aad(table: str, column: str, row_id: object, owner: str) -> bytes:
    return f"rapport:v{FORMAT_VERSION}|{table}|{column}|{row_id}|{owner}".encode()


def seal_value(dek: bytes, key_id: uuid.UUID, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return bytes([FORMAT_VERSION]) + key_id.bytes + nonce + AESGCM(dek).encrypt(nonce, plaintext, aad)


def key_id_of(blob: bytes) -> uuid.UUID:
    """The data key a value was sealed with (read from its header, no key needed)."""
    if len(blob) < HEADER_BYTES + TAG_BYTES or blob[0] != FORMAT_VERSION:
        raise DecryptionError("The stored value is truncated or not in a format this version reads.")
    return uuid.UUID(bytes=bytes(blob[1 : 1 + KEY_ID_BYTES]))


# --- the same operations with a ready AES-GCM object (the keyring caches one per data key) ----------
_TOO_SHORT = "The stored value is truncated or not in a format this version reads."
_FAILED = (
    "The stored value failed authentication: it was altered, or it belongs to another row, column or case."
)


def value_header(key_id: uuid.UUID) -> bytes:
    return bytes([FORMAT_VERSION]) + key_id.bytes


def seal_with(aead: AESGCM, header: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + aead.encrypt(nonce, plaintext, aad)


def key_id_bytes(blob: bytes) -> bytes:
    """The 16 bytes of the data key id in a value's header (validated, not parsed into a UUID)."""
    if len(blob) < HEADER_BYTES + TAG_BYTES or blob[0] != FORMAT_VERSION:
        raise DecryptionError(_TOO_SHORT)
    return blob[1 : 1 + KEY_ID_BYTES]


def open_with(aead: AESGCM, blob: bytes, aad: bytes) -> bytes:
    """Open a value whose header `key_id_bytes` has already validated."""
    try:
        return aead.decrypt(blob[1 + KEY_ID_BYTES : HEADER_BYTES], blob[HEADER_BYTES:], aad)
    except InvalidTag:
        raise DecryptionError(_FAILED) from None


def dek_aad(dek_id: uuid.UUID, owner: str, kek_id: str) -> bytes:
    return f"rapport-dek:v{FORMAT_VERSION}|{dek_id}|{owner}|{kek_id}".encode()


def wrap_key(kek: bytes, dek: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, dek, aad)


def unwrap_key(kek: bytes, wrapped: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], aad)
    except InvalidTag:
        raise DecryptionError("A data key failed to unwrap: wrong key-encryption key or altered key row.") from None
