"""Reads of the risk register: what each page a clinician opens daily shows, and the numbers a manager sees."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from clinic.models import Couple, Practice, Risk, RiskKind, RiskStatus


def _overdue_since(practice: Practice, now: datetime.datetime | None = None) -> datetime.datetime:
    """Risks raised before this moment and still open are past the practice's acknowledgement window."""
    return (now or timezone.now()) - datetime.timedelta(hours=practice.risk_acknowledge_hours)


def with_overdue(risks: list[Risk], now: datetime.datetime | None = None) -> list[Risk]:
    """Mark each risk `.overdue` (open past its practice's window) and `.follow_up_overdue` (acknowledged, and the
    day its follow-up was due has passed), for templates and serializers. Reads `risk.couple.practice`: select it
    with the risks."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    for risk in risks:
        risk.overdue = risk.status == RiskStatus.OPEN and risk.raised_at < _overdue_since(risk.couple.practice, now)
        risk.follow_up_overdue = (risk.status == RiskStatus.ACKNOWLEDGED and risk.follow_up_on is not None
                                  and risk.follow_up_on < today)
    return risks


def _needs_action_first(risk: Risk) -> tuple:
    """Open risks first, then acknowledged ones whose follow-up is overdue, then the rest; oldest first."""
    return (risk.status != RiskStatus.OPEN, not risk.follow_up_overdue, risk.raised_at)


def unresolved_risks_for(user: Any) -> list[Risk]:
    """Open and acknowledged risks of every couple `user` may read (their care-team cases; a supervisor's
    also their supervisees'), open ones first, then those whose follow-up is overdue, oldest first. One query."""
    risks = list(
        Risk.objects.unresolved().filter(couple__in=Couple.objects.visible_to(user))
        .select_related("couple__practice").defer("couple__presenting_concerns")
        .order_by("raised_at")
    )
    return sorted(with_overdue(risks), key=_needs_action_first)


def overdue_risks_for(user: Any) -> list[Risk]:
    """Open risks past the window in the cases `user` may read: the supervisor's queue shows these."""
    risks = with_overdue(list(
        Risk.objects.filter(status=RiskStatus.OPEN, couple__in=Couple.objects.visible_to(user))
        .select_related("couple__practice", "escalated_to").defer("couple__presenting_concerns").order_by("raised_at")
    ))
    return [risk for risk in risks if risk.overdue]


def unresolved_risks_of(couple: Couple) -> list[Risk]:
    """The couple's open and acknowledged risks (the overview banner and the clinical PDFs)."""
    risks = list(couple.risks.unresolved().select_related("acknowledged_by", "couple__practice")
                 .defer("couple__presenting_concerns").order_by("raised_at"))
    return sorted(with_overdue(risks), key=_needs_action_first)


def risks_of(couple: Couple) -> list[Risk]:
    """Every risk of the couple, unresolved first, for the register page."""
    risks = list(couple.risks.select_related("acknowledged_by", "closed_by", "escalated_to", "couple__practice",
                                             "screen__recorded_by", "safety_plan")
                 .defer("couple__presenting_concerns").order_by("raised_at"))
    risks.sort(key=lambda r: ({RiskStatus.OPEN: 0, RiskStatus.ACKNOWLEDGED: 1}.get(r.status, 2), r.raised_at))
    return with_overdue(risks)


def get_risk_of(couple: Couple, pk: Any) -> Risk | None:
    return couple.risks.filter(pk=pk).first()


@dataclass(frozen=True)
class RiskCounts:
    open: int
    overdue: int
    acknowledged: int


def risk_counts(practice: Practice, *, now: datetime.datetime | None = None) -> RiskCounts:
    """Numbers only, for the practice manager: open, open past the window, acknowledged. One query."""
    cutoff = _overdue_since(practice, now)
    totals = Risk.objects.filter(couple__practice=practice).aggregate(
        open=Count("pk", filter=Q(status=RiskStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=RiskStatus.OPEN, raised_at__lt=cutoff)),
        acknowledged=Count("pk", filter=Q(status=RiskStatus.ACKNOWLEDGED)),
    )
    return RiskCounts(**totals)


def has_unresolved_suicide_risk(couple: Couple) -> bool:
    return couple.risks.unresolved().filter(kind=RiskKind.SUICIDE).exists()
