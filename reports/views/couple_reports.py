"""One couple's reports: the options page and asking for the PDFs (progress report, treatment summary).

Two clicks from the couple page: "Reports" -> "Download progress report (PDF)" (treatment to date). The click
(a POST) queues the report for a task worker (reports.services.single) and lands on the report's page, which
shows "Preparing…" until the file is ready and then the download (reports.views.single): a PDF takes most of a
second of CPU, which a web worker serving everyone's pages should not spend.
Read: clinicians who can read the couple (care team and the therapist's supervisor); strangers 404 (audited);
practice managers and administrators 403 (a report is clinical text). Asking writes `report.request`; the
download, `report.download`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from clinic.access import clinician_required, get_couple_for_user
from clinic.models import Confidentiality, Couple, CoupleStatus
from rapport.forms import error_summary
from reports.builders.progress import treatment_to_date
from reports.forms.couple import ProgressReportForm
from reports.models import ReportAudience, ReportKind
from reports.selectors.single import recent_reports_for
from reports.services.single import progress_options, report_request

NAV = "couples"


def _partner_names(couple: Couple) -> dict[str, str]:
    return {partner.position: partner.client.full_name for partner in couple.partners.all()}


def _options_page(request: HttpRequest, couple: Couple, form: ProgressReportForm, *, status: int = 200
                  ) -> HttpResponse:
    start, end = treatment_to_date(couple)
    return render(request, "reports/couple/options.html", {
        "nav": NAV,
        "couple": couple,
        "form": form,
        "errors": error_summary(form),
        "default_start": start,
        "default_end": end,
        "discharged": couple.status == CoupleStatus.DISCHARGED,
        "partners": sorted(couple.partners.all(), key=lambda partner: partner.position),
        "agreement_recorded": couple.confidentiality != Confidentiality.NOT_RECORDED,
        "recent": recent_reports_for(request.user, couple),
        "expiry_hours": settings.RAPPORT_REPORT_EXPIRY_HOURS,
    }, status=status)


def _to_report_page(report: Any) -> HttpResponse:
    response = redirect("reports:report-detail", pk=report.pk)
    response.status_code = 303  # see the report's page (GET), whatever method asked
    return response


@require_GET
@clinician_required
def report_options(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """The couple's reports: a one-click progress report for the treatment to date, a form for another period
    and options, and the treatment / discharge summary."""
    couple = get_couple_for_user(request.user, couple_pk)
    start, end = treatment_to_date(couple)
    form = ProgressReportForm(initial={"start": start, "end": end, "include_notes": True, "exclude_partner": "",
                                       "audience": ReportAudience.CLINICAL, "full_scores": False},
                              partner_names=_partner_names(couple), treatment_start=couple.start_date)
    return _options_page(request, couple, form)


@require_POST
@clinician_required
def progress_pdf(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Ask for the progress report. Without parameters: the treatment to date, notes included, each measure's
    chart with the first and latest scores. With the options form's fields (`full_scores=on` adds every score by
    date): those, or the options page again with what to fix (400). Queues it and shows its page (303)."""
    couple = get_couple_for_user(request.user, couple_pk)
    fields = {key: value for key, value in request.POST.items() if key != "csrfmiddlewaretoken"}
    if fields:
        form = ProgressReportForm(fields, partner_names=_partner_names(couple), treatment_start=couple.start_date)
        if not form.is_valid():
            return _options_page(request, couple, form, status=400)
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        options = progress_options(
            include_notes=form.cleaned_data["include_notes"], exclude_partner=form.cleaned_data["exclude_partner"],
            audience=form.cleaned_data["audience"], full_scores=form.cleaned_data["full_scores"])
    else:
        start, end = treatment_to_date(couple)
        options = progress_options()
    report = report_request(by=request.user, couple=couple, kind=ReportKind.PROGRESS, period_start=start,
                            period_end=end, options=options)
    return _to_report_page(report)


@require_POST
@clinician_required
def discharge_pdf(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Ask for the treatment summary; once the couple is discharged it is the discharge summary, in its title
    and file name, with what was recorded at discharge. `full_scores=on` adds every score by date under each
    measure's chart. Queues it and shows its page (303)."""
    couple = get_couple_for_user(request.user, couple_pk)
    report = report_request(by=request.user, couple=couple, kind=ReportKind.DISCHARGE,
                            options={"full_scores": request.POST.get("full_scores") in ("on", "1", "true")})
    return _to_report_page(report)
