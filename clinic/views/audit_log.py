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
from clinic.models import User
from clinic.selectors import audit_log as selectors
from clinic.selectors.audit_log import filter_events
from rapport.forms import error_summary

PAGE_SIZE = 50
CSV_COLUMNS = (
    "id", "at", "actor_username", "actor_id", "action", "outcome", "object_type", "object_id", "couple_id",
    "ip", "request_id", "detail", "actor_name", "couple_reference",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _filter_form(request: HttpRequest, data: Any, staff: list[User]) -> AuditFilterForm:
    practice_id = request.user.practice_id
    return AuditFilterForm(data, staff=staff, actions=selectors.known_actions(practice_id),
                           find_couple=lambda reference: selectors.couple_id_for_reference(practice_id, reference))


def _with_names(events: list[AuditEvent], staff: list[User], practice_id: Any) -> list[AuditEvent]:
    """Staff names beside actor and user ids, and case references beside couple ids (never client names)."""
    names = {str(user.pk): user.display_name for user in staff}
    references = selectors.couple_references(practice_id, {event.couple_id for event in events if event.couple_id})
    for event in events:
        event.actor_name = names.get(str(event.actor_id), "") if event.actor_id else ""
        event.object_name = names.get(event.object_id, "") if event.object_type == "clinic.user" else ""
        event.couple_reference = references.get(event.couple_id, "")
    return events


@require_GET
@admin_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The practice's events, filtered by date, staff member (or any username), action (a group or one),
    outcome, couple reference or record id; staff names and case references beside the ids."""
    staff = selectors.staff_of_practice(request.user.practice_id)
    form = _filter_form(request, request.GET or None, staff)
    page = None
    if not form.is_bound or form.is_valid():
        filters = form.cleaned_data if form.is_bound else {}
        events = filter_events(practice_id=request.user.practice_id, filters=filters)
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = _with_names(list(page.object_list), staff, request.user.practice_id)
    return render(request, "clinic/audit/log.html", {
        "form": form, "errors": error_summary(form), "page": page, "nav": "audit",
    })


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def _csv_row(event: AuditEvent, names: dict[str, str], references: dict[Any, str], zone: Any) -> list[str]:
    values = {
        "id": event.id,
        "at": event.at.astimezone(zone).isoformat(),  # the practice's zone, with its UTC offset
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
        "actor_name": names.get(str(event.actor_id), "") if event.actor_id else "",
        "couple_reference": references.get(event.couple_id, "") if event.couple_id else "",
    }
    return [_csv_cell(values[column]) for column in CSV_COLUMNS]


class _Echo:
    """A write-only file: csv.writer hands each formatted line straight back."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(events: QuerySet[AuditEvent], names: dict[str, str], references: dict[Any, str]) -> Iterator[str]:
    # The rows stream after the view (and the middleware's time zone) has returned: take the zone now.
    zone = timezone.get_current_timezone()

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(CSV_COLUMNS)
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(_csv_row(event, names, references, zone))

    return lines()


@require_GET
@admin_required
def audit_export(request: HttpRequest) -> HttpResponse:
    staff = selectors.staff_of_practice(request.user.practice_id)
    form = _filter_form(request, request.GET, staff)
    if not form.is_valid():
        return redirect(f"{reverse('clinic:audit-log')}?{request.GET.urlencode()}")
    events = filter_events(practice_id=request.user.practice_id, filters=form.cleaned_data)
    export_event = record_event(
        "audit.export", actor=request.user, object_type="audit_log",
        detail={"filters": form.used_filters(), "rows": events.count()},
    )
    # The export holds the events that existed when it was asked for, not the export event itself.
    events = events.filter(id__lt=export_event.id)
    names = {str(user.pk): user.display_name for user in staff}
    references = selectors.couple_references(request.user.practice_id, None)
    response = StreamingHttpResponse(_csv_lines(events, names, references), content_type="text/csv; charset=utf-8")
    filename = f"audit-log-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
