"""Reads for single reports (reports.services.single): a report's status for its page, and the ones a clinician
asked for recently on a couple's Reports page. Who may see one: reports.selectors.batches.get_report_for_requester."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from reports.models import GeneratedReport, ReportKind, ReportStatus

RECENT_LIMIT = 5
# Longer than this in the queue, the page says the workers are busy (or not running) rather than "a few seconds".
SLOW_AFTER = datetime.timedelta(seconds=30)


@dataclass(frozen=True)
class ReportState:
    """What a single report's page shows; `signature` changes whenever that does (the page polls with it)."""

    status: str
    status_label: str
    slow: bool
    error: str

    @property
    def done(self) -> bool:
        return self.status in (ReportStatus.READY, ReportStatus.FAILED, ReportStatus.EXPIRED)

    @property
    def signature(self) -> str:
        return f"{self.status}-{int(self.slow)}"


def report_state(report: GeneratedReport, *, now: datetime.datetime | None = None) -> ReportState:
    """The state of `report` (already loaded: no query)."""
    now = now or timezone.now()
    status = report.status
    if status == ReportStatus.READY and report.expires_at <= now:
        status = ReportStatus.EXPIRED  # past its expiry, before the next sweep deletes it
    waiting_since = report.started_at if status == ReportStatus.RUNNING and report.started_at else report.created_at
    slow = status in (ReportStatus.QUEUED, ReportStatus.RUNNING) and now - waiting_since > SLOW_AFTER
    return ReportState(status=status, status_label=ReportStatus(status).label, slow=slow, error=report.error)


@dataclass(frozen=True)
class RecentReport:
    pk: Any
    kind_label: str
    file_name: str
    status: str
    status_label: str
    created_at: datetime.datetime
    expires_at: datetime.datetime


def recent_reports_for(user: Any, couple: Any, *, limit: int = RECENT_LIMIT) -> list[RecentReport]:
    """The single reports `user` asked for about `couple` that are not expired, newest first (one query). The
    caller has checked that `user` may read the couple."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.RAPPORT_REPORT_EXPIRY_HOURS)
    rows = (
        GeneratedReport.objects.filter(batch__isnull=True, couple_id=couple.pk, requested_by_id=user.pk,
                                       created_at__gte=cutoff, expires_at__gt=now)
        .exclude(status=ReportStatus.EXPIRED)
        .order_by("-created_at")
        .values_list("pk", "kind", "file_name", "status", "created_at", "expires_at")[:limit]
    )
    return [
        RecentReport(pk=pk, kind_label=ReportKind(kind).label, file_name=file_name, status=status,
                     status_label=ReportStatus(status).label, created_at=created, expires_at=expires)
        for pk, kind, file_name, status, created, expires in rows
    ]
