"""A couple's suicide-risk follow-up: each partner's C-SSRS screens and safety plan (every version).

Reached from the risk register and the overview's risk banner. The same clinicians who act on the register
(those who can read the couple) read and write it; managers and administrators never reach it, strangers get
a 404. Every view is audited (ids only); a save based on an older plan or screen is refused, keeping the text.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from audit.services import record_event
from clinic import cssrs
from clinic.access import clinician_required, get_couple_for_user
from clinic.forms.risks import SafetyPlanForm, SuicideScreenForm
from clinic.models import Couple, PartnerPosition
from clinic.selectors import safety as selectors
from clinic.services import safety as services
from rapport.forms import add_service_errors, error_summary
from rapport.versioning import StaleVersion

NAV = "couples"
STALE = ("Someone else saved a newer {what} for this partner since you opened the page. Your answers are kept "
         "below: read the newer one, then save again.")


def _page(request: HttpRequest, couple: Couple, *, bound: dict[tuple[str, str], Any] | None = None,
          status: int = 200) -> HttpResponse:
    bound = bound or {}
    partners = selectors.safety_of(couple)
    for item in partners:
        item.plan_form = bound.get((item.position, "plan")) or SafetyPlanForm(
            prefix=f"plan-{item.position}",
            initial={"version": item.plan_version, **(item.plan.sections() if item.plan else {})})
        item.screen_form = bound.get((item.position, "screen")) or SuicideScreenForm(
            prefix=f"screen-{item.position}", initial={"version": item.screen_version})
    return render(request, "clinic/risks/safety.html", {
        "nav": NAV, "couple": couple, "partners": partners, "errors": error_summary(*bound.values()),
        "cssrs_source": cssrs.CSSRS_SOURCE, "plan_source": cssrs.SAFETY_PLAN_SOURCE,
    }, status=status)


def _partner(partner: str) -> str:
    if partner not in PartnerPosition.values:
        raise Http404("No such partner.")
    return partner


@require_GET
@clinician_required
def safety_record(request: HttpRequest, pk: Any) -> HttpResponse:
    couple = get_couple_for_user(request.user, pk)
    record_event("safety_record.view", actor=request.user, obj=couple)
    return _page(request, couple)


@require_POST
@clinician_required
def safety_plan_save(request: HttpRequest, pk: Any, partner: str) -> HttpResponse:
    couple = get_couple_for_user(request.user, pk)
    partner = _partner(partner)
    form, status = SafetyPlanForm(request.POST, prefix=f"plan-{partner}"), 400
    if form.is_valid():
        try:
            plan = services.safety_plan_save(couple=couple, partner=partner, by=request.user,
                                             sections=form.plan_sections(), base_version=form.cleaned_data["version"])
        except StaleVersion:
            status = 409
            form.add_error(None, STALE.format(what="safety plan"))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Safety plan of {PartnerPosition(partner).label} saved (version {plan.number}).")
            return redirect("clinic:safety-record", pk=couple.pk)
    return _page(request, couple, bound={(partner, "plan"): form}, status=status)


@require_POST
@clinician_required
def suicide_screen_record(request: HttpRequest, pk: Any, partner: str) -> HttpResponse:
    couple = get_couple_for_user(request.user, pk)
    partner = _partner(partner)
    form, status = SuicideScreenForm(request.POST, prefix=f"screen-{partner}"), 400
    if form.is_valid():
        try:
            screen = services.suicide_screen_record(couple=couple, partner=partner, by=request.user,
                                                    answers=form.screen_answers(),
                                                    base_version=form.cleaned_data["version"])
        except StaleVersion:
            status = 409
            form.add_error(None, STALE.format(what="screen"))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Screen of {PartnerPosition(partner).label} recorded: "
                                      f"{screen.triage_label.lower()}.")
            return redirect("clinic:safety-record", pk=couple.pk)
    return _page(request, couple, bound={(partner, "screen"): form}, status=status)

