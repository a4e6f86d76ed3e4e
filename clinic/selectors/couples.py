"""Reads of couples for the practice core's pages: a clinician's list, the name search, a client's couples,
and one couple as a practice manager may see it. Every query starts from a scoped queryset of clinic.models.

The selectors own their select_related / prefetch_related, so a page's query count does not grow with
the number of couples on it (see the query-count tests).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from clinic.models import CareRole, CareTeamMember, Client, Couple, Discharge, Partner
from clinic.selectors.names import search_couples

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


def couples_with_client_named(user: Any, *, name: str) -> tuple[list[Couple], int]:
    """Couples `user` can see in which a partner's first, last or preferred name contains `name`, ignoring
    case and accents (clinic.selectors.names: the visible caseload's names are decrypted in memory).

    Two queries whatever the caseload: the partners' names, then the list's couples for the matches.
    Returns the couples and how many matched (for the audit event: a count, never the name).
    """
    found, _names = search_couples(user, name)
    couples = list(couples_for_list(user).filter(pk__in=found)) if found else []
    return couples, len(couples)


def couples_of_client(user: Any, client: Client) -> QuerySet[Couple]:
    """Couples `user` can see in which `client` is a partner, the most recent first."""
    return (
        Couple.objects.visible_to(user)
        .filter(pk__in=Partner.objects.filter(client=client).values("couple_id"))
        .only(*LISTING_FIELDS)
        .order_by("-start_date", "reference")
    )


def couple_listed_for(user: Any, pk: Any) -> Couple | None:
    """One couple `user` may list (managers: any of their practice), with its care team; no clinical text."""
    return (
        Couple.objects.listed_for(user)
        .filter(pk=pk)
        .only(*LISTING_FIELDS)
        .prefetch_related(Prefetch("care_team", queryset=CareTeamMember.objects.select_related("user__supervisor")))
        .first()
    )


def with_primary_therapist(queryset: QuerySet[Couple]) -> QuerySet[Couple]:
    """Prefetch each couple's current primary therapist into `current_primary` (one query per page)."""
    primary = CareTeamMember.objects.current().filter(role=CareRole.PRIMARY).select_related("user")
    return queryset.prefetch_related(Prefetch("care_team", queryset=primary, to_attr="current_primary"))


def couple_rows_for(user: Any) -> QuerySet[Couple]:
    """The API's couples list: managers get the practice's cases (listing columns only: no clinical text is
    even read), clinicians theirs with the partners' names."""
    if user.is_practice_manager:
        return with_primary_therapist(Couple.objects.listed_for(user).only(*LISTING_FIELDS))
    partners = Partner.objects.select_related("client").defer("ipv_notes")
    return with_primary_therapist(Couple.objects.visible_to(user).defer("presenting_concerns")).prefetch_related(
        Prefetch("partners", queryset=partners)
    )


def couple_summary_listed_for(user: Any, pk: Any) -> Couple | None:
    """One couple a practice manager may open in the API: listing columns and its primary therapist."""
    return with_primary_therapist(Couple.objects.listed_for(user).only(*LISTING_FIELDS)).filter(pk=pk).first()


def latest_discharge(couple: Couple) -> Discharge | None:
    """What was recorded at the couple's latest discharge, with who recorded it (one query), or None. The caller
    reached `couple` through clinic.access."""
    return Discharge.objects.filter(couple=couple).select_related("recorded_by").order_by("-recorded_at").first()
