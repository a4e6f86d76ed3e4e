"""Reads of the practice's audit trail for its administrators' audit log page and export."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import Couple, User


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filter_events(*, practice_id: Any, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """The practice's events matching cleaned filter values, newest first (by chain position)."""
    events = AuditEvent.objects.filter(practice_id=practice_id)
    if filters.get("date_from"):
        events = events.filter(at__gte=_start_of(filters["date_from"]))
    if filters.get("date_to"):
        events = events.filter(at__lt=_start_of(filters["date_to"] + datetime.timedelta(days=1)))
    if filters.get("staff"):
        events = events.filter(actor_id=filters["staff"])
    if filters.get("actor"):
        events = events.filter(actor_username__iexact=filters["actor"].strip())
    if filters.get("action"):
        action = filters["action"].strip()
        # "couple." is every couple action; a whole name is that action only
        events = events.filter(action__startswith=action) if action.endswith(".") else events.filter(action=action)
    if filters.get("couple_id"):
        events = events.filter(couple_id=filters["couple_id"])
    if filters.get("outcome"):
        events = events.filter(outcome=filters["outcome"])
    if filters.get("record"):
        record = filters["record"]
        events = events.filter(Q(object_id=str(record)) | Q(couple_id=record))
    return events.order_by("-id")


def staff_of_practice(practice_id: Any) -> list[User]:
    """Every staff account of the practice, active or not (the log's staff picker and names beside ids)."""
    return list(User.objects.filter(practice_id=practice_id).only(
        "id", "username", "first_name", "last_name", "credentials", "is_active").order_by("last_name", "first_name"))


def known_actions(practice_id: Any) -> list[str]:
    """The actions that occur in the practice's log, sorted (the log's action list). One query on an index."""
    return sorted(AuditEvent.objects.filter(practice_id=practice_id).order_by()
                  .values_list("action", flat=True).distinct())


def couple_id_for_reference(practice_id: Any, reference: str) -> Any:
    """The id of the practice's couple with this case reference (any letter case), or None. References are
    case numbers, safe for an administrator to type and see; the couple's record stays out of reach."""
    return (Couple.objects.filter(practice_id=practice_id, reference__iexact=reference.strip())
            .values_list("id", flat=True).first())


def couple_references(practice_id: Any, couple_ids: set[Any] | None) -> dict[Any, str]:
    """{couple id: reference} for the given ids of the practice's couples, or all of them with None (one query;
    none for an empty set)."""
    if couple_ids is not None and not couple_ids:
        return {}
    couples = Couple.objects.filter(practice_id=practice_id)
    if couple_ids is not None:
        couples = couples.filter(pk__in=couple_ids)
    return dict(couples.values_list("id", "reference"))
