"""Column values <-> JSON-ready values, by field type.

Values come from `values_list()`, so each field's database converters have run (UUIDs, aware datetimes,
booleans on SQLite) but no descriptor: an encrypted field yields its `Sealed` ciphertext unopened, and
the backup stores those bytes exactly as the database holds them. Restore turns each value back with
`get_db_prep_save`, which never calls `pre_save` (no auto_now timestamps rewritten, nothing sealed
again), so a backup taken on SQLite also loads into PostgreSQL and the other way round.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.db import models

from keys.fields import EncryptedField, Sealed

Codec = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _encode_bytes(value: Any) -> str:
    if isinstance(value, Sealed):
        value = value.blob
    if not isinstance(value, bytes | memoryview | bytearray):
        raise TypeError(f"expected stored bytes, got {type(value).__name__}")  # never plaintext
    return base64.b64encode(bytes(value)).decode("ascii")


def _decode_bytes(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _encode_duration(value: datetime.timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


def _json_codecs(field: models.JSONField) -> tuple[Codec, Codec]:
    def encode(value: Any) -> str:
        return json.dumps(value, cls=field.encoder)

    def decode(value: str) -> Any:
        return json.loads(value, cls=field.decoder)

    return encode, decode


_BY_TYPE: dict[str, tuple[Codec, Codec]] = {
    "BinaryField": (_encode_bytes, _decode_bytes),
    "UUIDField": (str, uuid.UUID),
    "DateTimeField": (datetime.datetime.isoformat, datetime.datetime.fromisoformat),
    "DateField": (datetime.date.isoformat, datetime.date.fromisoformat),
    "TimeField": (datetime.time.isoformat, datetime.time.fromisoformat),
    "DecimalField": (str, decimal.Decimal),
    "DurationField": (_encode_duration, lambda us: datetime.timedelta(microseconds=us)),
}


def codecs_for(field: models.Field) -> tuple[Codec, Codec]:
    """(encode, decode) for one column; both pass None through."""
    if isinstance(field, EncryptedField):
        encode, decode = _encode_bytes, _decode_bytes
    elif isinstance(field, models.JSONField):
        encode, decode = _json_codecs(field)
    else:
        target = field.target_field if field.is_relation else field
        encode, decode = _BY_TYPE.get(target.get_internal_type(), (_identity, _identity))
    return _none_safe(encode), _none_safe(decode)


def _none_safe(codec: Codec) -> Codec:
    def apply(value: Any) -> Any:
        return None if value is None else codec(value)

    return apply
