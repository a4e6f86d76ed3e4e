"""Peak memory of a task worker running a batch of progress reports.

Run by bench/scale_bench.py as `python -m bench.worker_memory --reports 10 --out FILE` with one data set's
environment. Starts a plain `manage.py db_worker --queue-name default,reports`, asks for last month's
progress reports of the bench therapist's first `--reports` active couples (reports.services.batches.batch_create,
as the batch page does, limited to those couples), waits until the batch is ready, then reads the worker's
VmHWM before stopping it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import django

django.setup()

from django.utils import timezone  # noqa: E402

from bench.dataset import bench_therapist  # noqa: E402
from bench.scale_env import ROOT  # noqa: E402
from bench.server import peak_memory_kib  # noqa: E402
from reports.models import ReportBatch, ReportStatus  # noqa: E402
from reports.selectors.batches import batch_couples  # noqa: E402
from reports.services import batches  # noqa: E402


def start_worker() -> subprocess.Popen:
    command = [sys.executable, "manage.py", "db_worker", "--queue-name", "default,reports", "--interval", "0.1",
               "--no-startup-delay", "--no-reload", "--verbosity", "0"]
    worker = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy())
    time.sleep(4)  # Django start-up and the first poll
    if worker.poll() is not None:
        raise SystemExit("the task worker exited at start-up")
    return worker


def request_batch(reports: int) -> ReportBatch:
    """The month's batch for the first `reports` couples the therapist's batch would cover."""
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    with mock.patch.object(batches, "batch_couples", lambda user: batch_couples(user)[:reports]):
        return batches.batch_create(by=bench_therapist(), month_start=month)


def wait_for(batch: ReportBatch, timeout: float) -> str:
    started = time.perf_counter()
    status = ReportStatus.QUEUED
    while time.perf_counter() - started < timeout:
        status = ReportBatch.objects.filter(pk=batch.pk).values_list("status", flat=True).get()
        if status in (ReportStatus.READY, ReportStatus.FAILED):
            break
        time.sleep(0.1)
    return status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    worker = start_worker()
    try:
        started = time.perf_counter()
        batch = request_batch(args.reports)
        status = wait_for(batch, args.timeout)
        seconds = time.perf_counter() - started
        peak = peak_memory_kib(worker.pid)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    batch.refresh_from_db()
    Path(args.out).write_text(json.dumps({
        "status": str(status), "reports": batch.total, "ready": batch.completed, "failed": batch.failed,
        "seconds": seconds, "peak_kib": peak,
    }))


if __name__ == "__main__":
    main()
