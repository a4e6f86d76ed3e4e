"""The monthly practice report for practice managers: a page with charts and tables, a PDF and a CSV; and the
session export (CSV, one row per session of any period) for the practice's billing system.

Counts, rates, dates, statuses and case references only: no client name and no clinical text. Every other
role gets 403 (audited); anonymous visitors are sent to sign in. Each PDF or CSV download is audited as
`report.download`, naming the practice and the month.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.services import record_event
from clinic.access import roles_allowed
from clinic.models import Practice, Role
from clinic.selectors.offboarding import couples_without_primary
from rapport.forms import error_summary
from reports.builders.practice import build_practice_report
from reports.forms.periods import LAST_MONTH, LAST_QUARTER, PeriodForm
from reports.forms.practice import EARLIEST, MonthForm
from reports.rendering import practice as rendering
from reports.rendering import session_export as export_rendering
from reports.selectors.practice import Month
from reports.selectors.session_export import Period

QUARTER_DEFAULT = LAST_QUARTER  # the other-period picker's first choice

NAV = "reports"


def _chosen_month(request: HttpRequest) -> tuple[MonthForm | PeriodForm, Month | Period | None]:
    """The month asked for in ?month=YYYY-MM (default: the last full month), or another period in
    ?period=quarter|last_quarter|year_to_date|custom&start=&end= (reports.forms.periods); None when invalid."""
    if "period" in request.GET:
        period_form = PeriodForm(request.GET)
        return period_form, period_form.cleaned_data["chosen"] if period_form.is_valid() else None
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


def _invalid_month(request: HttpRequest, form: MonthForm | PeriodForm) -> HttpResponse:
    month_form = form if isinstance(form, MonthForm) else MonthForm(initial={"month": Month.last_full().key})
    period_form = form if isinstance(form, PeriodForm) else PeriodForm(initial={"period": QUARTER_DEFAULT})
    return render(request, "reports/practice/report.html", {
        "nav": NAV, "form": month_form, "period_form": period_form, "errors": error_summary(form), "report": None,
    }, status=400)


def _links(month: Month | Period, request: HttpRequest) -> dict[str, str]:
    if isinstance(month, Period):
        query = "?" + request.GET.urlencode()
        return {"pdf_url": reverse("reports:practice-report-pdf") + query,
                "csv_url": reverse("reports:practice-report-csv") + query, "previous_url": "", "next_url": ""}
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
    report = build_practice_report(practice=_practice(request), month=month, compare_previous=True)
    month_form = form if isinstance(form, MonthForm) else MonthForm(initial={"month": Month.last_full().key})
    period_form = form if isinstance(form, PeriodForm) else PeriodForm(initial={"period": QUARTER_DEFAULT})
    return render(request, "reports/practice/report.html", {
        "nav": NAV, "form": month_form, "period_form": period_form, "errors": [], "report": report, "month": month,
        **_links(month, request),
        "without_primary": list(couples_without_primary(request.user)),  # offboarding left them unassigned
    })


def _download(request: HttpRequest, content: bytes, content_type: str, name: str, month: Month | Period,
              kind: str) -> HttpResponse:
    with transaction.atomic():
        record_event(
            "report.download", actor=request.user, object_type="clinic.practice", object_id=request.user.practice_id,
            detail={"report": "practice", "format": kind,
                    ("month" if isinstance(month, Month) else "period"): month.key},
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
    pdf = rendering.practice_report_pdf(practice=_practice(request), user=request.user, period=month)
    return _download(request, pdf, "application/pdf", rendering.file_name(month, "pdf"), month, "pdf")


@require_GET
@roles_allowed(Role.PRACTICE_MANAGER)
def practice_report_csv(request: HttpRequest) -> HttpResponse:
    form, month = _chosen_month(request)
    if month is None:
        return _invalid_month(request, form)
    content = rendering.practice_report_csv(practice=_practice(request), user=request.user, period=month)
    return _download(request, content, "text/csv; charset=utf-8", rendering.file_name(month, "csv"), month, "csv")


# --- The session export (billing) ------------------------------------------------------------------------


def _export_page(request: HttpRequest, form: PeriodForm, *, status: int = 200) -> HttpResponse:
    return render(request, "reports/practice/session_export.html", {
        "nav": NAV, "form": form, "errors": error_summary(form) if form.is_bound else [],
    }, status=status)


@require_GET
@roles_allowed(Role.PRACTICE_MANAGER)
def session_export(request: HttpRequest) -> HttpResponse:
    """The session export's period picker: last month by default, a quarter, the year to date or any range."""
    _practice(request)
    return _export_page(request, PeriodForm(initial={"period": LAST_MONTH}))


@require_GET
@roles_allowed(Role.PRACTICE_MANAGER)
def session_export_csv(request: HttpRequest) -> HttpResponse:
    """One CSV row per session of the chosen period (for the billing system), or the picker with what to fix."""
    practice = _practice(request)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _export_page(request, form, status=400)
    period = form.cleaned_data["chosen"]
    content = export_rendering.session_export_csv(practice=practice, user=request.user, period=period)
    with transaction.atomic():
        record_event(
            "report.download", actor=request.user, object_type="clinic.practice", object_id=practice.pk,
            detail={"report": "sessions", "format": "csv", "period_start": period.start.isoformat(),
                    "period_end": period.end.isoformat()},
        )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_rendering.export_file_name(period)}"'
    response["Cache-Control"] = "no-store, private"
    return response
