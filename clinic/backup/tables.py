"""Which tables a backup holds, in which order, and the schema state it was taken at.

Every table of every installed app is backed up unless it is listed in EXCLUDED with the reason: a
model added later is included without anyone remembering to add it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models
from django.db.migrations.recorder import MigrationRecorder

# Transient state, credentials that should be issued again, or rows migrate creates by itself.
EXCLUDED_APPS = {
    "sessions": "sign-in sessions: restoring them would bring old cookies back to life",
    "axes": "lockout counters and the sign-in attempt log are transient",
    "django_tasks_database": "the background task queue is transient; report batches are backed up",
}
EXCLUDED_MODELS = {
    "clinic.signedinsession": "links users to sign-in sessions, which are not backed up",
    "clinic.reauththrottle": "re-authentication failure counters are transient, like the sign-in lockout's",
    "clinic.apitoken": "API tokens are credentials (stored as digests): users request new ones after a restore",
}
# Filled by `migrate` in a fresh database; restore replaces them with the backup's rows.
REPLACED_ON_RESTORE = {"contenttypes.contenttype", "auth.permission"}


@dataclass(frozen=True)
class BackupTable:
    model: type[models.Model]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def fields(self) -> list[models.Field]:
        return list(self.model._meta.local_concrete_fields)


def backed_up_models() -> list[type[models.Model]]:
    chosen: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.swapped:
            continue
        if meta.app_label in EXCLUDED_APPS or meta.label_lower in EXCLUDED_MODELS:
            continue
        chosen.setdefault(meta.db_table, model)
    return list(chosen.values())


def backup_tables() -> list[BackupTable]:
    """The tables in load order: children before parents.

    Foreign keys are checked at commit during a restore (they are DEFERRABLE on PostgreSQL, deferred by
    PRAGMA on SQLite), so any order loads. Children first matters for triggers that refuse a new row under
    a locked parent (an objective rating of a signed note, on PostgreSQL): the parent is not there yet.
    """
    models_by_table = {m._meta.db_table: m for m in backed_up_models()}
    parents_first: list[str] = []
    visiting: set[str] = set()

    def visit(table: str) -> None:
        if table in parents_first or table in visiting:
            return
        visiting.add(table)
        for field in models_by_table[table]._meta.local_concrete_fields:
            if field.is_relation and field.related_model is not None:
                parent = field.related_model._meta.db_table
                if parent in models_by_table and parent != table:
                    visit(parent)
        visiting.discard(table)
        parents_first.append(table)

    for table in sorted(models_by_table):
        visit(table)
    return [BackupTable(models_by_table[table]) for table in reversed(parents_first)]


def applied_migrations() -> dict[str, list[str]]:
    """Applied migrations by app, as recorded in django_migrations."""
    by_app: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        by_app.setdefault(app, []).append(name)
    return by_app
