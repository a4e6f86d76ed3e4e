"""The affair record page: a clinician on the case records that an affair is ongoing or has ended
(clinic.services.affair). Primary and co-therapists only (write access); managers never reach it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinic.access import clinician_required, get_couple_for_user
from clinic.forms.affair import AffairForm
from clinic.services import affair as services
from rapport.forms import add_service_errors, error_summary

NAV = "couples"


@require_http_methods(["GET", "POST"])
@clinician_required
def affair_record(request: HttpRequest, pk: Any) -> HttpResponse:
    couple = get_couple_for_user(request.user, pk, write=True)
    status = 200
    if request.method == "POST":
        form = AffairForm(request.POST)
        if form.is_valid():
            try:
                services.affair_record(couple=couple, by=request.user, status=form.cleaned_data["affair_status"],
                                       ended_on=form.cleaned_data["affair_ended_on"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Affair record saved.")
                return redirect("clinic:couple-detail", pk=couple.pk)
        status = 400
    else:
        form = AffairForm(initial=AffairForm.initial_for(couple))
    return render(request, "clinic/couples/affair.html", {
        "nav": NAV, "couple": couple, "form": form, "errors": error_summary(form),
    }, status=status)
