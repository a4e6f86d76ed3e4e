"""The practice's trust-issue library: list, add and edit items.

Any therapist or supervisor of the practice may read and edit it (it holds generic wording, no client
data); managers and administrators are refused (403). The library is created on first use from
plans/library_data.py. Plans copy items, so edits here never change an existing plan.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from clinic.access import clinician_required
from plans.forms.plans import LibraryItemForm
from plans.models import LibraryItem
from plans.selectors import plans as selectors
from plans.services import library as services
from rapport.forms import add_service_errors, error_summary

NAV = "library"


def _status(form: LibraryItemForm) -> int:
    return 400 if form.is_bound and form.errors else 200


@require_GET
@clinician_required
def library_list(request: HttpRequest) -> HttpResponse:
    """Every item of the practice's library, grouped by kind (items switched off are shown as such)."""
    services.ensure_practice_library(request.user.practice, by=request.user)
    return render(request, "plans/library/list.html", {
        "nav": NAV, "groups": selectors.library_groups(request.user.practice),
    })


@require_http_methods(["GET", "POST"])
@clinician_required
def library_item_create(request: HttpRequest) -> HttpResponse:
    """Add an item of the practice's own."""
    form = LibraryItemForm(request.POST if request.method == "POST" else None,
                           initial={"kind": request.GET.get("kind", "")})
    if form.is_bound and form.is_valid():
        try:
            item = services.library_item_create(practice=request.user.practice, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"\u201c{item.title}\u201d added to the library.")
            return redirect("plans:library-list")
    return render(request, "plans/library/form.html", {
        "nav": NAV, "form": form, "errors": error_summary(form), "item": None,
    }, status=_status(form))


@require_http_methods(["GET", "POST"])
@clinician_required
def library_item_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    """Change an item of the practice's library. Plans built from it keep their own wording."""
    item = LibraryItem.objects.filter(practice_id=request.user.practice_id, pk=pk).first()
    if item is None:
        raise Http404("No such library item.")
    if request.method == "POST":
        form = LibraryItemForm(request.POST, editing=True)
        if form.is_valid():
            try:
                services.library_item_update(item=item, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"\u201c{item.title}\u201d saved. Plans already built from it are "
                                          f"unchanged.")
                return redirect("plans:library-list")
    else:
        form = LibraryItemForm(editing=True, initial={name: getattr(item, name) for name in services.LIBRARY_FIELDS})
    return render(request, "plans/library/form.html", {
        "nav": NAV, "form": form, "errors": error_summary(form), "item": item,
    }, status=_status(form))
