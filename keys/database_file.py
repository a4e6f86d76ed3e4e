"""The embedded SQLite database is readable by its owner only (mode 0600, like the key file).

SQLite creates the database file with the process's umask (usually 0644); its -wal and -shm files then take the
database file's mode. On every new connection the files are narrowed to 0600 when group or others may read them,
so a database created by an earlier version, or by `sqlite3` on the command line, is fixed on the next start.
The var/ folder that holds it is created 0700 by settings (RAPPORT_VAR_DIR).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
SIDE_FILES = ("-wal", "-shm", "-journal")


def sqlite_path(connection) -> Path | None:
    """The database file of a SQLite connection, or None (another database, or one held in memory)."""
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    return Path(name)


def make_private(path: Path) -> list[Path]:
    """Narrow the database file and its side files to 0600; returns the files it changed."""
    changed = []
    for candidate in (path, *(path.with_name(path.name + suffix) for suffix in SIDE_FILES)):
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            os.chmod(candidate, mode & PRIVATE_FILE)
            changed.append(candidate)
    return changed


def private_sqlite_file(sender, connection, **kwargs) -> None:
    """connection_created receiver (connected in KeysConfig.ready)."""
    path = sqlite_path(connection)
    if path is not None:
        make_private(path)
