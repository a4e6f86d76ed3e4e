"""Reads for the IPV screen (clinic.ipv): re-screen prompts and the overrides a supervisor is told about.

A new IPV concern in a progress note's risk check also prompts a re-screen. Notes sit above clinic, so the
notes app registers the answer here from NotesConfig.ready() (as it does for plans.session_calendar).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from clinic.ipv import DEFAULT_RESCREEN_DAYS
from clinic.models import CareTeamMember, Couple, Partner, User

# (couple, positions, since) -> the positions ("a"/"b") whose risk check noted partner violence as a
# concern in a note of a session after `since` (None: any session).
NoteConcernProvider = Callable[[Couple, dict[str, datetime.date | None]], set[str]]
_note_concerns: NoteConcernProvider | None = None

SUPERVISOR_NOTICE_DAYS = 30


def register_note_concerns(provider: NoteConcernProvider) -> None:
    global _note_concerns
    _note_concerns = provider


@dataclass(frozen=True)
class RescreenPrompt:
    partner: Partner
    reason: str  # "interval" or "note_concern"


def rescreen_prompts(couple: Couple, partners: list[Partner]) -> list[RescreenPrompt]:
    """Partners whose IPV screen is due again: older than the practice's interval (default 90 days), or a
    progress note since the screen noted a partner-violence concern for them. Unscreened partners have
    their own notice (IPV screen missing)."""
    days = getattr(couple.practice, "ipv_rescreen_days", None) or DEFAULT_RESCREEN_DAYS
    today = timezone.localdate()
    screened = [p for p in partners if p.ipv_screened_on is not None]
    flagged_in_notes: set[str] = set()
    if _note_concerns is not None and screened:
        flagged_in_notes = _note_concerns(couple, {p.position: p.ipv_screened_on for p in screened})
    prompts = []
    for partner in screened:
        if partner.position in flagged_in_notes:
            prompts.append(RescreenPrompt(partner, "note_concern"))
        elif (today - partner.ipv_screened_on).days >= days:
            prompts.append(RescreenPrompt(partner, "interval"))
    return prompts


def overrides_for_supervisor(user: User, *, days: int = SUPERVISOR_NOTICE_DAYS) -> QuerySet[Couple]:
    """Couples where a supervisee of `user` is on the care team today and an override of the IPV gate was
    documented in the last `days` days: the supervisor is told (notes' review queue shows them)."""
    since = timezone.now() - datetime.timedelta(days=days)
    supervised = CareTeamMember.objects.current().filter(user__supervisor=user)
    return (
        Couple.objects.filter(pk__in=supervised.values("couple_id"), practice_id=user.practice_id,
                              ipv_override_at__gte=since)
        .select_related("ipv_override_by").defer("presenting_concerns", "ipv_override_reason")
        .order_by("-ipv_override_at")
    )
