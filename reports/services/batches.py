"""Asking for a batch: a month's progress reports (therapists, supervisors) or practice pack (practice managers),
one GeneratedReport and one task per file, all queued at once. See reports.services for how a batch moves on.
"""

from __future__ import annotations

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import Couple, Role, User
from reports.models import GeneratedReport, ReportBatch, ReportKind, ReportStatus
from reports.rendering.couple import report_file_name
from reports.selectors.batches import batch_couples
from reports.services.batch_state import (
    CSV,
    PDF,
    enqueue_finisher,
    enqueue_generation,
    expiry_from,
    finish_interval,
)


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
            report.task_id = enqueue_generation(report.pk)
        GeneratedReport.objects.bulk_update(reports, ["task_id"])
        enqueue_finisher(batch.pk, delay=finish_interval())
    return batch
