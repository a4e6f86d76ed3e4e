"""What a partner sends from the portal: a questionnaire, a checking / reassurance log entry, a thought record,
a behavioural experiment; and the questionnaires a therapist sends a partner now.

The partner's entries go through the same services as the clinician's (plans.services.measures and
plans.services.cbt) with source "client", so they land in the same tables, charts and reports. A PHQ-9
item 9 above 0 opens a risk there (Kroenke, Spitzer & Williams 2001); free text naming self-harm
(portal.safety) opens one here, with source "client". Either way the page shows the crisis information at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import CoupleStatus, RiskKind, RiskSource, User
from clinic.services.risks import risk_raise
from plans.forms.cbt import default_log_objective, feed_objectives
from plans.instruments import Instrument
from plans.models import EntrySource, PlanStatus
from plans.selectors.progress import current_objectives
from plans.services.cbt import cbt_record_create
from plans.services.measures import measure_record
from portal.models import MeasureRequest, PortalAccount
from portal.safety import names_self_harm

# The free-text fields of each kind that are read for words naming self-harm.
FREE_TEXT = {
    "checking": ("trigger",),
    "thought-record": ("situation", "automatic_thought", "evidence_for", "evidence_against", "balanced_thought"),
    "experiment": ("prediction", "experiment", "outcome", "learned"),
}


@dataclass(frozen=True)
class Sent:
    record: models.Model
    at_risk: bool  # show the crisis information now


NOT_SAVED_MESSAGE = ("Your answers could not be saved just now. Please try again later, or tell your therapist "
                     "at your next appointment.")


class MeasureNotSaved(ValidationError):
    """The partner's answers were refused. `at_risk`: a risk item was answered above 0, and the risk was
    raised all the same, so the page shows the crisis information."""

    def __init__(self, message: str | dict, *, at_risk: bool) -> None:
        super().__init__(message, code="not_saved")
        self.at_risk = at_risk


def _risk_answers(instrument: Instrument, answers: list) -> list[str]:
    return [f"item {n} answered {answers[n - 1]}" for n in instrument.risk_items
            if n <= len(answers) and isinstance(answers[n - 1], int) and answers[n - 1] > 0]


def portal_measure_submit(*, account: PortalAccount, instrument: Instrument, answers: list,
                          difficulty: int | None = None) -> Sent:
    """Store the partner's answers as today's administration (source "client") and close any request of the
    therapist for this questionnaire. A partner may answer the same questionnaire more than once a day
    (plans.services.measures.measure_record never refuses a client-reported form for an earlier one).

    Should the answers be refused all the same (MeasureNotSaved: answers that do not fit, a couple whose start
    date is after today), a risk item answered above 0 (PHQ-9 item 9, Kroenke, Spitzer & Williams 2001) still
    opens a risk for the therapist, and the error says so (at_risk) for the page to show the crisis information.
    Errors on "answers" are kept per item; any other is replaced by a message for the partner (never staff
    pages)."""
    try:
        with transaction.atomic():
            return _measure_submit(account, instrument, answers, difficulty)
    except ValidationError as error:
        risky = _risk_answers(instrument, answers)
        if risky:
            with transaction.atomic():
                risk_raise(couple=account.couple, kind=RiskKind.SUICIDE, source=RiskSource.CLIENT,
                           partner=account.position,
                           detail=f"{instrument.short_name} answered in the portal on "
                                  f"{timezone.localdate():%-d %b %Y} but not saved: {', '.join(risky)}.")
                record_event("portal.measure_refused", actor=account, obj=account,
                             detail={"instrument": instrument.code, "partner": account.position, "risk_flag": True})
        answer_errors = error.message_dict.get("answers") if hasattr(error, "error_dict") else None
        raise MeasureNotSaved({"answers": answer_errors} if answer_errors else NOT_SAVED_MESSAGE,
                              at_risk=bool(risky)) from None


def _measure_submit(account: PortalAccount, instrument: Instrument, answers: list, difficulty: int | None) -> Sent:
    administration = measure_record(
        couple=account.couple, by=None, instrument=instrument, partner=account.position,
        administered_on=timezone.localdate(), answers=answers, difficulty=difficulty, source=EntrySource.CLIENT,
    )
    MeasureRequest.objects.filter(account=account, instrument=instrument.code, completed_at__isnull=True).update(
        administration=administration, completed_at=timezone.now())
    record_event("portal.measure_submit", actor=account, obj=administration,
                 detail={"instrument": instrument.code, "partner": account.position,
                         "risk_flag": administration.risk_flag})
    return Sent(administration, administration.risk_flag)


def portal_entry_submit(*, account: PortalAccount, kind: str, fields: dict[str, Any]) -> Sent:
    """Store one homework entry of the partner (a key of FREE_TEXT), source "client". A checking log entry
    counts towards the current plan's checking objective (plans.forms.cbt.default_log_objective), as the
    clinician's entries do; a thought record or experiment feeds the active plan's one objective for this
    partner whose data source is that kind of entry (marked client-reported on its chart). Free text naming
    self-harm opens a risk for the therapist."""
    if kind not in FREE_TEXT:
        raise ValidationError("Unknown kind of entry.")
    fields = {**fields, "partner": account.position}
    if kind == "checking":
        _, objectives = current_objectives(account.couple)
        objective = default_log_objective(objectives)
        fields["objective_lineage"] = objective.lineage if objective else None
    elif kind in ("thought-record", "experiment"):
        # Fed to the plan's objective for this partner (or both) whose values come from this kind of entry,
        # when there is exactly one: the partner never picks, and never sees, an objective.
        plan, objectives = current_objectives(account.couple)
        eligible = feed_objectives(objectives, kind, account.position) if plan is not None and \
            plan.status == PlanStatus.ACTIVE else []
        fields["objective_lineage"] = eligible[0].lineage if len(eligible) == 1 else None
    with transaction.atomic():
        record = cbt_record_create(kind=kind, couple=account.couple, by=None, fields=fields,
                                   source=EntrySource.CLIENT)
        record_event("portal.entry_submit", actor=account, obj=record, detail={"kind": kind,
                                                                               "partner": account.position})
        at_risk = names_self_harm(*(str(getattr(record, name) or "") for name in FREE_TEXT[kind]))
        if at_risk:
            risk_raise(couple=account.couple, kind=RiskKind.SUICIDE, source=RiskSource.CLIENT, source_id=record.pk,
                       partner=account.position,
                       detail="Words naming self-harm in a client-reported entry from the portal.")
    return Sent(record, at_risk)


def measure_request_send(*, account: PortalAccount, instrument: Instrument, by: User) -> MeasureRequest:
    """The therapist asks the partner to answer `instrument` now (it shows in their portal until answered)."""
    if account.couple.status == CoupleStatus.DISCHARGED:
        raise ValidationError("This couple has been discharged: the portal is closed to them.")
    with transaction.atomic():
        existing = MeasureRequest.objects.filter(account=account, instrument=instrument.code,
                                                 completed_at__isnull=True).first()
        if existing is not None:
            return existing
        request = MeasureRequest(account=account, couple=account.couple, instrument=instrument.code, requested_by=by)
        request.full_clean()
        request.save()
        record_event("portal.measure_request", actor=by, obj=request,
                     detail={"instrument": instrument.code, "partner": account.position})
    return request


