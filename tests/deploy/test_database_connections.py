"""Production keeps its PostgreSQL connection (README "Performance at scale": a connection per request cost a new
server backend each time, about half of a light page's CPU), checked before reuse; SQLite and an explicit setting
keep their own value. And `make run` renders single PDFs at the lowest CPU priority."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.deploy import production

ROOT = Path(settings.BASE_DIR)
PROBE = """
import json
import django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({"age": db["CONN_MAX_AGE"], "checks": db["CONN_HEALTH_CHECKS"]}))
"""


def connection_settings(tmp_path: Path, **env: str) -> dict:
    environment = production.production_env(tmp_path, secret_key=production.new_secret_key(), **env)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("env", "expected"), [
    ({"DATABASE_URL": "postgres://rapport@db.invalid:5432/rapport"}, {"age": 60, "checks": True}),
    ({"DATABASE_URL": "postgres://rapport@db.invalid:5432/rapport", "RAPPORT_DB_CONN_MAX_AGE": "0"},
     {"age": 0, "checks": True}),
    ({"DATABASE_URL": "sqlite:////tmp/rapport-probe.sqlite3"}, {"age": 0, "checks": True}),
])
def test_postgresql_connections_are_kept_and_checked_unless_configured_otherwise(tmp_path, env, expected):
    assert connection_settings(tmp_path, **env) == expected


def test_make_run_renders_single_pdfs_at_the_lowest_cpu_priority():
    makefile = (ROOT / "Makefile").read_text()
    pdf_worker = next(line for line in makefile.splitlines() if "--queue-name pdf" in line)
    assert "nice -n 19 $(PY) manage.py db_worker" in pdf_worker
