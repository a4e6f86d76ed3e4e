"""Report batches: ask for a month's reports, watch them being made, download one ZIP.

Therapists and supervisors ask for the progress reports of all their active couples; practice managers for the
month's practice pack (no clinical text, no names). A batch and its files belong to the person who asked: for
everyone else they do not exist (404). A download is served only while the person who asked may still read every
couple in it (404, audited, once a care-team place ended, a role changed or the account was deactivated); couples
shredded since are left out of the ZIP. Every download is audited; files expire (410 after that).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from clinic.access import clinician_or_manager_required
from rapport.forms import add_service_errors, error_summary
from reports.forms.batches import BatchRequestForm
from reports.models import ReportStatus
from reports.selectors import batches as selectors
from reports.services import files
from reports.services.batches import batch_create
from reports.services.finishing import batch_nudge


def _nav(request: HttpRequest) -> str:
    """Managers reach batches from "Reports"; clinicians from "Report batches"."""
    return "reports" if request.user.is_practice_manager else "batches"


@require_http_methods(["GET", "POST"])
@clinician_or_manager_required
def batch_list(request: HttpRequest) -> HttpResponse:
    """The form that asks for a batch, and the batches this user asked for."""
    user = request.user
    form = BatchRequestForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            batch = batch_create(
                by=user, month_start=form.cleaned_data["month"],
                include_notes=form.cleaned_data.get("include_notes", False),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Batch started: {batch.total} file{'' if batch.total == 1 else 's'} "
                                      "to generate. This page shows how far it has got.")
            return redirect("reports:batch-detail", pk=batch.pk)
    couples = None
    if user.is_clinician:
        couples = selectors.batch_couples(user).count()
    return render(request, "reports/batches/list.html", {
        "nav": _nav(request),
        "form": form,
        "errors": error_summary(form),
        "batches": selectors.batches_for(user),
        "couple_count": couples,
        "expiry_hours": settings.RAPPORT_REPORT_EXPIRY_HOURS,
    })


def _progress_context(request: HttpRequest, batch: Any) -> dict[str, Any]:
    batch_nudge(batch=batch)  # a batch whose worker died gets a new finishing step
    # Each poll counts as activity for the idle sign-out, so a page left open must not poll for ever: it stops
    # after the idle timeout, counted from when the page was opened (`since`), and offers a refresh link.
    now = int(time.time())
    try:
        since = min(int(request.GET.get("since", now)), now)
    except ValueError:
        since = now
    return {"nav": _nav(request), "batch": batch, "progress": selectors.batch_progress(batch),
            "expiry_hours": settings.RAPPORT_REPORT_EXPIRY_HOURS, "since": since,
            "polling": now - since < settings.RAPPORT_IDLE_TIMEOUT_SECONDS}


@require_GET
def batch_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """One batch: a progress bar until it is done, then one "Download ZIP" button and the list of its files."""
    batch = selectors.get_batch_for_requester(request.user, pk)
    return render(request, "reports/batches/detail.html", _progress_context(request, batch))


@require_GET
def batch_progress(request: HttpRequest, pk: Any) -> HttpResponse:
    """The progress section alone, polled by htmx every 2 seconds until the batch is done; 204 (nothing to swap)
    while it shows the same as the page already does (`seen`)."""
    batch = selectors.get_batch_for_requester(request.user, pk)
    context = _progress_context(request, batch)
    if request.htmx and context["polling"] and request.GET.get("seen") == context["progress"].signature:
        return HttpResponse(status=204)
    return render(request, "reports/batches/detail.html#progress", context)


def _attachment(content: bytes, *, file_name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Content-Length"] = str(len(content))
    return response


def _gone(request: HttpRequest, *, what: str, batch_id: Any, couple_id: Any = None) -> HttpResponse:
    """The file existed and was deleted at its expiry: say so (410 Gone), and how to get a new one (a single
    report: from its couple's reports page; a batch's: a new batch)."""
    return render(request, "reports/batches/expired.html", {
        "nav": _nav(request), "what": what, "batch_id": batch_id, "couple_id": couple_id,
        "expiry_hours": settings.RAPPORT_REPORT_EXPIRY_HOURS,
    }, status=410)


@require_GET
def batch_download(request: HttpRequest, pk: Any) -> HttpResponse:
    """The batch's ZIP, for the person who asked (audited). 410 once expired; 404 until it is ready."""
    batch = selectors.get_batch_for_requester(request.user, pk)
    if batch.status == ReportStatus.EXPIRED:
        return _gone(request, what="This batch", batch_id=batch.pk)
    if batch.status != ReportStatus.READY:
        return render(request, "reports/batches/not_ready.html", {"nav": _nav(request), "batch": batch}, status=404)
    contents = selectors.batch_contents_for_download(request.user, batch)  # 404 (audited) if access was lost
    content = files.batch_download(contents=contents, by=request.user)
    return _attachment(content, file_name=batch.archive_name, content_type="application/zip")


@require_GET
def report_download(request: HttpRequest, pk: Any) -> HttpResponse:
    """One generated file, for the person who asked (audited). 410 once expired; 404 until it is ready."""
    report = selectors.get_report_for_requester(request.user, pk)
    if report.status == ReportStatus.EXPIRED or report.expires_at <= timezone.now():
        return _gone(request, what="This report", batch_id=report.batch_id,
                     couple_id=report.couple_id if report.batch_id is None else None)
    if report.status != ReportStatus.READY:
        return render(request, "reports/batches/not_ready.html", {"nav": _nav(request), "report": report}, status=404)
    content = files.report_download(report=report, by=request.user)
    if content is None:
        raise Http404("No such report.")
    return _attachment(content, file_name=report.file_name, content_type=report.content_type)
