"""The audit log for practice administrators: filter, page through and export their practice's events.

Events carry no names or clinical text (see audit.services), so administrators may read all of them.
Every other role is refused with 403, and the refusal is itself an audit event.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.models import AuditEvent
from audit.services import record_event
from clinic.access import admin_required
from clinic.forms.audit_log import AuditFilterForm
from clinic.selectors.audit_log import filter_events
from rapport.forms import error_summary

PAGE_SIZE = 50
CSV_COLUMNS = (
    "id", "at", "actor_username", "actor_id", "action", "outcome", "object_type", "object_id", "couple_id",
    "ip", "request_id", "detail",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@require_GET
@admin_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        filters = form.cleaned_data if form.is_bound else {}
        events = filter_events(practice_id=request.user.practice_id, filters=filters)
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "clinic/audit/log.html", {
        "form": form, "errors": error_summary(form), "page": page, "nav": "audit",
    })


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def _csv_row(event: AuditEvent) -> list[str]:
    values = {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor_username": event.actor_username,
        "actor_id": event.actor_id or "",
        "action": event.action,
        "outcome": event.outcome,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "couple_id": event.couple_id or "",
        "ip": event.ip or "",
        "request_id": event.request_id,
        "detail": json.dumps(event.detail, sort_keys=True) if event.detail else "",
    }
    return [_csv_cell(values[column]) for column in CSV_COLUMNS]


class _Echo:
    """A write-only file: csv.writer hands each formatted line straight back."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(_csv_row(event))


@require_GET
@admin_required
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return redirect(f"{reverse('clinic:audit-log')}?{request.GET.urlencode()}")
    events = filter_events(practice_id=request.user.practice_id, filters=form.cleaned_data)
    export_event = record_event(
        "audit.export", actor=request.user, object_type="audit_log",
        detail={"filters": form.used_filters(), "rows": events.count()},
    )
    # The export holds the events that existed when it was asked for, not the export event itself.
    events = events.filter(id__lt=export_event.id)
    response = StreamingHttpResponse(_csv_lines(events), content_type="text/csv; charset=utf-8")
    filename = f"audit-log-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
