"""Read the whole database in one consistent snapshot, as a stream of records.

Records, in order: for each table `{"table", "model", "columns"}`, then one JSON array per row
(ordered by primary key), then `{"end": table, "rows": n}`; finally `{"done": tables}`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from keys.models import DataKey

from .codec import codecs_for
from .tables import BackupTable, applied_migrations, backup_tables

CHUNK_ROWS = 2000


@contextmanager
def read_snapshot() -> Iterator[None]:
    """Every query inside sees the database as it was at the first one; writers are not blocked.

    PostgreSQL: one REPEATABLE READ READ ONLY transaction. SQLite (WAL): one deferred read transaction,
    opened by hand because Django's atomic() begins IMMEDIATE here, which would lock out every writer
    for as long as the backup runs. Inside a caller's transaction, that transaction is the snapshot.
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")  # read only: nothing to commit


@dataclass
class Snapshot:
    """What the header says about the dump, read inside the snapshot before any row."""

    tables: list[BackupTable]
    row_counts: dict[str, int]
    migrations: dict[str, list[str]]
    data_key_keks: dict[str, int] = field(default_factory=dict)  # KEK id -> live data keys it wraps

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


def describe_snapshot() -> Snapshot:

    tables = backup_tables()
    counts = {t.table: t.model._base_manager.count() for t in tables}
    keks = Counter(
        DataKey.objects.exclude(state=DataKey.State.SHREDDED).values_list("kek_id", flat=True).iterator()
    )
    return Snapshot(tables=tables, row_counts=counts, migrations=applied_migrations(), data_key_keks=dict(keks))


def dump_records(snapshot: Snapshot, on_rows: Callable[[int], None] | None = None) -> Iterator[Any]:
    """Yield every record of the stream. Call inside `read_snapshot()`, after `describe_snapshot()`."""
    for spec in snapshot.tables:
        fields = spec.fields
        encoders = [codecs_for(f)[0] for f in fields]
        yield {"table": spec.table, "model": spec.label, "columns": [f.column for f in fields]}
        rows = (
            spec.model._base_manager.order_by("pk")
            .values_list(*[f.attname for f in fields])
            .iterator(chunk_size=CHUNK_ROWS)
        )
        count = 0
        for row in rows:
            yield [encode(value) for encode, value in zip(encoders, row, strict=True)]
            count += 1
            if on_rows is not None and count % CHUNK_ROWS == 0:
                on_rows(CHUNK_ROWS)
        if on_rows is not None and count % CHUNK_ROWS:
            on_rows(count % CHUNK_ROWS)
        yield {"end": spec.table, "rows": count}
    yield {"done": len(snapshot.tables)}
