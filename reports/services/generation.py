"""Generating one report of a batch, in a worker: claim it, render it as the person who asked, then store it
(or put it back in the queue, or mark it failed). See reports.services for the claim and store rules.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from audit import request_context
from audit.services import record_event
from clinic.models import Couple
from reports.models import GeneratedReport, ReportAudience, ReportKind, ReportStatus
from reports.rendering import practice
from reports.rendering.couple import discharge_summary_pdf, progress_report_pdf
from reports.selectors.batches import may_read_practice_files
from reports.services.batch_state import (
    CSV,
    MAX_ATTEMPTS,
    enqueue_generation,
    expiry_from,
    finish_failed,
    lock_batch,
    recount,
    stale_after,
)
from reports.services.finishing import batch_assemble

logger = logging.getLogger(__name__)


class ReportNotAllowed(PermissionDenied):
    """The person who asked may no longer see what the report is about (left the care team, changed role)."""


def render_report(report: GeneratedReport) -> bytes:
    """The file's bytes, made by the report builders as the person who asked (who must still be allowed)."""
    user = report.requested_by
    if report.kind == ReportKind.PRACTICE:
        if not may_read_practice_files(user, report.practice_id):
            raise ReportNotAllowed
        make = practice.practice_report_csv if report.content_type == CSV else practice.practice_report_pdf
        return make(practice=report.practice, user=user, month_start=report.period_start)
    couple = Couple.objects.visible_to(user).filter(pk=report.couple_id).first()
    if couple is None:
        raise ReportNotAllowed
    if report.kind == ReportKind.DISCHARGE:
        return discharge_summary_pdf(couple=couple, user=user, full_scores=report.options.get("full_scores", False))
    return progress_report_pdf(
        couple=couple, user=user, period_start=report.period_start, period_end=report.period_end,
        include_notes=report.options.get("include_notes", True),
        exclude_partner=report.options.get("exclude_partner", ""),
        audience=report.options.get("audience", ReportAudience.CLINICAL),
        full_scores=report.options.get("full_scores", False),
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


def _still_mine(report_id: Any, attempt: int) -> bool:
    current = (
        GeneratedReport.objects.select_for_update().filter(pk=report_id).values_list("status", "attempts").first()
    )
    return current == (ReportStatus.RUNNING, attempt)


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
        batch = lock_batch(report.batch_id)
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
        complete = recount(batch, now)
    if complete:
        batch_assemble(batch_id=report.batch_id)
    return "ready"


def _fail_attempt(report: GeneratedReport, attempt: int, error: BaseException) -> str:
    now = timezone.now()
    final = attempt >= MAX_ATTEMPTS or isinstance(error, PermissionDenied)  # retrying would not help
    with transaction.atomic():
        batch = lock_batch(report.batch_id)
        if not _still_mine(report.pk, attempt):
            return "skipped"
        if final:
            finish_failed(report, attempts=attempt, error=error)
            record_event(
                "report.generate", actor=report.requested_by, obj=report, outcome="failed",
                detail={"kind": report.kind, "attempt": attempt, "error": type(error).__name__},
            )
            complete = recount(batch, now)
        else:
            report.status, report.error = ReportStatus.QUEUED, f"Attempt {attempt} failed; trying again."
            report.save(update_fields=["status", "error"])
            task_id = enqueue_generation(report.pk, delay=2 * attempt, single=report.batch_id is None)
            GeneratedReport.objects.filter(pk=report.pk, status=ReportStatus.QUEUED).update(task_id=task_id)
            complete = False
    if complete:
        batch_assemble(batch_id=report.batch_id)
    return "failed" if final else "retry"
