"""Write an encrypted, consistent backup of the whole database (the data keys wrapped, never the KEK)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clinic.backup.create import create_backup
from clinic.backup.errors import BackupError
from keys.errors import CryptoError
from rapport.progress_bar import ProgressBar


def default_path() -> Path:
    return Path(settings.VAR_DIR) / "backups" / f"rapport-{timezone.now():%Y%m%d-%H%M%S}.backup"


class Command(BaseCommand):
    help = (
        "Back up every table in one consistent snapshot, encrypted with a fresh key that the active "
        "key-encryption key wraps. The KEK is not in the file: keep the key file (or RAPPORT_KEK) safe, "
        "separately. Restore with `manage.py restore PATH` into a new, migrated database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Where to write the backup (default: var/backups/).")

    def handle(self, *args, output=None, **options):
        path = output or default_path()
        if path.exists():
            raise CommandError(f"{path} already exists; choose another --output.")
        bar = ProgressBar(self.stderr, "Backing up rows")
        try:
            result = create_backup(path, on_progress=bar.update)
        except (BackupError, CryptoError) as exc:
            raise CommandError(str(exc)) from None
        bar.finish()
        header = result.header
        self.stdout.write(self.style.SUCCESS(
            f"Backup {header.backup_id} written to {result.path}: {header.total_rows} rows from "
            f"{len(header.tables)} tables, {result.size_bytes / 1_048_576:.1f} MiB, in {result.seconds:.1f}s."
        ))
        self.stdout.write(
            f"Its key is wrapped by key-encryption key {header.kek_id}: restoring it needs that key. "
            "Keep the key file (or RAPPORT_KEK) backed up, apart from this file."
        )
