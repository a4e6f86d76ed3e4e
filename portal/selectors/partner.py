"""Every read of the partner portal, each starting from the signed-in partner account: a partner reaches only
their own questionnaires, homework and entries, never the other partner's, never notes, risks or IPV data.

`visible_to_partner(model, account)` is the one scoped queryset of a partner's own entries; a row outside it
is a 404 (audited when it exists), the same answer as a missing one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event
from clinic.models import Couple, CoupleStatus, Risk, RiskSource
from plans import charts
from plans.instruments import Instrument
from plans.models import (
    BehaviouralExperiment,
    CheckingLogEntry,
    EntrySource,
    Goal,
    Homework,
    HomeworkStatus,
    MeasureAdministration,
    PartnerScope,
    PlanStatus,
    ThoughtRecord,
)
from plans.selectors.instruments import instruments_for
from plans.selectors.measures import measures_due_for_partner
from plans.selectors.progress import current_objectives
from portal.models import MeasureRequest, PortalAccount

ENTRY_MODELS: dict[str, type] = {
    "measure": MeasureAdministration,
    "checking": CheckingLogEntry,
    "thought-record": ThoughtRecord,
    "experiment": BehaviouralExperiment,
}


def visible_to_partner(model: type, account: PortalAccount) -> QuerySet:
    """The partner's own portal entries of `model`: their couple, their position, entered by them."""
    return model.objects.filter(couple_id=account.couple_id, partner=account.position, source=EntrySource.CLIENT)


def get_entry_for_partner(account: PortalAccount, kind: str, pk: Any) -> Any:
    """One of the partner's own entries, else 404 (and an audit event when the row exists: someone tried)."""
    model = ENTRY_MODELS.get(kind)
    if model is None:
        raise Http404("No such entry.")
    row = visible_to_partner(model, account).filter(pk=pk).first()
    if row is None:
        if model.objects.filter(pk=pk).exists():
            record_event("access.denied", actor=account, object_type=model._meta.label_lower, object_id=pk,
                         outcome=AuditEvent.Outcome.DENIED, detail={"portal": True})
        raise Http404("No such entry.")
    return row


@dataclass(frozen=True)
class DueItem:
    instrument: Instrument
    reason: str  # "scheduled" or "sent"
    since: datetime.date


def due_for_partner(account: PortalAccount, *, today: datetime.date | None = None) -> list[DueItem]:
    """Questionnaires the partner has to answer: those their couple's active plan schedules and that are due
    (plans.selectors.measures), and those the therapist sent now and that are not answered yet. Once each."""
    instruments = instruments_for(account.couple.practice_id)
    items: dict[str, DueItem] = {}
    for request in open_requests(account):
        instrument = instruments.get(request.instrument)
        if instrument is not None and request.instrument not in items:
            items[request.instrument] = DueItem(instrument, "sent", request.requested_at.date())
    for row in measures_due_for_partner(account.couple_id, account.position, today=today):
        instrument = instruments.get(row.instrument)
        if instrument is not None and row.instrument not in items:
            items[row.instrument] = DueItem(instrument, "scheduled", row.due_since)
    return sorted(items.values(), key=lambda item: (item.since, item.instrument.code))


def open_requests(account: PortalAccount) -> QuerySet[MeasureRequest]:
    return MeasureRequest.objects.filter(account=account, completed_at__isnull=True).order_by("requested_at")


def answered_today(account: PortalAccount, instrument_code: str, *, today: datetime.date | None = None) -> bool:
    """Whether the partner already has an administration of the instrument today (any source): "Send now"
    tells the therapist, without refusing."""
    return MeasureAdministration.objects.filter(
        couple_id=account.couple_id, partner=account.position, instrument=instrument_code,
        administered_on=today or timezone.localdate()).exists()


def homework_for_partner(account: PortalAccount) -> QuerySet[Homework]:
    """The homework the therapist set for this partner or for both, still to do."""
    return Homework.objects.filter(
        couple_id=account.couple_id, partner__in=[account.position, PartnerScope.BOTH],
        status=HomeworkStatus.ASSIGNED,
    ).order_by("due_on", "assigned_on")


def entries_of_partner(account: PortalAccount, *, limit: int = 50) -> list[tuple[str, Any]]:
    """The partner's own portal entries, newest first: (kind, row)."""
    rows: list[tuple[str, Any]] = []
    for kind, model in ENTRY_MODELS.items():
        at = "recorded_at" if model is MeasureAdministration else "created_at"
        rows += [(kind, row) for row in visible_to_partner(model, account).order_by(f"-{at}")[:limit]]
    return sorted(rows, key=lambda r: getattr(r[1], "recorded_at", None) or r[1].created_at, reverse=True)[:limit]


def scores_of_partner(account: PortalAccount) -> QuerySet[MeasureAdministration]:
    """All the partner's own scores (theirs in session and in the portal), shown only when the therapist
    turned charts on for them."""
    return MeasureAdministration.objects.filter(couple_id=account.couple_id, partner=account.position).order_by(
        "instrument", "administered_on")


def goals_for_partner(account: PortalAccount) -> list[Goal]:
    """The goals of the couple's current plan whose problem applies to this partner or to both (shown only
    when the therapist turned goals on for them)."""
    plan, _ = current_objectives(account.couple)
    if plan is None or plan.status != PlanStatus.ACTIVE:  # a draft is not the couple's plan yet
        return []
    return list(Goal.objects.filter(problem__plan=plan).filter(
        Q(problem__applies_to=account.position) | Q(problem__applies_to=PartnerScope.BOTH)
    ).order_by("problem__position", "position"))


def accounts_of_couple(couple: Couple) -> dict[str, PortalAccount]:
    """The couple's portal accounts by partner position (for the therapist's portal-access page)."""
    return {account.partner.position: account for account in
            PortalAccount.objects.filter(couple=couple).select_related("partner")}


def portal_open(couple: Couple) -> bool:
    return couple.status != CoupleStatus.DISCHARGED



@dataclass(frozen=True)
class ScoreChart:
    instrument: Instrument
    chart: Any  # SVG (plans.charts.render), the same kind of chart the therapist's Measures tab draws
    rows: list[MeasureAdministration]


def scores_by_instrument(account: PortalAccount) -> list[ScoreChart]:
    """The partner's own totals per questionnaire, as a chart and a table (only their own line)."""
    instruments = instruments_for(account.couple.practice_id)
    grouped: dict[str, list[MeasureAdministration]] = {}
    for row in scores_of_partner(account).only("id", "couple_id", "partner", "instrument", "administered_on",
                                               "total", "band", "source", "recorded_at"):
        grouped.setdefault(row.instrument, []).append(row)
    result = []
    for code, rows in grouped.items():
        instrument = instruments.get(code)
        if instrument is None:
            continue
        points = [(row.administered_on, float(row.total)) for row in rows if row.total is not None]
        chart = charts.render(charts.Chart(
            title=f"Your {instrument.short_name} scores", y_label="Total",
            description=f"Your {instrument.short_name} totals over time, {len(points)} in all.",
            y_min=instrument.min_score, y_max=instrument.max_score,
            series=(charts.Series("You", points),),
            reference_lines=(charts.ReferenceLine(instrument.cutoff_label or "Cut-off", instrument.cutoff),)
            if instrument.cutoff is not None else (),
        ))
        result.append(ScoreChart(instrument, chart, rows))
    return result


def entry_raised_risk(entry: Any) -> bool:
    """Whether the partner's words in this entry opened a risk (portal.safety): the page shows the crisis
    information again. Only a yes or no: a partner never reads the register."""
    return Risk.objects.filter(couple_id=entry.couple_id, source=RiskSource.CLIENT, source_id=entry.pk).exists()
