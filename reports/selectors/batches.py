"""Reads for report batches and generated files. A batch and its files belong to the person who asked for them:
everyone else gets 404 (audited when the record exists), as for any record they may not see."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any, NoReturn

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
        ReportBatch.objects
        .filter(status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING])
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))
    )


def _refuse(user: Any, model: type, pk: Any, *, reason: str = "not_requester") -> NoReturn:
    if model._default_manager.filter(pk=pk).exists():
        record_event(
            "access.denied", actor=user, object_type=model._meta.label_lower, object_id=pk,
            outcome=AuditEvent.Outcome.DENIED, detail={"reason": reason},
        )
    raise Http404("No such report.")


def may_read_practice_files(user: Any, practice_id: Any) -> bool:
    """Whether `user` may have the practice report files of `practice_id` now: an active practice manager of it."""
    return bool(user.is_authenticated and user.is_active and user.is_practice_manager
                and user.practice_id == practice_id)


def get_batch_for_requester(user: Any, pk: Any) -> ReportBatch:
    """Batch `pk` if `user` asked for it; else 404 and an audit event. Whether its files may still be handed
    out is `batch_contents_for_download`'s question."""
    batch = ReportBatch.objects.filter(pk=pk, requested_by_id=user.pk, practice_id=user.practice_id).first()
    if batch is None:
        _refuse(user, ReportBatch, pk)
    return batch


def get_report_for_requester(user: Any, pk: Any) -> GeneratedReport:
    """Generated file `pk` if `user` asked for it and may read what it is about now: its couple (care team today,
    or supervising someone on it; not shredded), or, for a practice file, the practice as its manager.
    Else 404 and an audit event (reason `access_lost` when the requester lost access since). The content is
    loaded only when read."""
    report = (
        GeneratedReport.objects.defer("content")
        .filter(pk=pk, requested_by_id=user.pk, practice_id=user.practice_id)
        .select_related("couple")
        .first()
    )
    if report is None:
        _refuse(user, GeneratedReport, pk)
    if report.couple_id is not None:
        if report.couple.shredded_at is not None:
            _refuse(user, GeneratedReport, pk, reason="shredded")
        if not Couple.objects.visible_to(user).filter(pk=report.couple_id).exists():
            _refuse(user, GeneratedReport, pk, reason="access_lost")
    elif not may_read_practice_files(user, report.practice_id):
        _refuse(user, GeneratedReport, pk, reason="access_lost")
    return report


@dataclass(frozen=True)
class BatchPart:
    """One file a batch download may contain (its content is read only when the ZIP is made)."""

    pk: Any
    file_name: str
    content_type: str
    ready_at: datetime.datetime | None


@dataclass(frozen=True)
class BatchContents:
    """What a download of a batch holds for its requester now: the files, and what is left out and why."""

    batch: ReportBatch
    parts: tuple[BatchPart, ...]
    not_included: tuple[tuple[str, str], ...]  # (reference or file name, reason without clinical text)
    shredded: int


SHREDDED_REASON = "Destroyed with the couple's record at the end of retention."


def batch_contents_for_download(user: Any, batch: ReportBatch) -> BatchContents:
    """The files of `batch` (one the user asked for) to put in its ZIP now, in one query plus one access check.

    Every file is handed out only if `user` may read now every couple it covers (Couple.objects.visible_to: on
    the care team today or supervising someone on it; active; still a clinician) and, for practice files, is
    still an active manager of the practice. If any couple or practice file is out of reach, the whole batch is
    refused: 404 and an `access.denied` event (reason `access_lost`), as for any record the user may not see.
    Couples shredded since are left out (their files no longer open: they were sealed under the couple's key)
    and listed in NOT-INCLUDED.txt by reference, with the files that could not be generated.
    """
    rows = list(
        GeneratedReport.objects.filter(batch_id=batch.pk)
        .order_by("file_name")
        .values_list("pk", "status", "file_name", "error", "content_type", "ready_at", "couple_id",
                     "couple__reference", "couple__shredded_at")
    )
    ready = [row for row in rows if row[1] == ReportStatus.READY]
    couples = {row[6] for row in ready if row[6] is not None and row[8] is None}
    readable = set(Couple.objects.visible_to(user).filter(pk__in=couples).values_list("pk", flat=True)) if couples \
        else set()
    practice_files = any(row[6] is None for row in ready)
    if couples - readable or (practice_files and not may_read_practice_files(user, batch.practice_id)):
        _refuse(user, ReportBatch, batch.pk, reason="access_lost")
    parts, not_included, shredded = [], [], 0
    for pk, status, file_name, error, content_type, ready_at, _couple, reference, shredded_at in rows:
        if status == ReportStatus.FAILED:
            not_included.append((reference or file_name, error))
        elif status == ReportStatus.READY and shredded_at is not None:
            shredded += 1
            not_included.append((reference, SHREDDED_REASON))
        elif status == ReportStatus.READY:
            parts.append(BatchPart(pk=pk, file_name=file_name, content_type=content_type, ready_at=ready_at))
    return BatchContents(batch=batch, parts=tuple(parts), not_included=tuple(not_included), shredded=shredded)


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
