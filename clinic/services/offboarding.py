"""Deactivating a clinician without leaving their couples silently without a primary therapist.

An administrator deactivating a therapist or supervisor says, for each couple in care they are primary therapist
of, who takes it over, or explicitly leaves it unassigned (it then shows on the practice overview's alert). Their
other care-team places end; their supervisees get the new supervisor chosen, or are explicitly left without one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import CareTeamMember, Role, User
from clinic.reauth import require_identity
from clinic.selectors.offboarding import caseload_of
from clinic.services.couples import make_primary
from clinic.services.users import Deactivation, user_deactivate

UNASSIGNED_MESSAGE = ("Choose who takes over each couple, or tick \u201cLeave unassigned\u201d to deactivate anyway: "
                      "the couples then show as having no primary therapist on the practice overview.")
SUPERVISEES_MESSAGE = ("Choose a new supervisor for their supervisees, or tick \u201cLeave unassigned\u201d to leave "
                       "them without one for now.")


@dataclass(frozen=True)
class Offboarding:
    deactivation: Deactivation
    reassigned: int
    left_unassigned: int
    roles_ended: int
    supervisees_moved: int


def _end(member: CareTeamMember, *, by: User, on: datetime.date) -> None:
    """End a care-team place on `on` (a place not started yet ends on its first day)."""
    member.end_date = max(on, member.start_date)
    member.save(update_fields=["end_date"])
    record_event("care_team.end", actor=by, obj=member, couple_id=member.couple_id,
                 detail={"user_id": str(member.user_id), "because": "offboarding"})


def user_offboard(*, user: User, by: User, secret: str, successors: dict[Any, User | None],
                  supervisor: User | None = None, leave_unassigned: bool = False) -> Offboarding:
    """Deactivate `user` (clinic.services.users.user_deactivate), end every care-team place of theirs and hand
    their couples over: `successors` maps a couple id to its new primary therapist (None or absent: nobody).
    Refused unless every couple and supervisee has someone, or `leave_unassigned` is set. One transaction.
    `by` is an administrator of the practice (the caller checked) and confirms it is them with `secret`, their
    password or a current code (`reauth.user_deactivate`), checked after the choices above are complete."""
    caseload = caseload_of(user)
    chosen = {str(key): value for key, value in successors.items() if value is not None}
    unassigned = [m for m in caseload.primary if str(m.couple_id) not in chosen]
    errors: dict[str, list[str]] = {}
    if unassigned and not leave_unassigned:
        errors["successors"] = [UNASSIGNED_MESSAGE]
    if caseload.supervisees and supervisor is None and not leave_unassigned:
        errors["supervisor"] = [SUPERVISEES_MESSAGE]
    for successor in [*chosen.values(), *([supervisor] if supervisor else [])]:
        if successor.pk == user.pk or successor.practice_id != user.practice_id or not successor.is_active \
                or not successor.is_clinician:
            errors.setdefault("successors", []).append("Choose active clinicians of the practice to take over.")
            break
    if supervisor is not None and supervisor.role != Role.SUPERVISOR:
        errors.setdefault("supervisor", []).append("Choose a supervisor.")
    if errors:
        raise ValidationError(errors)
    # Outside the transaction below, so that a failed attempt stays in the audit trail.
    require_identity(by, secret, purpose="user_deactivate")
    today = timezone.localdate()
    with transaction.atomic():
        deactivation = user_deactivate(user=user, by=by)
        for member in [*caseload.primary, *caseload.other_roles]:
            _end(member, by=by, on=today)
        for member in caseload.primary:
            successor = chosen.get(str(member.couple_id))
            if successor is not None:
                make_primary(couple=member.couple, successor=successor, by=by, on=today)
        moved = 0
        if supervisor is not None:
            moved = User.objects.filter(pk__in=[s.pk for s in caseload.supervisees]).update(supervisor=supervisor)
        record_event("user.offboard", actor=by, obj=user, detail={
            "reassigned": len(caseload.primary) - len(unassigned), "left_unassigned": len(unassigned),
            "roles_ended": len(caseload.primary) + len(caseload.other_roles), "supervisees_moved": moved,
            "supervisees_left": len(caseload.supervisees) - moved,
        })
    return Offboarding(deactivation, len(caseload.primary) - len(unassigned), len(unassigned),
                       len(caseload.primary) + len(caseload.other_roles), moved)
