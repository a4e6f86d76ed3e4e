"""Write one backup file: a consistent snapshot of the database, sealed under a fresh backup key."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import django
from django.db import connection
from django.utils import timezone

from audit.services import record_event
from keys import keyring
from keys.errors import CryptoError
from keys.providers import get_key_provider

from .archive import ArchiveWriter, Header, write_archive_atomically
from .dump import describe_snapshot, dump_records, read_snapshot
from .errors import BackupError

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BackupResult:
    path: Path
    header: Header
    size_bytes: int
    seconds: float


def rapport_version() -> str:
    try:
        return metadata.version("rapport")
    except metadata.PackageNotFoundError:
        return "unknown"


def check_restorable_with(provider, data_key_keks: dict[str, int]) -> None:
    """Refuse to write a backup its own key set could not restore (a KEK a data key needs is missing)."""
    for kek_id in sorted(data_key_keks):
        try:
            provider.get_kek(kek_id)
        except CryptoError:
            raise BackupError(
                f"{data_key_keks[kek_id]} data key(s) are wrapped by key-encryption key {kek_id!r}, which is not in "
                f"{provider.describe()}; a backup made now could not be restored. Run check_keys and rotate_kek first."
            ) from None


def create_backup(path: Path, *, on_progress: Progress | None = None) -> BackupResult:
    """Dump the whole database into `path` (mode 0600; written under a temporary name, then renamed).

    Refuses unless the configured KEK opens the keyring. Audited as `backup.created` (ids and counts).
    """

    started = time.monotonic()
    provider = get_key_provider()
    keyring.verify_kek()
    path = Path(path)
    stream, partial = write_archive_atomically(path)
    try:
        with stream, read_snapshot():
            snapshot = describe_snapshot()
            check_restorable_with(provider, snapshot.data_key_keks)
            header = {
                "backup_id": str(uuid.uuid4()),
                "created_at": timezone.now().isoformat(),
                "rapport_version": rapport_version(),
                "django_version": django.get_version(),
                "database_vendor": connection.vendor,
                "migrations": snapshot.migrations,
                "data_key_keks": snapshot.data_key_keks,
                "tables": [
                    {"model": t.label, "table": t.table, "rows": snapshot.row_counts[t.table]} for t in snapshot.tables
                ],
            }
            writer = ArchiveWriter(stream, header, provider)
            done, total = 0, snapshot.total_rows

            def advance(rows: int) -> None:
                nonlocal done
                done += rows
                if on_progress is not None:
                    on_progress(done, total)

            advance(0)
            for record in dump_records(snapshot, on_rows=advance):
                writer.write_record(record)
            writer.close()
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    result = BackupResult(path, writer.header, path.stat().st_size, time.monotonic() - started)
    record_event(
        "backup.created",
        object_type="clinic.backup",
        object_id=writer.header.backup_id,
        detail={
            "kek_id": writer.header.kek_id,
            "tables": len(writer.header.tables),
            "rows": writer.header.total_rows,
            "bytes": result.size_bytes,
        },
    )
    return result
