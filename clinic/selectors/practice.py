"""The practice manager's reads: counts by status, caseloads and couples by reference. Columns only
(LISTING_FIELDS): no client identity, no clinical text."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from clinic.models import CLINICAL_ROLES, CareRole, CareTeamMember, Couple, CoupleStatus, User
from clinic.selectors.couples import LISTING_FIELDS


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class PracticeSummary:
    status_counts: list[StatusCount]
    total: int
    new_intakes_this_month: int
    month_start: datetime.date


def _month_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = today.replace(day=1)
    next_month = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, next_month


def practice_summary(user: Any, *, today: datetime.date | None = None) -> PracticeSummary:
    """Counts of the couples `user` may list, by status, plus couples started this month (one query)."""
    today = today or timezone.localdate()
    month_start, next_month = _month_bounds(today)
    aggregates = {f"status_{value}": Count("id", filter=Q(status=value)) for value in CoupleStatus.values}
    aggregates["total"] = Count("id")
    aggregates["new_intakes"] = Count("id", filter=Q(start_date__gte=month_start, start_date__lt=next_month))
    row = Couple.objects.listed_for(user).aggregate(**aggregates)
    return PracticeSummary(
        status_counts=[
            StatusCount(value, label, row[f"status_{value}"]) for value, label in CoupleStatus.choices
        ],
        total=row["total"],
        new_intakes_this_month=row["new_intakes"],
        month_start=month_start,
    )


def practice_caseloads(user: Any, *, today: datetime.date | None = None) -> QuerySet[User]:
    """Active clinicians of the practice with their counts of active couples, as primary and co-therapist.

    Each user carries `as_primary`, `as_co_therapist` and `active_total` (distinct couples).
    """
    today = today or timezone.localdate()
    listed = Couple.objects.listed_for(user).filter(status=CoupleStatus.ACTIVE).values("pk")
    current_active = (
        Q(care_teams__start_date__lte=today)
        & (Q(care_teams__end_date__isnull=True) | Q(care_teams__end_date__gte=today))
        & Q(care_teams__couple__in=listed)
    )
    return (
        User.objects.filter(practice_id=user.practice_id, is_active=True, role__in=CLINICAL_ROLES)
        .annotate(
            as_primary=Count(
                "care_teams__couple", filter=current_active & Q(care_teams__role=CareRole.PRIMARY), distinct=True
            ),
            as_co_therapist=Count(
                "care_teams__couple",
                filter=current_active & Q(care_teams__role=CareRole.CO_THERAPIST),
                distinct=True,
            ),
            active_total=Count(
                "care_teams__couple",
                filter=current_active & Q(care_teams__role__in=[CareRole.PRIMARY, CareRole.CO_THERAPIST]),
                distinct=True,
            ),
        )
        .order_by("last_name", "first_name", "username")
    )


def practice_couples(user: Any, *, status: str = "") -> QuerySet[Couple]:
    """Couples `user` may list, by reference, with `current_primaries` (today's primary therapists).

    Loads only reference, status and dates: no clinical text, no client identity.
    """
    couples = (
        Couple.objects.listed_for(user)
        .only(*LISTING_FIELDS)
        .prefetch_related(
            Prefetch(
                "care_team",
                queryset=CareTeamMember.objects.current().filter(role=CareRole.PRIMARY).select_related("user"),
                to_attr="current_primaries",
            )
        )
        .order_by("reference")
    )
    if status:
        couples = couples.filter(status=status)
    return couples
