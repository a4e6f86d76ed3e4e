"""The var/ folder is created 0700 and the embedded SQLite database (with its WAL files) is 0600 (issue 16, item 5)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings

from keys.database_file import make_private, private_sqlite_file, sqlite_path

ROOT = Path(settings.BASE_DIR)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_start_creates_var_0700_and_the_database_0600(tmp_path):
    var_dir = tmp_path / "new" / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "RAPPORT_", "DATABASE_", "DJANGO_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "rapport.settings", "PYTHONPATH": str(ROOT), "RAPPORT_DEBUG": "1",
                "RAPPORT_VAR_DIR": str(var_dir)})
    script = ("import os, django; os.umask(0o022); django.setup(); from django.db import connection; "
              "cursor = connection.cursor(); cursor.execute('CREATE TABLE probe (x)'); "
              "cursor.execute('INSERT INTO probe VALUES (1)')")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    database = var_dir / "rapport.sqlite3"
    assert _mode(var_dir) == 0o700
    assert _mode(database) == 0o600
    for side in (database.with_name("rapport.sqlite3-wal"), database.with_name("rapport.sqlite3-shm")):
        assert not side.exists() or _mode(side) == 0o600, side


def test_an_existing_world_readable_database_is_narrowed_on_connect(tmp_path):
    database = tmp_path / "old.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE probe (x)")
        db.execute("INSERT INTO probe VALUES (1)")
        wal = database.with_name("old.sqlite3-wal")
        for path in (database, wal):
            os.chmod(path, 0o644)
        connection = SimpleNamespace(vendor="sqlite", settings_dict={"NAME": str(database)})
        private_sqlite_file(sender=None, connection=connection)
        assert (_mode(database), _mode(wal)) == (0o600, 0o600)
    assert make_private(database) == []  # already private: nothing to change


def test_only_sqlite_files_on_disk_are_touched():
    assert sqlite_path(SimpleNamespace(vendor="postgresql", settings_dict={"NAME": "rapport"})) is None
    for name in (":memory:", "file:memorydb_default?mode=memory&cache=shared", ""):
        assert sqlite_path(SimpleNamespace(vendor="sqlite", settings_dict={"NAME": name})) is None
