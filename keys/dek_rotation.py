"""DEK rotation: give an owner (a couple, or a practice's identity) a new data key and seal its rows again.

The old key is "retiring" until no value uses it, then deleted. Every step commits in small batches, so an
interruption leaves every value openable and a re-run finishes the rest. Audit events carry ids and counts,
never key material or clinical text.
"""


from __future__ import annotations

import datetime
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Case, Count, F, Value, When
from django.utils import timezone

from . import envelope, keyring
from .batching import BATCH_SIZE, Progress, no_progress
from .errors import CryptoError, KeyShreddedError, RotationError
from .fields import EncryptedField, EncryptedModel, Sealed, reseal
from .models import DataKey
from .signals import send_decryption_failed, send_key_event

ROTATABLE_KINDS = ("couple", "practice")  # never "index" (blind index) or "check" (start-up check)


def encrypted_models() -> list[type[EncryptedModel]]:
    """Every installed concrete model with encrypted columns of its own (found through the app registry)."""
    found = []
    for model in apps.get_models():
        if issubclass(model, EncryptedModel) and not model._meta.proxy and _own_encrypted_fields(model):
            found.append(model)
    return found


def _own_encrypted_fields(model: type[models.Model]) -> list[EncryptedField]:
    return [f for f in model._meta.local_concrete_fields if isinstance(f, EncryptedField)]


def rotatable_owners() -> list[keyring.KeyOwner]:
    """Every couple and practice holding a data key that can be rotated (shredded couples excluded)."""
    shredded = set(
        DataKey.objects.filter(state=DataKey.State.SHREDDED).values_list("owner_kind", "owner_id").distinct()
    )
    pairs = (
        DataKey.objects.filter(owner_kind__in=ROTATABLE_KINDS)
        .exclude(state=DataKey.State.SHREDDED)
        .values_list("owner_kind", "owner_id")
        .distinct()
        .order_by("owner_kind", "owner_id")
    )
    return [keyring.KeyOwner(kind, owner_id) for kind, owner_id in pairs if (kind, owner_id) not in shredded]


def count_rows(owners: Iterable[keyring.KeyOwner]) -> int:
    """How many rows of encrypted models the owners hold (one grouped query per model)."""
    wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
    for owner in owners:
        wanted[owner.kind].add(owner.id)
    total = 0
    for model in encrypted_models():
        ids = wanted.get(model.key_owner_kind)
        if not ids:
            continue
        counts = model._base_manager.values(model.key_owner_field).annotate(n=Count("pk")).order_by()
        total += sum(row["n"] for row in counts if row[model.key_owner_field] in ids)
    return total


@dataclass
class DekRotation:
    owner: keyring.KeyOwner
    retiring_key_ids: set[uuid.UUID] = field(default_factory=set)
    new_key_id: uuid.UUID | None = None
    switched_at: datetime.datetime | None = None
    resumed: bool = False
    rows_seen: int = 0
    values_resealed: int = 0
    keys_deleted: int = 0


def begin_dek_rotation(owner: keyring.KeyOwner) -> DekRotation | None:
    """Make the owner's active key "retiring" and create a new active one (or resume a started rotation).

    Returns None when the owner has no data key (nothing of theirs is encrypted). Raises
    KeyShreddedError for a shredded owner.
    """
    with transaction.atomic():
        keys = list(DataKey.objects.select_for_update().filter(owner_kind=owner.kind, owner_id=owner.id))
        if any(k.state == DataKey.State.SHREDDED for k in keys):
            raise KeyShreddedError(f"The data key of {owner} was destroyed; there is nothing to rotate.")
        retiring = {k.id for k in keys if k.state == DataKey.State.RETIRING}
        active = next((k for k in keys if k.state == DataKey.State.ACTIVE), None)
        resumed = bool(retiring)
        if not retiring:
            if active is None:
                return None
            active.state = DataKey.State.RETIRING
            active.save(update_fields=["state"])
            retiring = {active.id}
            active = keyring.create_key(owner)
        elif active is None:
            active = keyring.create_key(owner)
    keyring.forget_owner(owner)
    return DekRotation(
        owner=owner, retiring_key_ids=retiring, new_key_id=active.id, switched_at=active.created_at, resumed=resumed
    )


def _sealed_with(row: models.Model, enc_field: EncryptedField, key_ids: set[uuid.UUID]) -> bool:
    value = row.__dict__.get(enc_field.attname)
    if not isinstance(value, Sealed):
        return False
    try:
        return envelope.key_id_of(value.blob) in key_ids
    except CryptoError:
        return True  # unreadable header: let reseal() raise and audit it rather than skip it silently


def _allow_key_rotation_writes() -> None:
    """Tell PostgreSQL immutability triggers (signed notes) that this transaction only re-encrypts.

    The setting is transaction-local (SET LOCAL); the content hash of a signed note is over its plaintext,
    which re-encryption does not change.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL rapport.rotating_keys = 'on'")


def write_sealed(model: type[models.Model], changed: dict[models.Model, list[str]]) -> None:
    """Write freshly sealed values of several rows in as few UPDATEs as the database allows.

    `bulk_update()` cannot do this: it reads the (plaintext) attribute, which encrypted fields refuse.
    """
    if not changed:
        return
    _allow_key_rotation_writes()
    fields_per_row = max(len(names) for names in changed.values())
    limit = connection.features.max_query_params or 60_000
    chunk = max(1, (limit - 10) // (1 + 2 * fields_per_row))
    items = list(changed.items())
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        whens: dict[str, list[When]] = defaultdict(list)
        for row, names in part:
            for name in names:
                blob = row.__dict__[name].blob
                whens[name].append(When(pk=row.pk, then=Value(blob, output_field=models.BinaryField())))
        updates = {
            name: Case(*cases, default=F(name), output_field=models.BinaryField()) for name, cases in whens.items()
        }
        model._base_manager.filter(pk__in=[row.pk for row, _ in part]).update(**updates)


def reseal_owner_rows(
    rotation: DekRotation, *, batch_size: int = BATCH_SIZE, on_batch: Callable[[int], None] | None = None
) -> None:
    """Seal again, under the owner's active key, every value still sealed with a retiring key.

    Walks each encrypted model by primary key, `batch_size` rows per transaction. Rows are locked
    while resealed (SELECT ... FOR UPDATE; SQLite serialises writers anyway), so a concurrent edit is
    never overwritten with older text. Values already under the new key are skipped, which is what
    makes a re-run after an interruption cheap.
    """
    for model in encrypted_models():
        own_fields = _own_encrypted_fields(model)
        rows_query = model.rows_owned_by(rotation.owner).order_by("pk")
        last_pk = None
        while True:
            try:
                with transaction.atomic():
                    query = rows_query.select_for_update(of=("self",))
                    if last_pk is not None:
                        query = query.filter(pk__gt=last_pk)
                    rows = list(query[:batch_size])
                    if not rows:
                        break
                    changed = _reseal_rows(rows, own_fields, rotation.retiring_key_ids)
                    write_sealed(model, changed)
            except _UnopenableValue as bad:
                # The failure was audited inside the batch, which rolled back: record it again for good.
                send_decryption_failed(table=model._meta.db_table, column=bad.column, row_id=bad.row_id)
                raise RotationError(
                    f"A value of {model._meta.db_table} row {bad.row_id} ({bad.column}) cannot be opened "
                    f"({bad.reason}). The old key is kept; restore that value from a backup and run rotate_dek "
                    "again."
                ) from None
            last_pk = rows[-1].pk
            rotation.rows_seen += len(rows)
            rotation.values_resealed += sum(len(names) for names in changed.values())
            if on_batch is not None:
                on_batch(len(rows))


class _UnopenableValue(Exception):
    def __init__(self, column: str, row_id: object, reason: str) -> None:
        super().__init__(reason)
        self.column, self.row_id, self.reason = column, row_id, reason


def _reseal_rows(
    rows: list[models.Model], own_fields: list[EncryptedField], old_key_ids: set[uuid.UUID]
) -> dict[models.Model, list[str]]:
    changed: dict[models.Model, list[str]] = {}
    for row in rows:
        for enc_field in own_fields:
            if not _sealed_with(row, enc_field, old_key_ids):
                continue
            try:
                reseal(row, [enc_field.attname])
            except KeyShreddedError:
                raise
            except CryptoError as exc:
                raise _UnopenableValue(enc_field.column, row.pk, str(exc)) from None
            changed.setdefault(row, []).append(enc_field.attname)
    return changed


def finish_dek_rotation(rotation: DekRotation) -> None:
    """Sweep once more for values under the retiring key (written meanwhile by other processes), then
    delete the retiring key and record `keys.rotate_dek`."""
    before, rows_seen = rotation.values_resealed, rotation.rows_seen
    reseal_owner_rows(rotation)
    rotation.rows_seen = rows_seen  # the sweep reads the same rows again
    with transaction.atomic():
        deleted, _ = DataKey.objects.filter(
            id__in=rotation.retiring_key_ids, state=DataKey.State.RETIRING
        ).delete()
    rotation.keys_deleted = deleted
    keyring.forget_owner(rotation.owner)
    owner = rotation.owner
    send_key_event(
        "keys.rotate_dek",
        object_type="clinic.couple" if owner.kind == "couple" else "clinic.practice",
        object_id=owner.id,
        couple_id=owner.id if owner.kind == "couple" else None,
        detail={
            "new_key_id": str(rotation.new_key_id),
            "retired_key_ids": sorted(str(k) for k in rotation.retiring_key_ids),
            "rows": rotation.rows_seen,
            "values_resealed": rotation.values_resealed,
            "values_resealed_in_final_sweep": rotation.values_resealed - before,
            "resumed": rotation.resumed,
        },
    )


def grace_deadline(rotations: Iterable[DekRotation], grace_seconds: float) -> datetime.datetime | None:
    """When every other process has dropped the old active keys from its cache (RAPPORT_DEK_CACHE_SECONDS
    after the switch): until then a web worker may still seal new values with a retiring key."""
    switched = [r.switched_at for r in rotations if r.switched_at is not None]
    if not switched or grace_seconds <= 0:
        return None
    return max(switched) + datetime.timedelta(seconds=grace_seconds)


def rotate_dek(
    owners: list[keyring.KeyOwner],
    *,
    batch_size: int = BATCH_SIZE,
    grace_seconds: float | None = None,
    on_progress: Progress = no_progress,
    on_wait: Callable[[float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[DekRotation]:
    """Give each owner a new data key and reseal its rows; delete the old key once nothing uses it.

    Three phases, each safe to interrupt: (1) per owner, switch keys and reseal every row in batches;
    (2) wait until other processes' key caches have expired (`grace_seconds`, default
    RAPPORT_DEK_CACHE_SECONDS after the switch; a resumed run waits only what is left); (3) per owner,
    reseal anything written meanwhile with the old key, then delete it. Shredded owners are refused.
    """
    if grace_seconds is None:
        grace_seconds = settings.RAPPORT_DEK_CACHE_SECONDS
    total = count_rows(owners)
    done = 0
    on_progress(done, total)

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        on_progress(min(done, total), total)

    rotations = []
    for owner in owners:
        rotation = begin_dek_rotation(owner)
        if rotation is None:
            continue
        reseal_owner_rows(rotation, batch_size=batch_size, on_batch=advance)
        rotations.append(rotation)
    deadline = grace_deadline(rotations, grace_seconds)
    if deadline is not None:
        wait = (deadline - timezone.now()).total_seconds()
        if wait > 0:
            if on_wait is not None:
                on_wait(wait)
            sleep(wait)
    for rotation in rotations:
        finish_dek_rotation(rotation)
    return rotations
