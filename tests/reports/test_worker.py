"""Report batches with real workers: `python manage.py db_worker` processes on the test database.

A worker is another process, so it must reach the test database: PostgreSQL, or SQLite in a file
(RAPPORT_TEST_DB_ON_DISK=1). On the default in-memory SQLite these tests are skipped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from reports.models import GeneratedReport, ReportBatch, ReportStatus
from reports.services import batches
from tests.factories import CoupleFactory
from tests.reports.batch_helpers import downloaded_zip, last_month

ROOT = Path(settings.BASE_DIR)
STALE_SECONDS = 2
STUB_SECONDS = 0.4

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and not settings.DATABASES["default"]
        .get("TEST", {}).get("NAME"),
        reason="needs a database another process can open: PostgreSQL, or RAPPORT_TEST_DB_ON_DISK=1",
    ),
]

# A plain db_worker whose PDF builder is replaced by a slow stand-in (so a test can kill it mid-batch).
STUB_WORKER = """
import os, sys, time
import django
django.setup()
from reports.services import generation
def render(report):
    time.sleep(float(os.environ["STUB_SECONDS"]))
    return b"%PDF-stub " + str(report.pk).encode()
generation.render_report = render
from django.core.management import call_command
call_command("db_worker", "--queue-name", "reports", "--interval", "0.1", "--no-startup-delay", "--no-reload")
"""


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "RAPPORT_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "rapport.settings",
        "RAPPORT_DEBUG": "1",
        "RAPPORT_VAR_DIR": str(tmp_path),
        "RAPPORT_KEY_FILE": str(settings.RAPPORT_KEY_FILE),
        "DATABASE_URL": database_url(),
        "RAPPORT_REPORT_STALE_SECONDS": str(STALE_SECONDS),
        "RAPPORT_LOG_LEVEL": "WARNING",
        "STUB_SECONDS": str(STUB_SECONDS),
        "PYTHONPATH": str(ROOT),
    })
    return env


def start_worker(tmp_path, *, stub: bool, name: str) -> subprocess.Popen:
    command = ([sys.executable, "-c", STUB_WORKER] if stub else
               [sys.executable, "manage.py", "db_worker", "--queue-name", "reports", "--interval", "0.1",
                "--no-startup-delay", "--no-reload"])
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(command, cwd=ROOT, env=worker_env(tmp_path), stdout=log, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition, *, timeout: float, what: str, tmp_path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in tmp_path.glob("*.log"))
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def ready_count(batch) -> int:
    return GeneratedReport.objects.filter(batch=batch, status=ReportStatus.READY).count()


def running_count(batch) -> int:
    return GeneratedReport.objects.filter(batch=batch, status=ReportStatus.RUNNING).count()


def batch_status(batch) -> str:
    return ReportBatch.objects.filter(pk=batch.pk).values_list("status", flat=True).get()


def test_a_real_worker_generates_a_batch_and_the_page_follows_it(cast, login, tmp_path):
    CoupleFactory(practice=cast.practice, primary=cast.therapist)
    client = login(cast.therapist)
    client.post(reverse("reports:batch-list"), {"month": f"{last_month():%Y-%m}"})
    batch = ReportBatch.objects.get()
    worker = start_worker(tmp_path, stub=False, name="worker")
    try:
        wait_for(lambda: batch_status(batch) == ReportStatus.READY, timeout=45, what="the batch", tmp_path=tmp_path)
    finally:
        stop(worker)
    page = client.get(reverse("reports:batch-progress", args=[batch.pk])).content.decode()
    assert "2 of 2 ready" in page and "Download ZIP" in page
    entries = downloaded_zip(batch)
    assert len(entries) == 2 and all(content.startswith(b"%PDF") for content in entries.values())


def test_worker_killed_mid_batch_loses_no_report(cast, login, tmp_path):
    for _ in range(5):
        CoupleFactory(practice=cast.practice, primary=cast.therapist)
    batch = batches.batch_create(by=cast.therapist, month_start=last_month())
    assert batch.total == 6
    first = start_worker(tmp_path, stub=True, name="first")
    try:
        wait_for(lambda: ready_count(batch) >= 2 and running_count(batch) == 1, timeout=30,
                 what="the first reports, and the worker in the middle of the next", tmp_path=tmp_path)
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        stop(first)
    left_running = list(GeneratedReport.objects.filter(batch=batch, status=ReportStatus.RUNNING)
                        .values_list("pk", flat=True))
    assert len(left_running) == 1 and batch_status(batch) != ReportStatus.READY

    second = start_worker(tmp_path, stub=True, name="second")
    try:
        # The page is being watched, as it would be: polling also restarts a batch whose finishing step died.
        client = login(cast.therapist)
        wait_for(lambda: client.get(reverse("reports:batch-progress", args=[batch.pk])) and
                 batch_status(batch) == ReportStatus.READY, timeout=40, what="the batch to finish",
                 tmp_path=tmp_path)
    finally:
        stop(second)

    reports = list(GeneratedReport.objects.filter(batch=batch))
    assert all(r.status == ReportStatus.READY for r in reports)
    # Each report delivered exactly once: one generation event each, one ZIP entry each, with its own content.
    generated = Counter(AuditEvent.objects.filter(action="report.generate", outcome="ok")
                        .values_list("object_id", flat=True))
    assert generated == Counter({str(r.pk): 1 for r in reports})
    entries = downloaded_zip(batch)
    assert sorted(entries) == sorted(r.file_name for r in reports)
    for report in reports:
        assert entries[report.file_name] == report.content == b"%PDF-stub " + str(report.pk).encode()
    # What the dead worker held was claimed again after the timeout: a second attempt.
    for report in reports:
        assert report.attempts == (2 if report.pk in left_running else 1)
