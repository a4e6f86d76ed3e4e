"""Encrypt a column that used to hold plaintext, in a data migration (and decrypt it back on reverse).

A migration that moves a column to an encrypted field adds a nullable binary column beside the plain one, calls
`seal_column` to fill it, removes the plain column and renames the new one to the old name. Values are sealed
exactly as `keys.fields.EncryptedField.pre_save` seals them: under the row owner's data key, bound to the table,
the column's final name, the row id and the owner (`envelope.value_aad`). A row whose owner was crypto-shredded
gets a value naming the destroyed key, so it reads as every other destroyed text of that owner
(`keys.fields.SHREDDED_TEXT`) and its plaintext is gone.

Migrations pass their historical models; only ids, the owner column and the two value columns are read.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from django.db import models

from . import envelope, keyring
from .errors import KeyShreddedError
from .models import DataKey

BATCH = 500


@contextlib.contextmanager
def checks_immediate(connection) -> Iterator[None]:
    """On PostgreSQL, check foreign keys at each statement while values are rewritten.

    A row updated twice in the migration's transaction leaves deferred foreign-key checks pending, and
    PostgreSQL then refuses the ALTER TABLE that follows ("pending trigger events").
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _shredded_marker(owner: keyring.KeyOwner) -> bytes:
    key = DataKey.objects.filter(owner_kind=owner.kind, owner_id=owner.id, state=DataKey.State.SHREDDED).first()
    # A value with the destroyed key's header opens to KeyShreddedError, like every other value of the owner.
    return envelope.value_header(key.id) + os.urandom(envelope.NONCE_BYTES + envelope.TAG_BYTES)


def seal_column(model: type[models.Model], *, plain: str, sealed: str, column: str, owner_kind: str,
                owner_field: str) -> int:
    """Fill `sealed` (binary) with the encrypted value of `plain` for every row; returns how many rows.

    `column` is the database column name the value will have once `sealed` is renamed (part of the
    associated data). None stays None.
    """
    table = model._meta.db_table
    rows = model._base_manager.only("pk", owner_field, plain).order_by("pk")
    batch: list[models.Model] = []
    done = 0
    for row in rows.iterator(chunk_size=BATCH):
        value = getattr(row, plain)
        if value is not None:
            owner = keyring.KeyOwner(owner_kind, getattr(row, owner_field))
            aad = envelope.value_aad(table, column, row.pk, str(owner))
            try:
                blob = keyring.seal(str(value).encode(), owner, aad)
            except KeyShreddedError:
                blob = _shredded_marker(owner)
            setattr(row, sealed, blob)
            batch.append(row)
        if len(batch) >= BATCH:
            done += _write(model, batch, sealed)
            batch = []
    return done + _write(model, batch, sealed)


def open_column(model: type[models.Model], *, sealed: str, plain: str, column: str, owner_kind: str,
                owner_field: str) -> int:
    """The reverse of `seal_column`: write the plaintext of `sealed` into `plain` (destroyed values become "")."""
    table = model._meta.db_table
    rows = model._base_manager.only("pk", owner_field, sealed).order_by("pk")
    batch: list[models.Model] = []
    done = 0
    for row in rows.iterator(chunk_size=BATCH):
        blob = getattr(row, sealed)
        if blob is not None:
            owner = keyring.KeyOwner(owner_kind, getattr(row, owner_field))
            aad = envelope.value_aad(table, column, row.pk, str(owner))
            try:
                value = keyring.open_sealed(bytes(blob), owner, aad).decode()
            except KeyShreddedError:
                value = ""
            setattr(row, plain, value)
            batch.append(row)
        if len(batch) >= BATCH:
            done += _write(model, batch, plain)
            batch = []
    return done + _write(model, batch, plain)


def _write(model: type[models.Model], rows: list[models.Model], field: str) -> int:
    if rows:
        model._base_manager.bulk_update(rows, [field], batch_size=BATCH)
    return len(rows)
