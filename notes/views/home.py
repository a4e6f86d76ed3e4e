"""The therapist's home page ("Today"): sessions of the day, unsigned notes, co-signatures, late entries,
overdue plan reviews and measures due. Therapists and supervisors; clinic:home sends them here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clinic.access import clinician_required
from notes.selectors.home import LATE_ENTRY_DAYS, home_for

NAV = "today"


@require_GET
@clinician_required
def therapist_home(request: HttpRequest) -> HttpResponse:
    """What needs the clinician's attention today: reads only, no clinical text on the page."""
    return render(request, "notes/home/home.html", {
        "nav": NAV, "home": home_for(request.user), "late_entry_days": LATE_ENTRY_DAYS,
    })
