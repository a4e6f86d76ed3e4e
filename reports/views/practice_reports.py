"""The monthly practice report for practice managers: a page with charts and tables, a PDF and a CSV.

Counts, rates, dates, statuses and case references only: no client name and no clinical text. Every other
role gets 403 (audited); anonymous visitors are sent to sign in. Each PDF or CSV download is audited as
`report.download`, naming the practice and the month.
"""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.services import record_event
from clinic.access import roles_allowed
from clinic.models import Practice, Role
from rapport.forms import error_summary
from reports import practice_reports
from reports.builders.practice import build_practice_report
from reports.selectors.practice import Month

NAV = "reports"
EARLIEST = datetime.date(2000, 1, 1)
MONTH_PATTERN = re.compile(r"^\d{4}-\d{2}$")
BAD_FORMAT = "Enter the year and month as four digits, a dash and two digits, e.g. 2025-09."


class MonthForm(forms.Form):
    month = forms.CharField(
        label="Month", max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}", "inputmode": "numeric"}),
        help_text="Year and month, for example 2025-09.",
        error_messages={"required": "Choose a month, for example 2025-09.", "max_length": BAD_FORMAT},
    )

    def clean_month(self) -> Month:
        value = self.cleaned_data["month"].strip()
        if not MONTH_PATTERN.match(value):
            raise ValidationError(BAD_FORMAT)
        try:
            month = Month.parse(value)
        except ValueError:
            raise ValidationError("Enter a month from 01 to 12, e.g. 2025-09.") from None
        current = Month.of(timezone.localdate())
        if month.start > current.start:
            raise ValidationError(f"Choose {current.label} or an earlier month: later months have not begun.")
        if month.start < EARLIEST:
            raise ValidationError("Choose a month from January 2000 onwards.")
        return month


def _chosen_month(request: HttpRequest) -> tuple[MonthForm, Month | None]:
    """The month asked for in ?month=YYYY-MM (default: the last full month), or None when it is invalid."""
    if "month" not in request.GET:
        month = Month.last_full()
        return MonthForm(initial={"month": month.key}), month
    form = MonthForm(request.GET)
    return form, form.cleaned_data["month"] if form.is_valid() else None


def _practice(request: HttpRequest) -> Practice:
    """The manager's own practice (a manager account without one has nothing to report on)."""
    if request.user.practice is None:
        raise PermissionDenied
    return request.user.practice


def _invalid_month(request: HttpRequest, form: MonthForm) -> HttpResponse:
    return render(request, "reports/practice/report.html", {
        "nav": NAV, "form": form, "errors": error_summary(form), "report": None,
    }, status=400)


def _links(month: Month) -> dict[str, str]:
    current = Month.of(timezone.localdate())
    query = f"?month={month.key}"
    return {
        "pdf_url": reverse("reports:practice-report-pdf") + query,
        "csv_url": reverse("reports:practice-report-csv") + query,
        "previous_url": reverse("reports:practice-report") + f"?month={month.previous.key}"
        if month.previous.start >= EARLIEST else "",
        "next_url": reverse("reports:practice-report") + f"?month={month.next.key}"
        if month.next.start <= current.start else "",
    }


@require_GET
@roles_allowed(Role.PRACTICE_MANAGER)
def practice_report(request: HttpRequest) -> HttpResponse:
    form, month = _chosen_month(request)
    if month is None:
        return _invalid_month(request, form)
    report = build_practice_report(practice=_practice(request), month=month)
    return render(request, "reports/practice/report.html", {
        "nav": NAV, "form": form, "errors": [], "report": report, "month": month, **_links(month),
    })


def _download(request: HttpRequest, content: bytes, content_type: str, name: str, month: Month,
              kind: str) -> HttpResponse:
    with transaction.atomic():
        record_event(
            "report.download", actor=request.user, object_type="clinic.practice", object_id=request.user.practice_id,
            detail={"report": "practice", "format": kind, "month": month.key},
        )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
@roles_allowed(Role.PRACTICE_MANAGER)
def practice_report_pdf(request: HttpRequest) -> HttpResponse:
    form, month = _chosen_month(request)
    if month is None:
        return _invalid_month(request, form)
    pdf = practice_reports.practice_report_pdf(practice=_practice(request), user=request.user,
                                               month_start=month.start)
    return _download(request, pdf, "application/pdf", practice_reports.file_name(month, "pdf"), month, "pdf")


@require_GET
@roles_allowed(Role.PRACTICE_MANAGER)
def practice_report_csv(request: HttpRequest) -> HttpResponse:
    form, month = _chosen_month(request)
    if month is None:
        return _invalid_month(request, form)
    content = practice_reports.practice_report_csv(practice=_practice(request), user=request.user,
                                                   month_start=month.start)
    return _download(request, content, "text/csv; charset=utf-8", practice_reports.file_name(month, "csv"), month,
                     "csv")
