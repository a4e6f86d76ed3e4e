"""Reads of a couple's care team: who is and was on it, whether a user is its primary therapist, and who
could join it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clinic.models import CLINICAL_ROLES, CareRole, CareTeamMember, Couple, User


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
