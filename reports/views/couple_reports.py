"""One couple's reports: the options page and the PDF downloads (progress report, treatment summary).

Two clicks from the couple page: "Reports" -> "Download progress report (PDF)" (treatment to date).
Read: clinicians who can read the couple (care team and the therapist's supervisor); strangers 404 (audited);
practice managers and administrators 403 (a report is clinical text). Every download writes `report.download`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.services import record_event
from clinic.access import clinician_required, get_couple_for_user
from clinic.models import Confidentiality, Couple, CoupleStatus
from rapport.forms import error_summary
from reports.builders.progress import treatment_to_date
from reports.forms.couple import ProgressReportForm
from reports.models import ReportAudience, ReportKind
from reports.rendering.couple import discharge_summary_pdf, progress_report_pdf, report_file_name

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
    }, status=status)


def _pdf_response(data: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "no-store, private"
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


@require_GET
@clinician_required
def progress_pdf(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Download the progress report. Without parameters: the treatment to date, notes included, each measure's
    chart with the first and latest scores. With the options form's parameters (`full_scores=on` adds every
    score by date): those, or the options page again with what to fix (400)."""
    couple = get_couple_for_user(request.user, couple_pk)
    if request.GET:
        form = ProgressReportForm(request.GET, partner_names=_partner_names(couple),
                                  treatment_start=couple.start_date)
        if not form.is_valid():
            return _options_page(request, couple, form, status=400)
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        include_notes, exclude_partner = form.cleaned_data["include_notes"], form.cleaned_data["exclude_partner"]
        audience, full_scores = form.cleaned_data["audience"], form.cleaned_data["full_scores"]
    else:
        (start, end), include_notes, exclude_partner = treatment_to_date(couple), True, ""
        audience, full_scores = ReportAudience.CLINICAL, False
    data = progress_report_pdf(couple=couple, user=request.user, period_start=start, period_end=end,
                               include_notes=include_notes, exclude_partner=exclude_partner, audience=audience,
                               full_scores=full_scores)
    record_event("report.download", actor=request.user, obj=couple, detail={
        "kind": ReportKind.PROGRESS, "period_start": start.isoformat(), "period_end": end.isoformat(),
        "include_notes": include_notes, "exclude_partner": exclude_partner, "audience": audience,
        "full_scores": full_scores, "bytes": len(data),
    })
    return _pdf_response(data, report_file_name(couple, ReportKind.PROGRESS, start, end, audience))


@require_GET
@clinician_required
def discharge_pdf(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Download the treatment summary; once the couple is discharged it is the discharge summary, in its title
    and file name, with what was recorded at discharge. `?full_scores=on` adds every score by date under each
    measure's chart."""
    couple = get_couple_for_user(request.user, couple_pk)
    data = discharge_summary_pdf(couple=couple, user=request.user,
                                 full_scores=request.GET.get("full_scores") in ("on", "1", "true"))
    end: datetime.date | None = couple.end_date if couple.status == CoupleStatus.DISCHARGED else None
    record_event("report.download", actor=request.user, obj=couple,
                 detail={"kind": ReportKind.DISCHARGE, "bytes": len(data)})
    return _pdf_response(data, report_file_name(couple, ReportKind.DISCHARGE, None, end))
