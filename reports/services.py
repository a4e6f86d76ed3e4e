"""Report batches: ask for a month's reports at once, generate them in background workers, hand out one ZIP.

One generated report (GeneratedReport) moves like this:

    queued --claim--> running --store--> ready --expire--> expired
                        |--fail, attempt < 3--> queued (a new task is enqueued)
                        |--fail, attempt 3----> failed (a non-clinical message says why)
                        '--its worker died: running longer than RAPPORT_REPORT_STALE_SECONDS--> queued again

Workers are plain `python manage.py db_worker` processes, any number of them, on any machine, against one
database. What makes that safe:

- Claim: one short transaction locks the row (`select_for_update(skip_locked=True)` on PostgreSQL; on SQLite
  every transaction is IMMEDIATE, see settings, so claims are serialised), checks that it still waits (or that
  its worker is presumed dead), and counts the attempt. The attempt number is the claim token.
- Store: the file is written only if the row is still running under that same attempt number. A worker presumed
  dead that finishes late finds its claim taken over and throws its work away, so each report is delivered
  exactly once however many tasks were enqueued for it (duplicates are harmless: they find nothing to claim).
- Finish: a finishing task (`reports.tasks.finish_batch`) puts back in the queue the reports whose worker died or
  whose task was lost, builds the ZIP when nothing is left to do, and reschedules itself until then. The last
  report to be stored also builds the ZIP, so a batch completes even if the finishing task is lost; the batch page
  starts a new finishing task if nothing has moved for RAPPORT_REPORT_STALE_SECONDS.

Batch rows are always locked before report rows, so two writers never wait for each other in a circle.
Generated files are encrypted (each PDF under its couple's key, the ZIP and practice files under the practice's
key), expire after RAPPORT_REPORT_EXPIRY_HOURS, and every download is audited.
"""

from __future__ import annotations

import calendar
import datetime
import io
import logging
import time
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from audit import request_context
from audit.services import record_event
from clinic.models import Couple, CoupleStatus, Role, User
from reports.couple_reports import report_file_name
from reports.models import GeneratedReport, ReportBatch, ReportKind, ReportStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
PDF = "application/pdf"
CSV = "text/csv"
FAILURES_FILE = "NOT-INCLUDED.txt"
FINISHED = (ReportStatus.READY, ReportStatus.FAILED)
FINISHER_PRIORITY = 10  # ahead of the reports, so the finishing step runs soon after it is due


class ReportNotAllowed(PermissionDenied):
    """The person who asked may no longer see what the report is about (left the care team, changed role)."""


# --- small helpers -----------------------------------------------------------------------------------


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.RAPPORT_REPORT_STALE_SECONDS)


def finish_interval() -> float:
    """Seconds between two passes of a batch's finishing step."""
    return max(1.0, min(settings.RAPPORT_REPORT_STALE_SECONDS / 2, 10.0))


def expiry_from(moment: datetime.datetime) -> datetime.datetime:
    return moment + datetime.timedelta(hours=settings.RAPPORT_REPORT_EXPIRY_HOURS)


def month_bounds(month_start: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month that `month_start` falls in."""
    first = month_start.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def progress_file_name(couple: Couple, period_start: datetime.date, period_end: datetime.date) -> str:
    """The same name as the couple page's download: `C-2026-0001_progress_2026-10-01_2026-10-31.pdf`."""
    return report_file_name(couple, ReportKind.PROGRESS, period_start, period_end)


def _month_label(period_start: datetime.date, period_end: datetime.date) -> str:
    if (period_start, period_end) == month_bounds(period_start):
        return f"{period_start:%Y-%m}"
    return f"{period_start:%Y-%m-%d}-to-{period_end:%Y-%m-%d}"


def archive_file_name(kind: str, period_start: datetime.date, period_end: datetime.date) -> str:
    label = _month_label(period_start, period_end)
    return f"progress-reports-{label}.zip" if kind == ReportKind.PROGRESS else f"practice-report-{label}.zip"


def _backend_supports_defer(task: Any) -> bool:
    return bool(getattr(task.get_backend(), "supports_defer", False))


def _enqueue_generation(report_id: Any, *, delay: float = 0) -> str:
    """Queue a task that generates report `report_id`; returns the task's id. Inside the caller's transaction:
    with the database backend the task row commits (or rolls back) together with the change that needs it."""
    from reports import tasks

    task = tasks.generate_report
    if delay and _backend_supports_defer(task):
        task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    return str(task.enqueue(str(report_id)).id)


def _enqueue_finisher(batch_id: Any, *, delay: float = 0) -> None:
    """Queue the batch's finishing step and make it the one in charge (an older one then stops by itself)."""
    from reports import tasks

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


# --- asking for a batch --------------------------------------------------------------------------------


def batch_couples(user: User):
    """The couples a therapist's or supervisor's batch covers: active, with `user` as primary or co-therapist."""
    return Couple.objects.editable_by(user).filter(status=CoupleStatus.ACTIVE).order_by("reference")


def batch_create(
    *, by: User, month_start: datetime.date, include_notes: bool = True
) -> ReportBatch:
    """Ask for a month's reports in the background and return the batch (status queued).

    Therapists and supervisors get a progress report for each of their active couples (primary or co-therapist);
    practice managers get the practice pack (the practice report as PDF and CSV: counts, dates and statuses, never
    clinical text or client names). Administrators may not ask. Creates the batch, one GeneratedReport per file
    and one task per file plus the finishing step, all in one transaction, with a `report.batch_create` event.
    """
    period_start, period_end = month_bounds(month_start)
    if period_start > timezone.localdate():
        raise ValidationError({"month": "Choose this month or an earlier one: that month has not started yet."})
    now = timezone.now()
    expires_at = expiry_from(now)
    if by.role in (Role.THERAPIST, Role.SUPERVISOR):
        kind = ReportKind.PROGRESS
        options = {"include_notes": bool(include_notes)}
        couples = list(batch_couples(by))
        if not couples:
            raise ValidationError(
                "You have no active couples as primary or co-therapist, so there is nothing to put in a batch."
            )
        reports = [
            GeneratedReport(
                practice_id=couple.practice_id, couple=couple, kind=kind, requested_by=by,
                period_start=period_start, period_end=period_end, options=options, content_type=PDF,
                file_name=progress_file_name(couple, period_start, period_end), expires_at=expires_at,
            )
            for couple in couples
        ]
    elif by.role == Role.PRACTICE_MANAGER:
        kind = ReportKind.PRACTICE
        options = {}
        label = _month_label(period_start, period_end)
        reports = [
            GeneratedReport(
                practice_id=by.practice_id, couple=None, kind=kind, requested_by=by, period_start=period_start,
                period_end=period_end, options=options, content_type=content_type,
                file_name=f"practice-report-{label}.{extension}", expires_at=expires_at,
            )
            for content_type, extension in ((PDF, "pdf"), (CSV, "csv"))
        ]
    else:
        raise ValidationError("Only therapists, supervisors and practice managers can ask for report batches.")

    batch = ReportBatch(
        practice_id=by.practice_id, requested_by=by, kind=kind, period_start=period_start, period_end=period_end,
        options=options, status=ReportStatus.QUEUED, total=len(reports), expires_at=expires_at,
        archive_name=archive_file_name(kind, period_start, period_end), heartbeat_at=now,
    )
    batch.full_clean()
    for report in reports:
        report.batch = batch
    with transaction.atomic():
        batch.save()
        GeneratedReport.objects.bulk_create(reports)
        record_event(
            "report.batch_create", actor=by, obj=batch,
            detail={"kind": kind, "reports": len(reports), "period": _month_label(period_start, period_end)},
        )
        for report in reports:
            report.task_id = _enqueue_generation(report.pk)
        GeneratedReport.objects.bulk_update(reports, ["task_id"])
        _enqueue_finisher(batch.pk, delay=finish_interval())
    return batch


# --- generating one report -------------------------------------------------------------------------------


def render_report(report: GeneratedReport) -> bytes:
    """The file's bytes, made by the report builders as the person who asked (who must still be allowed)."""
    user = report.requested_by
    if report.kind == ReportKind.PRACTICE:
        if not (user.is_active and user.is_practice_manager and user.practice_id == report.practice_id):
            raise ReportNotAllowed
        from reports import practice_reports as practice

        make = practice.practice_report_csv if report.content_type == CSV else practice.practice_report_pdf
        return make(practice=report.practice, user=user, month_start=report.period_start)
    couple = Couple.objects.visible_to(user).filter(pk=report.couple_id).first()
    if couple is None:
        raise ReportNotAllowed
    from reports.couple_reports import progress_report_pdf

    return progress_report_pdf(
        couple=couple, user=user, period_start=report.period_start, period_end=report.period_end,
        include_notes=report.options.get("include_notes", True),
        exclude_partner=report.options.get("exclude_partner", ""),
    )


def _claim(report_id: Any) -> int | None:
    """Take report `report_id` for this worker: the attempt number, or None if there is nothing to do (it is done,
    another worker holds it right now, or a live worker is generating it)."""
    now = timezone.now()
    with transaction.atomic():
        report = (
            GeneratedReport.objects.select_for_update(skip_locked=True)
            .filter(pk=report_id)
            .only("id", "couple_id", "practice_id", "batch_id", "status", "attempts", "started_at")
            .first()
        )
        if report is None or report.status not in (ReportStatus.QUEUED, ReportStatus.RUNNING):
            return None
        if report.status == ReportStatus.RUNNING and report.started_at and report.started_at > now - stale_after():
            return None
        if report.attempts >= MAX_ATTEMPTS:
            return None  # its worker died during the last attempt: reports_recover marks it failed
        report.status, report.started_at, report.attempts = ReportStatus.RUNNING, now, report.attempts + 1
        report.save(update_fields=["status", "started_at", "attempts"])
        return report.attempts


def _lock_batch(batch_id: Any) -> ReportBatch | None:
    if batch_id is None:
        return None
    return ReportBatch.objects.select_for_update().defer("archive").filter(pk=batch_id).first()


def _still_mine(report_id: Any, attempt: int) -> bool:
    current = (
        GeneratedReport.objects.select_for_update().filter(pk=report_id).values_list("status", "attempts").first()
    )
    return current == (ReportStatus.RUNNING, attempt)


def _recount(batch: ReportBatch | None, now: datetime.datetime) -> bool:
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


def _finish_failed(report: GeneratedReport, *, attempts: int, error: BaseException | None = None) -> None:
    report.status = ReportStatus.FAILED
    report.error = _failure_message(error, attempts)[:200]
    report.save(update_fields=["status", "error"])


def report_generate(*, report_id: Any) -> str:
    """Generate one report of a batch if it still waits; safe to call any number of times, from any worker.

    Called by the `generate_report` task. Returns what happened: "ready", "retry", "failed" or "skipped".
    """
    attempt = _claim(report_id)
    if attempt is None:
        return "skipped"
    report = GeneratedReport.objects.select_related("requested_by", "practice").defer("content").get(pk=report_id)
    user = report.requested_by
    token = request_context.set_current(request_context.RequestContext(
        request_id=f"report-{report.pk.hex[:24]}", user_id=user.pk, username=user.get_username(),
        practice_id=user.practice_id,
    ))
    try:
        content = render_report(report)
    except Exception as error:  # noqa: BLE001 (any failure of a builder is recorded, retried, then reported)
        # The exception's class and where it was raised, never its message (it could quote clinical text).
        frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
        logger.warning("report %s attempt %s failed: %s%s", report.pk, attempt, type(error).__name__, where)
        outcome = _fail_attempt(report, attempt, error)
    else:
        outcome = _store(report, attempt, bytes(content))
    finally:
        request_context.reset(token)
    return outcome


def _store(report: GeneratedReport, attempt: int, content: bytes) -> str:
    now = timezone.now()
    with transaction.atomic():
        batch = _lock_batch(report.batch_id)
        if not _still_mine(report.pk, attempt):
            return "skipped"  # presumed dead and taken over by another worker: its copy counts, not ours
        report.content = content
        report.status, report.size_bytes, report.ready_at, report.error = ReportStatus.READY, len(content), now, ""
        report.expires_at = batch.expires_at if batch is not None else expiry_from(now)
        report.save(update_fields=["content", "status", "size_bytes", "ready_at", "error", "expires_at"])
        record_event(
            "report.generate", actor=report.requested_by, obj=report,
            detail={"kind": report.kind, "attempt": attempt, "bytes": len(content),
                    "batch": str(report.batch_id or "")},
        )
        complete = _recount(batch, now)
    if complete:
        batch_assemble(batch_id=report.batch_id)
    return "ready"


def _fail_attempt(report: GeneratedReport, attempt: int, error: BaseException) -> str:
    now = timezone.now()
    final = attempt >= MAX_ATTEMPTS or isinstance(error, PermissionDenied)  # retrying would not help
    with transaction.atomic():
        batch = _lock_batch(report.batch_id)
        if not _still_mine(report.pk, attempt):
            return "skipped"
        if final:
            _finish_failed(report, attempts=attempt, error=error)
            record_event(
                "report.generate", actor=report.requested_by, obj=report, outcome="failed",
                detail={"kind": report.kind, "attempt": attempt, "error": type(error).__name__},
            )
            complete = _recount(batch, now)
        else:
            report.status, report.error = ReportStatus.QUEUED, f"Attempt {attempt} failed; trying again."
            report.save(update_fields=["status", "error"])
            task_id = _enqueue_generation(report.pk, delay=2 * attempt)
            GeneratedReport.objects.filter(pk=report.pk, status=ReportStatus.QUEUED).update(task_id=task_id)
            complete = False
    if complete:
        batch_assemble(batch_id=report.batch_id)
    return "failed" if final else "retry"


# --- finishing a batch --------------------------------------------------------------------------------


def batch_assemble(*, batch_id: Any) -> bool:
    """Build the batch's ZIP once every report is ready or failed, and mark the batch ready (failed if no report
    could be made). Idempotent: True only for the call that finished the batch.

    The ZIP holds each ready file under its name (references and months, no names) and, when some failed,
    NOT-INCLUDED.txt listing them with the non-clinical reason. It is sealed under the practice's key.
    """
    batch = ReportBatch.objects.defer("archive").filter(pk=batch_id).first()
    if batch is None or batch.status in (ReportStatus.READY, ReportStatus.FAILED, ReportStatus.EXPIRED):
        return False
    rows = list(
        GeneratedReport.objects.filter(batch_id=batch_id)
        .values_list("pk", "status", "file_name", "error", "couple__reference")
        .order_by("file_name")
    )
    if any(status not in FINISHED for _, status, *_ in rows):
        return False
    ready_ids = [pk for pk, status, *_ in rows if status == ReportStatus.READY]
    failures = [(reference or file_name, error) for _, status, file_name, error, reference in rows
                if status == ReportStatus.FAILED]
    archive = _zip(ready_ids, failures) if ready_ids else None
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_batch(batch_id)
        if locked is None or locked.status in (ReportStatus.READY, ReportStatus.FAILED, ReportStatus.EXPIRED):
            return False
        locked.archive = archive
        locked.status = ReportStatus.READY if archive is not None else ReportStatus.FAILED
        locked.completed, locked.failed = len(ready_ids), len(failures)
        locked.finished_at = locked.heartbeat_at = now
        locked.expires_at = expiry_from(now)
        locked.save(update_fields=["archive", "status", "completed", "failed", "finished_at", "heartbeat_at",
                                   "expires_at"])
        GeneratedReport.objects.filter(batch_id=batch_id).exclude(status=ReportStatus.EXPIRED).update(
            expires_at=locked.expires_at
        )
        record_event(
            "report.batch_ready", actor=None, obj=locked,
            detail={"ready": len(ready_ids), "failed": len(failures), "bytes": len(archive or b"")},
        )
    return True


def _zip(ready_ids: list[Any], failures: list[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    reports = (
        GeneratedReport.objects.filter(pk__in=ready_ids)
        .only("id", "couple_id", "practice_id", "file_name", "content", "content_type", "ready_at")
        .order_by("file_name")
    )
    with zipfile.ZipFile(buffer, "w") as archive:
        for report in reports.iterator(chunk_size=20):
            stamp = timezone.localtime(report.ready_at or timezone.now())
            entry = zipfile.ZipInfo(report.file_name, date_time=stamp.timetuple()[:6])
            # PDFs are compressed already; CSV files are text and shrink well.
            entry.compress_type = zipfile.ZIP_STORED if report.content_type == PDF else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16  # unpacked readable by its owner only: the files hold PHI
            archive.writestr(entry, report.content)
        if failures:
            lines = ["These reports could not be generated. Ask for them again from the report batches page.", ""]
            lines += [f"{reference}: {error}" for reference, error in failures]
            archive.writestr(FAILURES_FILE, "\n".join(lines) + "\n")
    return buffer.getvalue()


def batch_finish(*, batch_id: Any, finisher_id: str = "") -> str:
    """The finishing step of a batch (the `finish_batch` task): put back in the queue what a dead worker or a lost
    task left behind, build the ZIP when nothing is left, otherwise come back in a few seconds.

    Only the finishing step the batch names runs; one that was replaced (see `batch_nudge`) stops.
    """
    sweep_if_due()
    batch = ReportBatch.objects.defer("archive").filter(pk=batch_id).first()
    if batch is None or batch.status not in (ReportStatus.QUEUED, ReportStatus.RUNNING):
        return "done"
    if finisher_id and batch.finisher_task_id and batch.finisher_task_id != finisher_id:
        return "superseded"
    reports_recover(batch_id=batch.pk)
    if batch_assemble(batch_id=batch.pk):
        return "assembled"
    _enqueue_finisher(batch.pk, delay=finish_interval())
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
    _enqueue_finisher(batch.pk)
    return True


def stalled_batches() -> list[ReportBatch]:
    """Unfinished batches on which nothing has moved for RAPPORT_REPORT_STALE_SECONDS."""
    cutoff = timezone.now() - stale_after()
    return list(
        ReportBatch.objects.defer("archive")
        .filter(status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING])
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))
    )


def _lost_tasks(task_ids: list[str], cutoff: datetime.datetime) -> set[str]:
    """Which of these task ids will never run: missing, already finished, or started by a worker that died."""
    from django_tasks_db.backend import DatabaseBackend

    from reports import tasks

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
    """Put back in the queue every report of unfinished batches (of one batch, if given) that a worker left
    running for longer than RAPPORT_REPORT_STALE_SECONDS, or that waits for a task that will never run.
    A report whose worker died during its third attempt is marked failed. Returns how many were requeued."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    waiting = GeneratedReport.objects.filter(
        batch__isnull=False, batch__status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]
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
        batch = _lock_batch(batch_id)
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
                _finish_failed(report, attempts=report.attempts)
                complete = _recount(batch, now)
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
            report.task_id = _enqueue_generation(report.pk)
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


# --- expiry and downloads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expired:
    reports: int
    batches: int


def reports_expire(*, now: datetime.datetime | None = None) -> Expired:
    """Delete the content of every generated file and batch ZIP past its expiry time and mark them expired
    (the rows stay, so pages can say what happened). One `report.expire` event with the counts."""
    now = now or timezone.now()
    with transaction.atomic():
        batches = ReportBatch.objects.filter(expires_at__lte=now).exclude(status=ReportStatus.EXPIRED)
        batch_ids = list(batches.values_list("pk", flat=True))
        expired_batches = batches.update(archive=None, status=ReportStatus.EXPIRED, finisher_task_id="")
        expired_reports = (
            GeneratedReport.objects.filter(Q(expires_at__lte=now) | Q(batch_id__in=batch_ids))
            .exclude(status=ReportStatus.EXPIRED)
            .update(content=None, status=ReportStatus.EXPIRED, size_bytes=0)
        )
        if expired_reports or expired_batches:
            record_event("report.expire", detail={"reports": expired_reports, "batches": expired_batches})
    return Expired(reports=expired_reports, batches=expired_batches)


def report_download(*, report: GeneratedReport, by: User) -> bytes:
    """The bytes of a ready generated file for the person who asked (see selectors), audited as `report.download`.
    Callers check `report.status` first: expired files have no content."""
    content = report.content
    record_event("report.download", actor=by, obj=report,
                 detail={"kind": report.kind, "bytes": len(content), "batch": str(report.batch_id or "")})
    return content


def batch_download(*, batch: ReportBatch, by: User) -> bytes:
    """The batch's ZIP for the person who asked, audited as `report.download`."""
    archive = batch.archive
    record_event("report.download", actor=by, obj=batch,
                 detail={"kind": batch.kind, "bytes": len(archive), "reports": batch.completed})
    return archive
