"""One report asked for from a couple's Reports page ("Download progress report"), made by a task worker.

A PDF takes most of a second of CPU to render, so the web request does not render it: it records what was asked
for (a GeneratedReport without a batch: who, which couple, which report, the options; sealed under the couple's
key once made) and queues one task on the `pdf` queue, which the task workers run (reports.tasks.
generate_single_report; `make run` starts a worker for it). The page the clinician lands on polls until the file
is ready, then offers the download, which checks access again and is audited (reports.views.single). The file
expires like a batch's files (RAPPORT_REPORT_EXPIRY_HOURS).

The same claim / store / retry rules as batch reports apply (reports.services.generation).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import Couple, CoupleStatus, User
from reports.models import GeneratedReport, ReportAudience, ReportKind, ReportStatus
from reports.rendering.couple import report_file_name
from reports.services.batch_state import PDF, enqueue_generation, expiry_from

COUPLE_KINDS = (ReportKind.PROGRESS, ReportKind.DISCHARGE)


def progress_options(*, include_notes: bool = True, exclude_partner: str = "",
                     audience: str = ReportAudience.CLINICAL, full_scores: bool = False) -> dict[str, Any]:
    """The progress report's options as stored on the job: switches only, never clinical text or names."""
    return {"include_notes": bool(include_notes), "exclude_partner": exclude_partner, "audience": audience,
            "full_scores": bool(full_scores)}


def report_request(*, by: User, couple: Couple, kind: str, options: dict[str, Any],
                   period_start: datetime.date | None = None,
                   period_end: datetime.date | None = None) -> GeneratedReport:
    """Queue one couple report for `by` (who may read `couple`: the view checked) and return its job.

    `kind`: progress (with a period) or discharge (the treatment summary, no period). If the same person already
    has the same report waiting or being made, that job is returned instead of a second one (a double click).
    Writes `report.request` in the same transaction as the job and its task.
    """
    if kind not in COUPLE_KINDS:
        raise ValidationError("Only progress reports and treatment summaries are made from the couple's page.")
    if kind == ReportKind.PROGRESS and (period_start is None or period_end is None):
        raise ValidationError("A progress report needs a period.")
    if kind == ReportKind.DISCHARGE:
        period_start = None
        period_end = couple.end_date if couple.status == CoupleStatus.DISCHARGED else None
    audience = options.get("audience", ReportAudience.CLINICAL)
    now = timezone.now()
    with transaction.atomic():
        waiting = (
            GeneratedReport.objects.select_for_update()
            .filter(batch__isnull=True, requested_by_id=by.pk, couple_id=couple.pk, kind=kind,
                    period_start=period_start, period_end=period_end, options=options,
                    status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING])
            .defer("content").first()
        )
        if waiting is not None:
            return waiting
        report = GeneratedReport.objects.create(
            practice_id=couple.practice_id, couple=couple, batch=None, kind=kind, requested_by=by,
            period_start=period_start, period_end=period_end, options=options, content_type=PDF,
            file_name=report_file_name(couple, kind, period_start, period_end, audience),
            expires_at=expiry_from(now),
        )
        record_event("report.request", actor=by, obj=report, couple_id=couple.pk, detail={
            "kind": kind, "period_start": period_start.isoformat() if period_start else "",
            "period_end": period_end.isoformat() if period_end else "", **options,
        })
        task_id = enqueue_generation(report.pk, single=True)
        # The immediate backend (tests) has run the task already: only the id is new.
        GeneratedReport.objects.filter(pk=report.pk).update(task_id=task_id)
        report.refresh_from_db(fields=["status", "task_id", "size_bytes", "ready_at", "error", "expires_at"])
    return report
