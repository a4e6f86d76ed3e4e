"""Reads of the practice's audit trail for its administrators' audit log page and export."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent


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
