"""Generated files once made: handed out to the person who asked (audited), deleted at their expiry."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import record_event
from clinic.models import User
from reports.models import GeneratedReport, ReportBatch, ReportStatus


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
