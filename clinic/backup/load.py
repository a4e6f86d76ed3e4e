"""Restore a backup into an empty, migrated database: all of it in one transaction, or nothing.

Order of work: read the header and open the backup key (refused before touching the database if the
configured KEK does not fit), compare applied migrations, check the database is empty, then load every
row, reset sequences, prove the KEK opens every data key and the audit chain verifies, and append a
`backup.restored` event. Any failure rolls the whole restore back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from audit.chain import verify_chain
from audit.services import record_event
from keys import keyring
from keys.errors import CryptoError
from keys.models import DataKey
from keys.providers import get_key_provider

from .archive import KEY_SETTINGS, Header, read_header, read_records, unwrap_backup_key
from .codec import codecs_for
from .errors import BackupError, RestoreRefused
from .tables import REPLACED_ON_RESTORE, BackupTable, applied_migrations, backup_tables

Progress = Callable[[int, int], None]
_MAX_ROWS_PER_INSERT = 500


@dataclass(frozen=True)
class RestoreResult:
    header: Header
    rows: int
    seconds: float


def restore_backup(path: Path, *, on_progress: Progress | None = None) -> RestoreResult:
    """Load the backup at `path` into this database. Raises RestoreRefused / BackupError, changing nothing."""
    started = time.monotonic()
    provider = get_key_provider()
    with open(path, "rb") as stream:
        header, aad = read_header(stream)
        key = unwrap_backup_key(header, provider)
        _check_keks_available(header, provider)
        _check_migrations(header)
        tables = _tables_for(header)
        try:
            with transaction.atomic():
                _check_empty(tables.values())
                _defer_foreign_keys()
                _clear_rows_migrate_created(tables.values())
                rows = _load(read_records(stream, key, aad), header, tables, on_progress)
                _reset_sequences(tables.values())
                _check_keyring()
                _check_audit_chain()
                _record_restored(header, rows)
        finally:
            keyring.clear_cache()
            ContentType.objects.clear_cache()
    return RestoreResult(header, rows, time.monotonic() - started)


def _check_keks_available(header: Header, provider) -> None:
    missing = []
    for kek_id in sorted(header.fields.get("data_key_keks", {})):
        try:
            provider.get_kek(kek_id)
        except CryptoError:
            missing.append(kek_id)
    if missing:
        raise RestoreRefused(
            f"The backup's data keys are wrapped by key-encryption key(s) {', '.join(missing)}, not in "
            f"{provider.describe()}. Configure them: {KEY_SETTINGS}. Nothing was changed."
        )


def _check_migrations(header: Header) -> None:
    backup = {(app, name) for app, names in header.fields["migrations"].items() for name in names}
    here = {(app, name) for app, names in applied_migrations().items() for name in names}
    if not here:
        raise RestoreRefused("This database is not migrated: run `python manage.py migrate` first, then restore.")
    if backup == here:
        return
    behind = sorted(backup - here)
    ahead = sorted(here - backup)
    parts = []
    if behind:
        parts.append(f"this database lacks {_names(behind)} (run `python manage.py migrate` if this Rapport has them)")
    if ahead:
        parts.append(
            f"this database has {_names(ahead)}, which the backup lacks (restore with the Rapport version that made "
            f"it, {header.fields.get('rapport_version', 'unknown')}, then upgrade)"
        )
    raise RestoreRefused(f"The database schema differs from the backup's: {'; '.join(parts)}. Nothing was changed.")


def _names(migrations: list[tuple[str, str]]) -> str:
    shown = ", ".join(f"{app}.{name}" for app, name in migrations[:5])
    return shown + (f" and {len(migrations) - 5} more" if len(migrations) > 5 else "")


def _tables_for(header: Header) -> dict[str, BackupTable]:
    here = {t.table: t for t in backup_tables()}
    unknown = [t["table"] for t in header.tables if t["table"] not in here]
    if unknown:
        raise RestoreRefused(
            f"The backup holds table(s) this Rapport does not restore: {', '.join(unknown)}. "
            f"Restore with the version that made it ({header.fields.get('rapport_version', 'unknown')})."
        )
    return {t["table"]: here[t["table"]] for t in header.tables}


def _check_empty(tables) -> None:
    occupied = []
    for spec in reversed(list(tables)):  # parents first: name clinic_practice before its details
        if spec.label in REPLACED_ON_RESTORE:
            continue
        rows = spec.model._base_manager.all()
        if spec.label == "clinic.datakey":
            rows = rows.exclude(owner_kind=keyring.CHECK_OWNER.kind)
        if rows.exists():
            occupied.append(spec.table)
    if occupied:
        raise RestoreRefused(
            f"This database is not empty ({', '.join(occupied[:5])}{' and more' if len(occupied) > 5 else ''} "
            "hold rows). Restore only into a new database that has just been migrated "
            "(`python manage.py migrate`). Nothing was changed."
        )


def _defer_foreign_keys() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA defer_foreign_keys = ON")


def _clear_rows_migrate_created(tables) -> None:
    """Content types, permissions and the keyring check value of a fresh migrate: the backup has its own."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for spec in tables:
            if spec.label in REPLACED_ON_RESTORE or spec.label == "clinic.datakey":
                cursor.execute(f"DELETE FROM {quote(spec.table)}")  # noqa: S608 (a model's table name)


def _load(records: Iterator[Any], header: Header, tables: dict[str, BackupTable], on_progress: Progress | None) -> int:
    total = header.total_rows
    done = 0

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        if on_progress is not None:
            on_progress(done, total)

    advance(0)
    expected = iter(header.tables)
    for record in records:
        if isinstance(record, dict) and "done" in record:
            if next(expected, None) is not None:
                raise BackupError("The backup file ends before its last table.")
            return done
        table = next(expected, None)
        if not isinstance(record, dict) or table is None or record.get("table") != table["table"]:
            raise BackupError("The backup file's tables are not in the order its header lists.")
        spec = tables[table["table"]]
        if record["columns"] != [f.column for f in spec.fields]:
            raise RestoreRefused(
                f"The columns of {spec.table} differ between the backup and this database: restore with the "
                "Rapport version that made the backup."
            )
        loaded = _load_table(spec, records, advance)
        if loaded != table["rows"]:
            raise BackupError(f"{spec.table} holds {loaded} rows in the backup, but its header says {table['rows']}.")
    raise BackupError("The backup file is damaged: it ends without its closing record.")


def _load_table(spec: BackupTable, records: Iterator[Any], advance: Callable[[int], None]) -> int:
    """Insert the rows of one table, several per INSERT, until its closing record. Returns the count."""
    fields = spec.fields
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: `connection` is a proxy, slow per value
    preparers = [_preparer(field, codecs_for(field)[1], db) for field in fields]
    quote = db.ops.quote_name
    max_params = db.features.max_query_params or 10_000
    per_insert = max(1, min(_MAX_ROWS_PER_INSERT, max_params // len(fields)))
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(quote(f.column) for f in fields)
    prefix = f"INSERT INTO {quote(spec.table)} ({columns}) VALUES "  # noqa: S608 (names from the model)
    batch: list[Any] = []
    count = 0
    with db.cursor() as cursor:

        def flush() -> None:
            if batch:
                rows = len(batch) // len(fields)
                cursor.execute(prefix + ", ".join([row_sql] * rows), batch)
                batch.clear()
                if db.queries_logged:  # DEBUG keeps every statement with its parameters: the whole backup
                    db.queries_log.clear()
                advance(rows)

        for record in records:
            if isinstance(record, dict):
                if record.get("end") != spec.table or record.get("rows") != count:
                    raise BackupError(f"The backup file is damaged inside table {spec.table}.")
                flush()
                return count
            if len(record) != len(fields):
                raise BackupError(f"The backup file is damaged inside table {spec.table}.")
            batch.extend([prepare(value) for prepare, value in zip(preparers, record, strict=True)])
            count += 1
            if count % per_insert == 0:
                flush()
    raise BackupError(f"The backup file ends inside table {spec.table}.")


def _preparer(field, decode, db) -> Callable[[Any], Any]:
    """JSON value -> database parameter. get_db_prep_save, not pre_save: no auto_now, nothing resealed."""
    prep = field.get_db_prep_save

    def prepare(value: Any) -> Any:
        return prep(decode(value), db)

    return prepare


def _reset_sequences(tables) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), [spec.model for spec in tables])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _check_keyring() -> None:

    keyring.clear_cache()
    for row in DataKey.objects.exclude(state=DataKey.State.SHREDDED).iterator(chunk_size=500):
        try:
            keyring.unwrap(row)
        except CryptoError as exc:
            raise RestoreRefused(f"{exc} Nothing was restored.") from None


def _check_audit_chain() -> None:

    checked, broken = verify_chain()
    if broken is not None:
        raise BackupError(
            f"The restored audit trail does not verify at event {broken.event_id}: {broken.reason}. "
            "Nothing was restored."
        )


def _record_restored(header: Header, rows: int) -> None:

    record_event(
        "backup.restored",
        object_type="clinic.backup",
        object_id=header.backup_id,
        detail={
            "backup_created_at": header.fields["created_at"],
            "kek_id": header.kek_id,
            "tables": len(header.tables),
            "rows": rows,
            "rapport_version": header.fields.get("rapport_version", ""),
        },
    )
