"""Generated files once made: handed out to the person who asked while they may still read them (audited; a
batch's ZIP is made at each download), deleted at their expiry."""

from __future__ import annotations

import datetime
import io
import zipfile
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import record_event
from clinic.models import User
from reports.models import GeneratedReport, ReportBatch, ReportStatus
from reports.selectors.batches import SHREDDED_REASON, BatchContents
from reports.services.batch_state import PDF

FAILURES_FILE = "NOT-INCLUDED.txt"


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
        expired_batches = batches.update(status=ReportStatus.EXPIRED, finisher_task_id="")
        expired_reports = (
            GeneratedReport.objects.filter(Q(expires_at__lte=now) | Q(batch_id__in=batch_ids))
            .exclude(status=ReportStatus.EXPIRED)
            .update(content=None, status=ReportStatus.EXPIRED, size_bytes=0)
        )
        if expired_reports or expired_batches:
            record_event("report.expire", detail={"reports": expired_reports, "batches": expired_batches})
    return Expired(reports=expired_reports, batches=expired_batches)


def report_download(*, report: GeneratedReport, by: User) -> bytes | None:
    """The bytes of a ready generated file for the person who asked (the selector checked they may read it now),
    audited as `report.download`; None if it no longer opens (its couple was shredded a moment ago).
    Callers check `report.status` first: expired files have no content."""
    content = report.content
    if content is None:
        return None
    record_event("report.download", actor=by, obj=report,
                 detail={"kind": report.kind, "bytes": len(content), "batch": str(report.batch_id or "")})
    return content


def batch_download(*, contents: BatchContents, by: User) -> bytes:
    """The batch's ZIP for the person who asked, made now from `contents` (reports.selectors.batches.
    batch_contents_for_download: only files of couples they may read now), audited as `report.download`.

    Each file is opened under its own couple's key (the practice's for practice files) as it is added; nothing
    is stored. The ZIP holds each file under its name (references and months, no names) and, when some are left
    out, NOT-INCLUDED.txt listing them by reference with the reason (never clinical text).
    """
    not_included = list(contents.not_included)
    buffer = io.BytesIO()
    added = 0
    reports = GeneratedReport.objects.filter(pk__in=[part.pk for part in contents.parts]).only(
        "id", "couple_id", "practice_id", "file_name", "content", "content_type", "ready_at"
    ).order_by("file_name")
    with zipfile.ZipFile(buffer, "w") as archive:
        for report in reports.iterator(chunk_size=20):
            if report.content is None:  # shredded between the access check and now
                not_included.append((report.file_name, SHREDDED_REASON))
                continue
            stamp = timezone.localtime(report.ready_at or timezone.now())
            entry = zipfile.ZipInfo(report.file_name, date_time=stamp.timetuple()[:6])
            # PDFs are compressed already; CSV files are text and shrink well.
            entry.compress_type = zipfile.ZIP_STORED if report.content_type == PDF else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16  # unpacked readable by its owner only: the files hold PHI
            archive.writestr(entry, report.content)
            added += 1
        if not_included:
            lines = ["These reports are not included. Ask for them again from the report batches page.", ""]
            lines += [f"{reference}: {reason}" for reference, reason in not_included]
            archive.writestr(FAILURES_FILE, "\n".join(lines) + "\n")
    data = buffer.getvalue()
    batch = contents.batch
    record_event("report.download", actor=by, obj=batch,
                 detail={"kind": batch.kind, "bytes": len(data), "reports": added,
                         "not_included": len(not_included), "shredded": contents.shredded})
    return data
