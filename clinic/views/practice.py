"""The practice manager's home: counts, caseloads and couples by reference. No client names, no clinical text."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clinic.access import roles_allowed
from clinic.forms.couples import StatusFilterForm
from clinic.models import Role
from clinic.selectors import offboarding as offboarding_selectors
from clinic.selectors import practice as selectors

COUPLES_PER_PAGE = 50


@require_GET
@roles_allowed(Role.PRACTICE_MANAGER)
def practice_home(request: HttpRequest) -> HttpResponse:
    status_form = StatusFilterForm(request.GET or None)
    status = status_form.cleaned_data["status"] if status_form.is_valid() else ""
    paginator = Paginator(selectors.practice_couples(request.user, status=status), COUPLES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "clinic/practice/home.html", {
        "nav": "practice",
        "summary": selectors.practice_summary(request.user),
        "caseloads": selectors.practice_caseloads(request.user),
        "without_primary": list(offboarding_selectors.couples_without_primary(request.user)),
        "page": page,
        "status_form": status_form,
        "status": status,
    })
