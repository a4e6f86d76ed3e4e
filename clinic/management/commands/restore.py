"""Restore a backup written by `manage.py backup` into a new, empty, migrated database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinic.backup.errors import BackupError
from clinic.backup.load import restore_backup
from keys.errors import CryptoError
from rapport.progress_bar import ProgressBar


class Command(BaseCommand):
    help = (
        "Load a backup into this database, which must be newly migrated (`manage.py migrate`) and hold no "
        "practice data. Needs the key-encryption key the backup was made with. All or nothing: on any "
        "problem (wrong key, damaged file, different migrations) nothing is changed."
    )
    requires_system_checks = []  # rapport.E001 checks the keyring that this command replaces

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The backup file.")

    def handle(self, *args, path, **options):
        if not path.is_file():
            raise CommandError(f"No backup file at {path}.")
        bar = ProgressBar(self.stderr, "Restoring rows")
        try:
            result = restore_backup(path, on_progress=bar.update)
        except (BackupError, CryptoError) as exc:
            raise CommandError(str(exc)) from None
        bar.finish()
        header = result.header
        self.stdout.write(self.style.SUCCESS(
            f"Restored backup {header.backup_id} of {header.fields['created_at']}: {result.rows} rows into "
            f"{len(header.tables)} tables in {result.seconds:.1f}s. Every data key opens with the configured key "
            "and the audit trail verifies."
        ))
        self.stdout.write("Users sign in again (sessions and API tokens are not in backups).")
