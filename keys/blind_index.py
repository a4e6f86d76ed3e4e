"""Keyed blind index: find a client by exact name without storing the name in clear.

HMAC-SHA256 under the practice's own index key (a DEK of kind "index", wrapped by the KEK like any
other), of the name folded for case, accents and spacing, truncated to 64 bits. Truncation is on
purpose: it leaks less about which rows share a name, and the caller re-checks the decrypted name.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
import uuid

from .keyring import KeyOwner, active_key

INDEX_HEX_CHARS = 16


def normalise_name(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(without_accents.casefold().split())


def blind_index(practice_id: uuid.UUID, text: str) -> str:
    _, key = active_key(KeyOwner("index", practice_id))
    digest = hmac.new(key, normalise_name(text).encode(), hashlib.sha256).hexdigest()
    return digest[:INDEX_HEX_CHARS]
