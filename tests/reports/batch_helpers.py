"""Helpers for report-batch tests and the permission matrix: a month to report on, the immediate task backend,
a stand-in renderer, and ready-made batches (built without running any task)."""

from __future__ import annotations

import datetime
import io
import zipfile

from django.utils import timezone

from reports.models import GeneratedReport, ReportBatch, ReportKind, ReportStatus
from reports.selectors.batches import batch_contents_for_download
from reports.services import files as report_files
from reports.services.batch_state import CSV, PDF, expiry_from
from reports.services.batches import archive_file_name, month_bounds, progress_file_name
from reports.services.finishing import batch_assemble

IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "reports", "pdf"]}
}


def last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def month_key(month: datetime.date | None = None) -> str:
    return f"{(month or last_month()):%Y-%m}"


def pdf_name(couple, month: datetime.date | None = None) -> str:
    """The name a couple's monthly progress report has, in a batch and on the couple page alike."""
    start, end = month_bounds(month or last_month())
    return f"{couple.reference}_progress_{start.isoformat()}_{end.isoformat()}.pdf"


def fake_pdf(report) -> bytes:
    """Stands in for the PDF builders: bytes that say which report they belong to."""
    return b"%PDF-1.7 fake report " + str(report.pk).encode()


def ready_batch(user, couples=()) -> ReportBatch:
    """A finished batch asked for by `user`: a progress report per couple (clinicians) or the practice pack
    (managers), with encrypted content, marked ready."""
    start, end = month_bounds(last_month())
    now = timezone.now()
    kind = ReportKind.PRACTICE if user.is_practice_manager else ReportKind.PROGRESS
    batch = ReportBatch.objects.create(
        practice_id=user.practice_id, requested_by=user, kind=kind, period_start=start, period_end=end,
        status=ReportStatus.RUNNING, expires_at=expiry_from(now),
        archive_name=archive_file_name(kind, start, end), options={"include_notes": True},
    )
    if kind == ReportKind.PRACTICE:
        files = [(None, f"practice-report-{month_key()}.pdf", PDF),
                 (None, f"practice-report-{month_key()}.csv", CSV)]
    else:
        files = [(couple, progress_file_name(couple, start, end), PDF) for couple in couples]
    for couple, file_name, content_type in files:
        report = GeneratedReport(
            practice_id=user.practice_id, couple=couple, batch=batch, kind=kind, requested_by=user,
            period_start=start, period_end=end, status=ReportStatus.READY, content_type=content_type,
            file_name=file_name, ready_at=now, expires_at=batch.expires_at, attempts=1,
        )
        report.save()
        report.content = fake_pdf(report)
        report.size_bytes = len(report.content)
        report.save()
    batch.total = len(files)
    batch.save(update_fields=["total"])
    batch_assemble(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def first_report(batch: ReportBatch) -> GeneratedReport:
    return GeneratedReport.objects.filter(batch=batch).order_by("file_name").first()


def downloaded_zip(batch: ReportBatch) -> dict[str, bytes]:
    """The batch's ZIP as its requester downloads it now (made at each download), name by name."""
    batch = ReportBatch.objects.get(pk=batch.pk)
    contents = batch_contents_for_download(batch.requested_by, batch)
    with zipfile.ZipFile(io.BytesIO(report_files.batch_download(contents=contents, by=batch.requested_by))) as archive:
        names = archive.namelist()
        assert len(names) == len(set(names))
        return {name: archive.read(name) for name in names}


def single_report(user, couple, *, status: str = ReportStatus.QUEUED) -> GeneratedReport:
    """A progress report `user` asked for on `couple`'s Reports page (no batch, no task run): waiting, or with
    status READY, made (fake content, encrypted like a real one)."""
    start, end = month_bounds(last_month())
    now = timezone.now()
    report = GeneratedReport.objects.create(
        practice_id=couple.practice_id, couple=couple, batch=None, kind=ReportKind.PROGRESS, requested_by=user,
        period_start=start, period_end=end, options={"include_notes": True, "audience": "clinical"},
        content_type=PDF, file_name=progress_file_name(couple, start, end), expires_at=expiry_from(now),
        status=ReportStatus.QUEUED,
    )
    if status == ReportStatus.READY:
        report.content = fake_pdf(report)
        report.status, report.size_bytes, report.ready_at, report.attempts = status, len(report.content), now, 1
        report.save()
    return report
