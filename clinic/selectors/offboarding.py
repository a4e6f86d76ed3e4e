"""What a clinician leaves behind when they go: their care-team roles, supervisees and unsigned work.

The deactivation page shows it and asks who takes each case over (clinic.services.offboarding). Apps above
clinic add what only they know (notes: draft notes) through `register_open_work` from their AppConfig.ready().
Also the practice overview's alert: couples in care with no primary therapist today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from clinic.models import CLINICAL_ROLES, CareRole, CareTeamMember, Couple, CoupleStatus, Role, User

IN_CARE = (CoupleStatus.INTAKE, CoupleStatus.ACTIVE, CoupleStatus.ON_HOLD)


@dataclass(frozen=True)
class OpenWork:
    """Something of the clinician's that nobody else can finish, e.g. ("draft notes", 3, ["C-2026-0004"])."""

    label: str
    count: int
    references: tuple[str, ...] = ()


OpenWorkProvider = Callable[[User], list[OpenWork]]
_providers: list[OpenWorkProvider] = []


def register_open_work(provider: OpenWorkProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


@dataclass
class Caseload:
    primary: list[CareTeamMember] = field(default_factory=list)  # couples in care they are primary therapist of
    other_roles: list[CareTeamMember] = field(default_factory=list)  # co-therapist and supervisor places
    supervisees: list[User] = field(default_factory=list)
    open_work: list[OpenWork] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.primary or self.other_roles or self.supervisees or any(w.count for w in self.open_work))


def _memberships(user: User) -> QuerySet[CareTeamMember]:
    """`user`'s care-team places today or later, on the practice's couples still in care."""
    today = timezone.localdate()
    return (CareTeamMember.objects.filter(user=user, couple__status__in=IN_CARE)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .select_related("couple").only("id", "role", "start_date", "end_date", "user_id", "couple__id",
                                           "couple__reference", "couple__status")
            .order_by("couple__reference"))


def caseload_of(user: User) -> Caseload:
    """Everything the deactivation page lists for `user` (a colleague of the administrator). A few queries."""
    memberships = list(_memberships(user))
    return Caseload(
        primary=[m for m in memberships if m.role == CareRole.PRIMARY],
        other_roles=[m for m in memberships if m.role != CareRole.PRIMARY],
        supervisees=list(User.objects.filter(supervisor=user, is_active=True).order_by("last_name", "first_name")),
        open_work=[work for provider in _providers for work in provider(user)],
    )


def successor_candidates(user: User) -> QuerySet[User]:
    """Active therapists and supervisors of `user`'s practice, other than `user`."""
    return (User.objects.filter(practice_id=user.practice_id, is_active=True, role__in=CLINICAL_ROLES)
            .exclude(pk=user.pk).order_by("last_name", "first_name", "username"))


def supervisor_candidates(user: User) -> QuerySet[User]:
    return successor_candidates(user).filter(role=Role.SUPERVISOR)


def couples_without_primary(user: Any) -> QuerySet[Couple]:
    """Couples in care in the practice `user` manages with nobody as primary therapist today (someone left them
    unassigned, or their therapist was deactivated): the practice overview's alert. References only."""
    primary_today = CareTeamMember.objects.current().filter(couple_id=OuterRef("pk"), role=CareRole.PRIMARY)
    return (Couple.objects.listed_for(user).filter(status__in=IN_CARE).filter(~Exists(primary_today))
            .only("id", "reference", "status").order_by("reference"))
