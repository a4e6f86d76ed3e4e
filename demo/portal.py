"""The partner portal in the demo: partner A of one active couple has a portal account, a PHQ-9 their therapist
sent them to answer now, and this week's checking log in progress (two entries of their own). Built through
the portal's services; idempotent (nothing happens once the couple has a portal account)."""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from clinic.models import CareRole, CareTeamMember, Couple, CoupleStatus, Practice
from plans.instruments import BUILTIN
from plans.models import PlanStatus, TreatmentPlan
from portal.models import AccountStatus, PortalAccount
from portal.services import accounts, entries

PORTAL_EMAIL = "partner.a@demo.rapport.example"
PORTAL_PASSWORD = "rapport-portal-2026"


def portal_couple(practice: Practice) -> Couple | None:
    """The demo couple whose partner A uses the portal: the first active couple (by reference) with a signed plan."""
    with_plan = TreatmentPlan.objects.filter(status=PlanStatus.ACTIVE).values("couple_id")
    return (Couple.objects.filter(practice=practice, status=CoupleStatus.ACTIVE, pk__in=with_plan)
            .order_by("reference").first())


def seed(practice: Practice, *, stdout: TextIO | None = None, email: str = PORTAL_EMAIL) -> Counter:
    """`email`: the partner's sign-in address (one per portal account across the database: seed_scale uses its
    own, so the demo and the scale practice can share a database)."""
    created: Counter = Counter()
    couple = portal_couple(practice)
    if couple is None or PortalAccount.objects.filter(couple__practice=practice).exists():
        return created
    therapist = CareTeamMember.objects.current().filter(couple=couple, role=CareRole.PRIMARY).first().user
    # The invitation email would print to the console in the middle of seed_demo's output: keep it in memory.
    with transaction.atomic(), override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        invitation = accounts.portal_invite(couple=couple, position="a", email=email, by=therapist)
        account = invitation.account
        # The demo partner has accepted: the password is published like the staff's (demo only).
        accounts.portal_accept(invitation=account.invitations.get(used_at=None), password=PORTAL_PASSWORD)
        created["portal account"] += 1
        entries.measure_request_send(account=account, instrument=BUILTIN["phq9"], by=therapist)
        created["questionnaire sent to the portal"] += 1
        today = timezone.localdate()
        for kind, resisted, trigger in (("checking", True, "A late reply to a message"),
                                        ("reassurance", False, "Partner home later than said")):
            entries.portal_entry_submit(account=account, kind="checking", fields={
                "occurred_on": today, "kind": kind, "resisted": resisted, "trigger": trigger})
            created["client-reported log entry"] += 1
    return created


def login_line(practice: Practice) -> str | None:
    """What seed_demo prints for the portal: where, who, and the password."""
    account = PortalAccount.objects.filter(couple__practice=practice, status=AccountStatus.ACTIVE).select_related(
        "couple").first()
    if account is None:
        return None
    return (f"  Partner portal: /portal/login/  {account.email}  password {PORTAL_PASSWORD}  "
            f"(Partner A of {account.couple.reference}: a PHQ-9 to answer, this week's log in progress)")


