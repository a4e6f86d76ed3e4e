"""The audit log for practice administrators: filter, page through and export their practice's events.

Events carry no names or clinical text (see audit.services), so administrators may read all of them.
Every other role is refused with 403, and the refusal is itself an audit event.
"""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.models import AuditEvent
from audit.services import record_event
from clinic.models import Role

PAGE_SIZE = 50
CSV_COLUMNS = (
    "id", "at", "actor_username", "actor_id", "action", "outcome", "object_type", "object_id", "couple_id",
    "ip", "request_id", "detail",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let through administrators of a practice; refuse (403, audited) everyone else who is signed in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if getattr(user, "role", None) != Role.ADMIN or not getattr(user, "practice_id", None):
            record_event(
                "access.denied", actor=user, object_type="page", object_id=request.resolver_match.view_name,
                outcome=AuditEvent.Outcome.DENIED,
            )
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(
        required=False, label="From date", widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the from date as YYYY-MM-DD."},
    )
    date_to = forms.DateField(
        required=False, label="To date", widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the to date as YYYY-MM-DD."},
    )
    actor = forms.CharField(required=False, max_length=150, label="Actor (username)")
    action = forms.CharField(
        required=False, max_length=60, label="Action",
        help_text="An action or the start of one, for example auth. or couple.view",
    )
    outcome = forms.ChoiceField(
        required=False, label="Outcome", choices=[("", "Any outcome"), *AuditEvent.Outcome.choices],
    )
    record = forms.UUIDField(
        required=False, label="Record or couple id",
        error_messages={"invalid": "Enter a record id as shown in the log (32 hex digits, with or without dashes)."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The to date must be on or after the from date.")
        return data

    def used_filters(self) -> list[str]:
        """Names of the filters given (for the export's audit event: values may be free text)."""
        return sorted(name for name, value in self.cleaned_data.items() if value not in (None, ""))


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filter_events(*, practice_id: Any, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """The practice's events matching cleaned filter values, newest first (by chain position)."""
    events = AuditEvent.objects.filter(practice_id=practice_id)
    if filters.get("date_from"):
        events = events.filter(at__gte=_start_of(filters["date_from"]))
    if filters.get("date_to"):
        events = events.filter(at__lt=_start_of(filters["date_to"] + datetime.timedelta(days=1)))
    if filters.get("actor"):
        events = events.filter(actor_username__iexact=filters["actor"].strip())
    if filters.get("action"):
        events = events.filter(action__startswith=filters["action"].strip())
    if filters.get("outcome"):
        events = events.filter(outcome=filters["outcome"])
    if filters.get("record"):
        record = filters["record"]
        events = events.filter(Q(object_id=str(record)) | Q(couple_id=record))
    return events.order_by("-id")


@require_GET
@admin_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        filters = form.cleaned_data if form.is_bound else {}
        events = filter_events(practice_id=request.user.practice_id, filters=filters)
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "clinic/audit/log.html", {"form": form, "page": page, "nav": "audit"})


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
