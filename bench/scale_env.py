"""Where `make bench` keeps its data sets and how its processes are configured (no Django imported here).

One database per data-set size: PostgreSQL databases `<BENCH_DB_PREFIX>_<couples>` (default prefix
`rapport_bench`; set BENCH_DB_PREFIX so two people benchmarking on one server keep apart) on the server named by
BENCH_DATABASE_URL, or SQLite files var/bench/scale-<couples>.sqlite3 when it is unset. One key file
(var/bench/rapport.key) and one record of the data sets already built (var/bench/datasets.json), so a second
run reuses them instead of seeding 5,000 couples again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench"
KEY_FILE = BENCH_VAR / "rapport.key"
DATASETS_FILE = BENCH_VAR / "datasets.json"
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX") or "rapport_bench"
SECRET_KEY = "bench-only-secret-key-for-make-bench-never-used-in-production-93be1f"


@dataclass(frozen=True)
class Database:
    """One data set's database: its URL for Django, and how to empty it."""

    couples: int
    server_url: str | None  # PostgreSQL server (any path is replaced); None for SQLite

    @property
    def vendor(self) -> str:
        return "postgresql" if self.server_url else "sqlite"

    @property
    def name(self) -> str:
        return f"{DB_PREFIX}_{self.couples}"

    @property
    def sqlite_path(self) -> Path:
        stem = "scale" if DB_PREFIX == "rapport_bench" else f"scale-{DB_PREFIX}"
        return BENCH_VAR / f"{stem}-{self.couples}.sqlite3"

    @property
    def url(self) -> str:
        if self.server_url:
            return _with_path(self.server_url, self.name)
        return f"sqlite:///{self.sqlite_path}"

    def reset(self) -> None:
        """Drop and create the database (PostgreSQL) or delete the file (SQLite)."""
        if not self.server_url:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.sqlite_path}{suffix}").unlink(missing_ok=True)
            return
        import psycopg

        with psycopg.connect(_with_path(self.server_url, "postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{self.name}"')


def check_server(server_url: str) -> None:
    """Stop with a clear message if the PostgreSQL server cannot be reached."""
    import psycopg

    try:
        psycopg.connect(_with_path(server_url, "postgres"), connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"PostgreSQL at {urlsplit(server_url).hostname}:{urlsplit(server_url).port or 5432} cannot be reached "
            f"({str(exc).strip().splitlines()[0]}). Start it, set BENCH_DATABASE_URL to a server you can use, or "
            "set it empty (BENCH_DATABASE_URL= make bench) to run on SQLite files under var/bench/."
        ) from None


def _with_path(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def process_env(database: Database) -> dict[str, str]:
    """A production-like environment (debug off, secure-cookie and HTTPS redirect off for plain HTTP on
    127.0.0.1) for manage.py, gunicorn and the bench's own Django processes."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.scale_settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database.url,
        "RAPPORT_VAR_DIR": str(BENCH_VAR),
        "RAPPORT_KEY_FILE": str(KEY_FILE),
        "RAPPORT_SECRET_KEY": SECRET_KEY,
        "RAPPORT_DEBUG": "0",
        "RAPPORT_DEMO_MODE": "0",
        "RAPPORT_TESTING": "0",
        # `testserver` is the host of Django's test Client, which counts the queries in-process.
        "RAPPORT_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "RAPPORT_SECURE_SSL_REDIRECT": "0",
        "RAPPORT_SECURE_COOKIES": "0",
        "RAPPORT_HSTS_SECONDS": "0",
    }
    env.pop("RAPPORT_SECRET_KEY_FILE", None)
    return env


def manage(database: Database, *args: str, quiet: bool = True) -> None:
    """Run `manage.py <args>` against `database`; raise on failure."""
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=process_env(database), check=True,
                   stdout=subprocess.DEVNULL if quiet else None)


def run_django_step(database: Database, module: str, *args: str) -> dict:
    """Run `python -m <module> <args>` (a bench step that sets Django up) against `database`: it prints its
    progress and writes its result as JSON to the file named by --out, which is returned."""
    with tempfile.NamedTemporaryFile(suffix=".json", dir=BENCH_VAR, delete=False) as handle:
        out = Path(handle.name)
    try:
        subprocess.run([sys.executable, "-m", module, *args, "--out", str(out)], cwd=ROOT,
                       env=process_env(database), check=True)
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def load_datasets() -> dict:
    return json.loads(DATASETS_FILE.read_text()) if DATASETS_FILE.exists() else {}


def save_dataset(database: Database, record: dict) -> None:
    datasets = load_datasets()
    datasets[database.url] = record
    DATASETS_FILE.write_text(json.dumps(datasets, indent=2, sort_keys=True) + "\n")


def forget_dataset(database: Database) -> None:
    datasets = load_datasets()
    if datasets.pop(database.url, None) is not None:
        DATASETS_FILE.write_text(json.dumps(datasets, indent=2, sort_keys=True) + "\n")
