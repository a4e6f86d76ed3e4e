"""Reads for report batches and generated files. A batch and its files belong to the person who asked for them:
everyone else gets 404 (audited when the record exists), as for any record they may not see."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event
from clinic.models import Couple, CoupleStatus, User
from reports.models import GeneratedReport, ReportBatch, ReportKind, ReportStatus

BATCH_LIST_LIMIT = 50


def batch_couples(user: User) -> QuerySet[Couple]:
    """The couples a therapist's or supervisor's batch covers: active, with `user` as primary or co-therapist."""
    return Couple.objects.editable_by(user).filter(status=CoupleStatus.ACTIVE).order_by("reference")


def stalled_batches() -> list[ReportBatch]:
    """Unfinished batches on which nothing has moved for RAPPORT_REPORT_STALE_SECONDS."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.RAPPORT_REPORT_STALE_SECONDS)
    return list(
        ReportBatch.objects.defer("archive")
        .filter(status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING])
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))
    )


def _refuse(user: Any, model: type, pk: Any) -> None:
    if model._default_manager.filter(pk=pk).exists():
        record_event(
            "access.denied", actor=user, object_type=model._meta.label_lower, object_id=pk,
            outcome=AuditEvent.Outcome.DENIED, detail={"reason": "not_requester"},
        )
    raise Http404("No such report.")


def get_batch_for_requester(user: Any, pk: Any) -> ReportBatch:
    """Batch `pk` if `user` asked for it, without its ZIP loaded; else 404 and an audit event."""
    batch = (
        ReportBatch.objects.defer("archive")
        .filter(pk=pk, requested_by_id=user.pk, practice_id=user.practice_id)
        .first()
    )
    if batch is None:
        _refuse(user, ReportBatch, pk)
    return batch


def get_report_for_requester(user: Any, pk: Any) -> GeneratedReport:
    """Generated file `pk` if `user` asked for it and may still see its couple; else 404 and an audit event.
    The content is loaded only when read."""
    report = (
        GeneratedReport.objects.defer("content")
        .filter(pk=pk, requested_by_id=user.pk, practice_id=user.practice_id)
        .first()
    )
    if (report is not None and report.couple_id is not None
            and not Couple.objects.visible_to(user).filter(pk=report.couple_id).exists()):
        report = None
    if report is None:
        _refuse(user, GeneratedReport, pk)
    return report


@dataclass(frozen=True)
class BatchRow:
    """One line of "my report batches"."""

    pk: Any
    kind: str
    kind_label: str
    period_start: datetime.date
    status: str
    status_label: str
    total: int
    completed: int
    failed: int
    created_at: datetime.datetime
    expires_at: datetime.datetime


def batches_for(user: Any, *, limit: int = BATCH_LIST_LIMIT) -> list[BatchRow]:
    """The batches `user` asked for, newest first (one query)."""
    rows = (
        ReportBatch.objects.filter(requested_by_id=user.pk, practice_id=user.practice_id)
        .order_by("-created_at")
        .values_list("pk", "kind", "period_start", "status", "total", "completed", "failed", "created_at",
                     "expires_at")[:limit]
    )
    return [
        BatchRow(pk=pk, kind=kind, kind_label=_kind_label(kind), period_start=start, status=status,
                 status_label=ReportStatus(status).label, total=total, completed=completed, failed=failed,
                 created_at=created, expires_at=expires)
        for pk, kind, start, status, total, completed, failed, created, expires in rows
    ]


def _kind_label(kind: str) -> str:
    return "Progress reports" if kind == ReportKind.PROGRESS else "Practice report pack"


@dataclass(frozen=True)
class ItemRow:
    """One file of a batch, by reference: no names, no clinical text."""

    pk: Any
    label: str
    file_name: str
    status: str
    status_label: str
    error: str
    size_bytes: int
    downloadable: bool


@dataclass(frozen=True)
class BatchProgress:
    """How far a batch has got, for the progress bar and the page."""

    batch_id: Any
    status: str
    total: int
    ready: int
    failed: int
    running: int
    queued: int
    archive_name: str
    archive_bytes: int
    expires_at: datetime.datetime
    finished_at: datetime.datetime | None
    items: tuple[ItemRow, ...]

    @property
    def processed(self) -> int:
        return self.ready + self.failed

    @property
    def done(self) -> bool:
        return self.status in (ReportStatus.READY, ReportStatus.FAILED, ReportStatus.EXPIRED)

    @property
    def expired(self) -> bool:
        return self.status == ReportStatus.EXPIRED

    @property
    def downloadable(self) -> bool:
        return self.status == ReportStatus.READY

    @property
    def signature(self) -> str:
        """Changes whenever what the progress section shows changes (the page polls with it)."""
        return f"{self.status}-{self.ready}-{self.failed}-{self.running}"

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else 100

    @property
    def failures(self) -> list[ItemRow]:
        return [item for item in self.items if item.status == ReportStatus.FAILED]


def batch_progress(batch: ReportBatch) -> BatchProgress:
    """Counts by status and the list of files of `batch` (one query, whatever the batch's size).

    Counts come from the files themselves, not the batch's counters, so the bar moves as soon as a worker commits.
    """
    rows = (
        GeneratedReport.objects.filter(batch_id=batch.pk)
        .order_by("file_name")
        .values_list("pk", "couple__reference", "file_name", "status", "error", "size_bytes", "content_type")
    )
    items = tuple(
        ItemRow(
            pk=pk, label=reference or ("Practice report (CSV)" if "csv" in content_type else "Practice report (PDF)"),
            file_name=file_name, status=status, status_label=ReportStatus(status).label, error=error,
            size_bytes=size, downloadable=status == ReportStatus.READY,
        )
        for pk, reference, file_name, status, error, size, content_type in rows
    )
    counts = Counter(item.status for item in items)
    archive_bytes = 0
    if batch.status == ReportStatus.READY:
        archive_bytes = sum(item.size_bytes for item in items if item.status == ReportStatus.READY)
    return BatchProgress(
        batch_id=batch.pk, status=batch.status, total=batch.total,
        ready=counts.get(ReportStatus.READY, 0), failed=counts.get(ReportStatus.FAILED, 0),
        running=counts.get(ReportStatus.RUNNING, 0), queued=counts.get(ReportStatus.QUEUED, 0),
        archive_name=batch.archive_name, archive_bytes=archive_bytes, expires_at=batch.expires_at,
        finished_at=batch.finished_at, items=items,
    )
