"""Reads for the practice core's pages. Every query starts from a scoped queryset of clinic.models.

The selectors own their select_related / prefetch_related, so a page's query count does not grow with
the number of couples on it (see the query-count tests).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from clinic.models import (
    CLINICAL_ROLES,
    CareRole,
    CareTeamMember,
    Client,
    Couple,
    CoupleStatus,
    Partner,
    User,
)
from clinic.services.couples import find_clients_by_name

# Columns a practice manager's pages may load: no clinical text is even read from the database.
LISTING_FIELDS = ("id", "practice_id", "reference", "status", "start_date", "end_date")


def couples_for_list(user: Any, *, status: str = "") -> QuerySet[Couple]:
    """The clinician's "My couples": visible couples with partners' clients and the user's own role.

    Each couple carries `my_memberships` (the user's current care-team rows on it, possibly empty).
    """
    couples = (
        Couple.objects.visible_to(user)
        .defer("presenting_concerns")
        .prefetch_related(
            Prefetch(
                "partners",
                queryset=Partner.objects.select_related("client").defer("ipv_notes"),
            ),
            Prefetch(
                "care_team",
                queryset=CareTeamMember.objects.current().filter(user=user),
                to_attr="my_memberships",
            ),
        )
        .order_by("reference")
    )
    if status:
        couples = couples.filter(status=status)
    return couples


def couples_with_client_named(user: Any, *, name: str) -> tuple[QuerySet[Couple], int]:
    """Couples `user` can see in which a partner's full or last name matches `name` exactly.

    Matching folds case, accents and spacing (see find_clients_by_name). Returns the couples and how
    many clients of the practice matched before the visibility filter (for the audit event only).
    """
    clients = find_clients_by_name(practice_id=user.practice_id, name=name)
    partner_rows = Partner.objects.filter(client_id__in=[c.pk for c in clients]).values("couple_id")
    return couples_for_list(user).filter(pk__in=partner_rows), len(clients)


def care_team_for(couple: Couple) -> list[CareTeamMember]:
    """Everyone who is or was on the couple's care team, current members first.

    Expects the care team prefetched with its users (as get_couple_for_user and couple_listed_for do).
    """
    members = list(couple.care_team.all())
    role_order = {CareRole.PRIMARY: 0, CareRole.CO_THERAPIST: 1, CareRole.SUPERVISOR: 2}
    return sorted(members, key=lambda m: (not m.is_current, role_order.get(m.role, 9), m.start_date))


def is_current_primary(couple: Couple, user: Any) -> bool:
    """Whether `user` is the couple's primary therapist today (from the prefetched care team)."""
    return any(
        m.user_id == user.pk and m.role == CareRole.PRIMARY and m.is_current for m in couple.care_team.all()
    )


def care_team_candidates(couple: Couple) -> QuerySet[User]:
    """Active therapists and supervisors of the couple's practice who are not on its care team today."""
    on_team = CareTeamMember.objects.current().filter(couple=couple).values("user_id")
    return (
        User.objects.filter(practice_id=couple.practice_id, is_active=True, role__in=CLINICAL_ROLES)
        .exclude(pk__in=on_team)
        .order_by("last_name", "first_name", "username")
    )


def couples_of_client(user: Any, client: Client) -> QuerySet[Couple]:
    """Couples `user` can see in which `client` is a partner, the most recent first."""
    return (
        Couple.objects.visible_to(user)
        .filter(pk__in=Partner.objects.filter(client=client).values("couple_id"))
        .only(*LISTING_FIELDS)
        .order_by("-start_date", "reference")
    )


# --- Practice manager ---------------------------------------------------------------------------


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


def couple_listed_for(user: Any, pk: Any) -> Couple | None:
    """One couple `user` may list (managers: any of their practice), with its care team; no clinical text."""
    return (
        Couple.objects.listed_for(user)
        .filter(pk=pk)
        .only(*LISTING_FIELDS)
        .prefetch_related(Prefetch("care_team", queryset=CareTeamMember.objects.select_related("user")))
        .first()
    )
