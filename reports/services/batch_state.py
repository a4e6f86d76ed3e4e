"""What every step of a report batch shares: the timings, queueing its tasks, locking and recounting a batch,
and marking a report failed. The steps themselves are in reports.services.batches, .generation and .finishing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from reports.models import GeneratedReport, ReportBatch, ReportStatus

MAX_ATTEMPTS = 3
PDF = "application/pdf"
CSV = "text/csv"
FINISHER_PRIORITY = 10  # ahead of the reports, so the finishing step runs soon after it is due


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.RAPPORT_REPORT_STALE_SECONDS)


def finish_interval() -> float:
    """Seconds between two passes of a batch's finishing step."""
    return max(1.0, min(settings.RAPPORT_REPORT_STALE_SECONDS / 2, 10.0))


def expiry_from(moment: datetime.datetime) -> datetime.datetime:
    return moment + datetime.timedelta(hours=settings.RAPPORT_REPORT_EXPIRY_HOURS)


def _backend_supports_defer(task: Any) -> bool:
    return bool(getattr(task.get_backend(), "supports_defer", False))


def enqueue_generation(report_id: Any, *, delay: float = 0, single: bool = False) -> str:
    """Queue a task that generates report `report_id`; returns the task's id. Inside the caller's transaction:
    with the database backend the task row commits (or rolls back) together with the change that needs it.
    `single`: a report asked for on its own (no batch), on the `pdf` queue, so a big batch never holds it up."""
    from reports import tasks  # a real cycle: reports.tasks runs the services that call this

    task = tasks.generate_single_report if single else tasks.generate_report
    if delay and _backend_supports_defer(task):
        task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    return str(task.enqueue(str(report_id)).id)


def enqueue_finisher(batch_id: Any, *, delay: float = 0) -> None:
    """Queue the batch's finishing step and make it the one in charge (an older one then stops by itself)."""
    from reports import tasks  # a real cycle: reports.tasks runs the services that call this

    task = tasks.finish_batch
    if delay:
        if not _backend_supports_defer(task):
            return  # e.g. the immediate backend: everything already ran inline
        task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    with transaction.atomic():
        result = task.enqueue(str(batch_id))
        ReportBatch.objects.filter(pk=batch_id, status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]).update(
            finisher_task_id=str(result.id), heartbeat_at=timezone.now()
        )


def lock_batch(batch_id: Any) -> ReportBatch | None:
    if batch_id is None:
        return None
    return ReportBatch.objects.select_for_update().filter(pk=batch_id).first()


def recount(batch: ReportBatch | None, now: datetime.datetime) -> bool:
    """Bring the batch's counters up to date (inside a transaction holding its lock); True once every report
    is ready or failed and the ZIP is still to be made."""
    if batch is None:
        return False
    counts = dict(
        GeneratedReport.objects.filter(batch_id=batch.pk).values_list("status").annotate(n=Count("pk")).order_by()
    )
    batch.completed = counts.get(ReportStatus.READY, 0)
    batch.failed = counts.get(ReportStatus.FAILED, 0)
    if batch.status == ReportStatus.QUEUED:
        batch.status = ReportStatus.RUNNING
    batch.heartbeat_at = now
    batch.save(update_fields=["completed", "failed", "status", "heartbeat_at"])
    return batch.completed + batch.failed >= batch.total and batch.status == ReportStatus.RUNNING


def _failure_message(error: BaseException | None, attempts: int) -> str:
    if isinstance(error, PermissionDenied):
        return "Not generated: the person who asked may no longer see this record."
    if error is None:
        return f"Not generated: the worker stopped during each of {attempts} attempts."
    # The exception's class only: its message could quote clinical text.
    return f"Not generated after {attempts} attempts (error {type(error).__name__})."


def finish_failed(report: GeneratedReport, *, attempts: int, error: BaseException | None = None) -> None:
    report.status = ReportStatus.FAILED
    report.error = _failure_message(error, attempts)[:200]
    report.save(update_fields=["status", "error"])
