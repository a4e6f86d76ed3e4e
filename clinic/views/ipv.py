"""The IPV gate's override page: a clinician on the case documents why joint sessions may go on despite a
positive HITS or a clinician's concern (clinic.ipv). Primary and co-therapists only (write access)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinic.access import clinician_required, get_couple_for_user
from clinic.forms.ipv import IpvOverrideForm
from clinic.services import ipv as services
from rapport.forms import add_service_errors, error_summary

NAV = "couples"


@require_http_methods(["GET", "POST"])
@clinician_required
def ipv_override(request: HttpRequest, pk: Any) -> HttpResponse:
    couple = get_couple_for_user(request.user, pk, write=True)
    status = 200
    if request.method == "POST":
        form = IpvOverrideForm(request.POST)
        if form.is_valid():
            try:
                services.ipv_override_record(couple=couple, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Override documented: sessions with both partners may be recorded. "
                                          "Your supervisor is told.")
                return redirect("clinic:couple-detail", pk=couple.pk)
        status = 400
    else:
        form = IpvOverrideForm()
    return render(request, "clinic/couples/ipv_override.html", {
        "nav": NAV, "couple": couple, "partners": list(couple.partners.all()), "form": form,
        "errors": error_summary(form),
    }, status=status)
