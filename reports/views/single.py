"""A single report's page: "Preparing…" while a task worker makes it, then the download.

The couple's Reports page queues the report (reports.views.couple_reports) and lands here. With JavaScript, htmx
asks for the status section every 2 seconds (204, nothing to swap, while nothing changed) and the live region
announces the change; without it, the page refreshes itself every 5 seconds and offers a refresh link. The
download (reports.views.batches.report_download) checks access again and is audited. Only the person who asked
sees the page, while they may still read the couple (404, audited, for everyone else).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from reports.selectors.batches import get_report_for_requester
from reports.selectors.single import report_state


def _context(request: HttpRequest, report: Any) -> dict[str, Any]:
    # Each poll counts as activity for the idle sign-out, so a page left open stops polling after the idle
    # timeout, counted from when it was opened (`since`), and offers a refresh link (as the batch page does).
    now = int(time.time())
    try:
        since = min(int(request.GET.get("since", now)), now)
    except ValueError:
        since = now
    return {"nav": "couples", "report": report, "couple": report.couple, "state": report_state(report),
            "expiry_hours": settings.RAPPORT_REPORT_EXPIRY_HOURS, "since": since,
            "polling": now - since < settings.RAPPORT_IDLE_TIMEOUT_SECONDS}


@require_GET
def report_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """The report's page: its status until it is ready, then "Download"."""
    report = get_report_for_requester(request.user, pk)
    if report.batch_id is not None:
        return redirect("reports:batch-detail", pk=report.batch_id)
    return render(request, "reports/single/detail.html", _context(request, report))


@require_GET
def report_status(request: HttpRequest, pk: Any) -> HttpResponse:
    """The status section alone, polled by htmx; 204 while it shows what the page already does (`seen`)."""
    report = get_report_for_requester(request.user, pk)
    if report.batch_id is not None:
        return redirect("reports:batch-detail", pk=report.batch_id)
    context = _context(request, report)
    if request.htmx and context["polling"] and request.GET.get("seen") == context["state"].signature:
        return HttpResponse(status=204)
    return render(request, "reports/single/detail.html#status", context)
