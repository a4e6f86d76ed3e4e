"""The progress tab: each objective of the couple's current plan with its chart and values, and the form
for a value the therapist enters by hand.

Read: clinicians who can read the couple (supervisors included). Write: the primary therapist and
co-therapists (others 404). Practice managers and administrators: 403.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import record_event
from clinic.access import clinician_required, get_couple_for_user
from clinic.models import Couple
from plans.forms.progress import ProgressPointForm
from plans.selectors import progress as selectors
from plans.services.progress import progress_values_record
from rapport.forms import add_service_errors, error_summary

NAV = "couples"


@require_GET
@clinician_required
def progress_overview(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Objectives of the active plan (else the draft), each with chart, baseline, latest, target, values."""
    couple = get_couple_for_user(request.user, couple_pk)
    record_event("progress.view", actor=request.user, obj=couple)
    return render(request, "plans/progress/overview.html", {
        "nav": NAV,
        "couple": couple,
        "overview": selectors.progress_overview(couple),
        "can_edit": Couple.objects.editable_by(request.user).filter(pk=couple.pk).exists(),
    })


@require_http_methods(["GET", "POST"])
@clinician_required
def progress_point_add(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Enter one value of one objective by hand (source "manual"): a value per partner on a both-partners
    objective."""
    couple = get_couple_for_user(request.user, couple_pk, write=True)
    plan, objectives = selectors.current_objectives(couple)
    if request.method == "POST":
        form = ProgressPointForm(request.POST, objectives=objectives)
        if form.is_valid():
            data = form.cleaned_data
            try:
                progress_values_record(
                    couple=couple, objective_lineage=data["objective"], recorded_on=data["recorded_on"],
                    values=form.values(), by=request.user, note=data["note"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Value saved.")
                return redirect(f"{reverse('plans:progress', args=[couple.pk])}#objective-{data['objective']}")
    else:
        initial = {}
        wanted = request.GET.get("objective", "")
        if any(str(objective.lineage) == wanted for objective in objectives):
            initial["objective"] = str(uuid.UUID(wanted))
        form = ProgressPointForm(initial=initial, objectives=objectives)
    return render(request, "plans/progress/point_add.html", {
        "per_partner": form.chosen_per_partner,
        "nav": NAV,
        "couple": couple,
        "plan": plan,
        "objectives": objectives,
        "form": form,
        "errors": error_summary(form),
    }, status=400 if form.is_bound and form.errors else 200)
