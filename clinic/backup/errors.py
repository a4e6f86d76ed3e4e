"""Errors of backup and restore. Messages name tables, key ids and settings, never content."""


class BackupError(Exception):
    """A backup cannot be written or read; the message says what to fix."""


class RestoreRefused(BackupError):
    """Restore refused before changing anything: wrong key, non-empty or differently migrated database."""
