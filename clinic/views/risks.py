"""The couple's risk register: every safety concern raised, acknowledged with its follow-up, closed.

Clinicians who can read the couple (its care team, the supervisor of an associate on it) see it and act on
it: a supervisor told of an overdue risk can acknowledge it too. Managers and administrators never reach it.
Every view is audited; a save based on an old version is refused like any other stale save.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from audit.services import record_event
from clinic.access import clinician_required, get_couple_for_user
from clinic.forms.risks import RiskAcknowledgeForm, RiskCheckForm, RiskCloseForm, SuicideRiskAcknowledgeForm
from clinic.models import Couple, Risk, RiskKind, RiskStatus
from clinic.selectors import risks as selectors
from clinic.selectors import safety as safety_selectors
from clinic.services import risks as services
from rapport.forms import add_service_errors, error_summary
from rapport.versioning import StaleVersion

NAV = "couples"


def _acknowledge_form(risk: Risk, plans: dict[str, Any], data: Any = None) -> RiskAcknowledgeForm:
    """The acknowledge form of a risk; a suicide risk's also asks the screen and the safety plan, prefilled
    with the partner's plan in force."""
    if risk.kind != RiskKind.SUICIDE:
        return RiskAcknowledgeForm(data, prefix=f"ack-{risk.pk}", initial={"version": risk.version})
    plan = plans.get(risk.partner)
    initial = {"version": risk.version, "plan_version": plan.number if plan else 0, **(plan.sections() if plan else {})}
    return SuicideRiskAcknowledgeForm(data, prefix=f"ack-{risk.pk}", initial=initial)


def _current_plans(couple: Couple) -> dict[str, Any]:
    return {item.position: item.plan for item in safety_selectors.safety_of(couple)}


def _register(request: HttpRequest, couple: Couple, *, forms: dict[Any, Any] | None = None,
              status: int = 200) -> HttpResponse:
    forms = forms or {}
    risks = selectors.risks_of(couple)
    plans = _current_plans(couple) if any(
        r.kind == RiskKind.SUICIDE and r.status == RiskStatus.OPEN and r.pk not in forms for r in risks) else {}
    for risk in risks:
        risk.acknowledge_form, risk.check_form, risk.close_form = forms.get(risk.pk) or (
            _acknowledge_form(risk, plans),
            RiskCheckForm(initial={"version": risk.version}, prefix=f"check-{risk.pk}"),
            RiskCloseForm(initial={"version": risk.version}, prefix=f"close-{risk.pk}"),
        )
    errors = [item for bound in forms.values() for item in error_summary(*bound)]
    return render(request, "clinic/risks/register.html", {
        "nav": NAV, "couple": couple, "risks": risks, "errors": errors,
        "hours": couple.practice.risk_acknowledge_hours,
    }, status=status)


@require_GET
@clinician_required
def risk_register(request: HttpRequest, pk: Any) -> HttpResponse:
    couple = get_couple_for_user(request.user, pk)
    record_event("risk.view", actor=request.user, obj=couple)
    return _register(request, couple)


def _risk(couple: Couple, risk_pk: Any) -> Risk:
    risk = selectors.get_risk_of(couple, risk_pk)
    if risk is None:
        raise Http404("No such risk.")
    return risk


DONE = {"acknowledge": "Risk acknowledged; follow-up recorded.", "check": "Check recorded.", "close": "Risk closed."}


def _act(request: HttpRequest, pk: Any, risk_pk: Any, *, action: str) -> HttpResponse:
    couple = get_couple_for_user(request.user, pk)
    risk = _risk(couple, risk_pk)
    posted = {name: request.POST if name == action else None for name in DONE}
    ack_form = _acknowledge_form(risk, _current_plans(couple), posted["acknowledge"])
    check_form = RiskCheckForm(posted["check"], prefix=f"check-{risk.pk}", initial={"version": risk.version})
    close_form = RiskCloseForm(posted["close"], prefix=f"close-{risk.pk}", initial={"version": risk.version})
    form = {"acknowledge": ack_form, "check": check_form, "close": close_form}[action]
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "close":
                services.risk_close(risk=risk, by=request.user, note=data["note"], base_version=data["version"])
            elif action == "check":
                services.risk_check(risk=risk, by=request.user, note=data["note"], follow_up_on=data["follow_up_on"],
                                    base_version=data["version"])
            elif isinstance(form, SuicideRiskAcknowledgeForm):
                services.risk_acknowledge(
                    risk=risk, by=request.user, follow_up=data["follow_up"], follow_up_on=data["follow_up_on"],
                    base_version=data["version"], screen_answers=form.screen_answers(),
                    safety_plan=form.plan_sections(), plan_base_version=data["plan_version"],
                    plan_not_made=data["safety_plan_not_made"])
            else:
                services.risk_acknowledge(risk=risk, by=request.user, follow_up=data["follow_up"],
                                          follow_up_on=data["follow_up_on"], base_version=data["version"])
        except StaleVersion:
            form.add_error(None, "Someone else changed this risk or the partner's safety plan since you opened the "
                                 "page. Your text is kept below: read the register and the safety page again, then "
                                 "save.")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, DONE[action])
            return redirect("clinic:risk-register", pk=couple.pk)
    return _register(request, couple, forms={risk.pk: (ack_form, check_form, close_form)}, status=400)


@require_POST
@clinician_required
def risk_acknowledge(request: HttpRequest, pk: Any, risk_pk: Any) -> HttpResponse:
    return _act(request, pk, risk_pk, action="acknowledge")


@require_POST
@clinician_required
def risk_check(request: HttpRequest, pk: Any, risk_pk: Any) -> HttpResponse:
    return _act(request, pk, risk_pk, action="check")


@require_POST
@clinician_required
def risk_close(request: HttpRequest, pk: Any, risk_pk: Any) -> HttpResponse:
    return _act(request, pk, risk_pk, action="close")
