"""The finishing step of a batch: put back in the queue what dead workers or lost tasks left behind, and build the
batch's ZIP once every report is ready or failed. Also the sweep every worker runs now and then.
"""

from __future__ import annotations

import datetime
import logging
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import record_event
from reports.models import GeneratedReport, ReportBatch, ReportStatus
from reports.services.batch_state import (
    MAX_ATTEMPTS,
    enqueue_finisher,
    enqueue_generation,
    expiry_from,
    finish_failed,
    finish_interval,
    lock_batch,
    recount,
    stale_after,
)
from reports.services.files import reports_expire

logger = logging.getLogger(__name__)

FINISHED = (ReportStatus.READY, ReportStatus.FAILED)


def batch_assemble(*, batch_id: Any) -> bool:
    """Mark the batch ready once every report is ready or failed (failed if no report could be made), and give
    every file the batch's expiry. Idempotent: True only for the call that finished the batch.

    No ZIP is built or stored here: it is made at each download from the files the requester may still read
    (reports.services.files.batch_download), each file sealed under its own couple's key until then.
    """
    batch = ReportBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status in (ReportStatus.READY, ReportStatus.FAILED, ReportStatus.EXPIRED):
        return False
    rows = list(GeneratedReport.objects.filter(batch_id=batch_id).values_list("status", "size_bytes"))
    if any(status not in FINISHED for status, _ in rows):
        return False
    ready = sum(1 for status, _ in rows if status == ReportStatus.READY)
    failed = len(rows) - ready
    now = timezone.now()
    with transaction.atomic():
        locked = lock_batch(batch_id)
        if locked is None or locked.status in (ReportStatus.READY, ReportStatus.FAILED, ReportStatus.EXPIRED):
            return False
        locked.status = ReportStatus.READY if ready else ReportStatus.FAILED
        locked.completed, locked.failed = ready, failed
        locked.finished_at = locked.heartbeat_at = now
        locked.expires_at = expiry_from(now)
        locked.save(update_fields=["status", "completed", "failed", "finished_at", "heartbeat_at", "expires_at"])
        GeneratedReport.objects.filter(batch_id=batch_id).exclude(status=ReportStatus.EXPIRED).update(
            expires_at=locked.expires_at
        )
        record_event(
            "report.batch_ready", actor=None, obj=locked,
            detail={"ready": ready, "failed": failed,
                    "bytes": sum(size for status, size in rows if status == ReportStatus.READY)},
        )
    return True


def batch_finish(*, batch_id: Any, finisher_id: str = "") -> str:
    """The finishing step of a batch (the `finish_batch` task): put back in the queue what a dead worker or a lost
    task left behind, build the ZIP when nothing is left, otherwise come back in a few seconds.

    Only the finishing step the batch names runs; one that was replaced (see `batch_nudge`) stops.
    """
    sweep_if_due()
    batch = ReportBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status not in (ReportStatus.QUEUED, ReportStatus.RUNNING):
        return "done"
    if finisher_id and batch.finisher_task_id and batch.finisher_task_id != finisher_id:
        return "superseded"
    reports_recover(batch_id=batch.pk)
    if batch_assemble(batch_id=batch.pk):
        return "assembled"
    enqueue_finisher(batch.pk, delay=finish_interval())
    return "waiting"


def batch_nudge(*, batch: ReportBatch) -> bool:
    """Start a new finishing step for an unfinished batch on which nothing has moved for
    RAPPORT_REPORT_STALE_SECONDS (its finishing task was lost with a worker). True if it did."""
    if batch.status not in (ReportStatus.QUEUED, ReportStatus.RUNNING):
        return False
    last = batch.heartbeat_at or batch.created_at
    if last > timezone.now() - stale_after():
        return False
    logger.info("batch %s: nothing moved since %s, starting a new finishing step", batch.pk, last.isoformat())
    enqueue_finisher(batch.pk)
    return True


def _lost_tasks(task_ids: list[str], cutoff: datetime.datetime) -> set[str]:
    """Which of these task ids will never run: missing, already finished, or started by a worker that died."""
    from django_tasks_db.backend import DatabaseBackend

    from reports import tasks  # a real cycle: reports.tasks imports this module to run batch_finish

    if not isinstance(tasks.generate_report.get_backend(), DatabaseBackend):
        return set()
    from django_tasks_db.models import DBTaskResult

    alive = set()
    for task_id, status, started_at in DBTaskResult.objects.filter(id__in=[t for t in task_ids if t]).values_list(
        "id", "status", "started_at"
    ):
        if status == "READY" or (status == "RUNNING" and started_at and started_at > cutoff):
            alive.add(str(task_id))
    return {t for t in task_ids if t not in alive}


def reports_recover(*, batch_id: Any = None, now: datetime.datetime | None = None) -> int:
    """Put back in the queue every report of unfinished batches (of one batch, if given), and every single report
    still waiting (reports.services.single; only when no batch is given), that a worker left
    running for longer than RAPPORT_REPORT_STALE_SECONDS, or that waits for a task that will never run.
    A report whose worker died during its third attempt is marked failed. Returns how many were requeued."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    waiting = GeneratedReport.objects.filter(
        Q(batch__isnull=False, batch__status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING])
        | Q(batch__isnull=True, couple__isnull=False, status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING])
    )
    if batch_id is not None:
        waiting = waiting.filter(batch_id=batch_id)
    stale = list(waiting.filter(status=ReportStatus.RUNNING, started_at__lt=cutoff).values_list("pk", "batch_id"))
    queued = list(waiting.filter(status=ReportStatus.QUEUED, created_at__lt=cutoff)
                  .values_list("pk", "batch_id", "task_id"))
    lost = _lost_tasks([task_id for _, _, task_id in queued], cutoff) if queued else set()
    candidates = stale + [(pk, batch) for pk, batch, task_id in queued if task_id in lost]
    requeued = 0
    for report_id, report_batch_id in candidates:
        requeued += _requeue(report_id, report_batch_id, cutoff, now)
    return requeued


def _requeue(report_id: Any, batch_id: Any, cutoff: datetime.datetime, now: datetime.datetime) -> int:
    complete = False
    with transaction.atomic():
        batch = lock_batch(batch_id)
        report = (
            GeneratedReport.objects.select_for_update(skip_locked=True).filter(pk=report_id)
            .only("id", "couple_id", "practice_id", "batch_id", "status", "attempts", "started_at", "task_id")
            .first()
        )
        if report is None:
            return 0
        if report.status == ReportStatus.RUNNING:
            if not (report.started_at and report.started_at < cutoff):
                return 0  # its worker came back to life and is still within the time allowed
            if report.attempts >= MAX_ATTEMPTS:
                finish_failed(report, attempts=report.attempts)
                complete = recount(batch, now)
                requeued = 0
            else:
                requeued = 1
        elif report.status == ReportStatus.QUEUED:
            requeued = 1
        else:
            return 0
        if requeued:
            logger.info("report %s: requeued (was %s, attempt %s)", report.pk, report.status, report.attempts)
            report.status = ReportStatus.QUEUED
            report.task_id = enqueue_generation(report.pk, single=report.batch_id is None)
            report.save(update_fields=["status", "task_id"])
    if complete:
        batch_assemble(batch_id=batch_id)
    return requeued


_last_sweep = 0.0


def sweep_if_due() -> None:
    """What every worker pass does now and then (at most every half-stale period per process): requeue reports
    left behind by dead workers, and delete expired files."""
    global _last_sweep
    now = time.monotonic()
    if now - _last_sweep < max(1.0, settings.RAPPORT_REPORT_STALE_SECONDS / 2):
        return
    _last_sweep = now
    reports_recover()
    reports_expire()
