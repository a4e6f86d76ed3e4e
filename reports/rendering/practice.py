"""The monthly practice report as PDF and CSV: the public API other report code calls.

    practice_report_pdf(practice=..., user=..., month_start=date(2025, 9, 1)) -> bytes
    practice_report_csv(practice=..., user=..., month_start=date(2025, 9, 1)) -> bytes

Only a practice manager of `practice` may have them (PermissionDenied otherwise). Neither writes the audit
event: whoever hands the file to a person records `report.download` (see reports.views.practice_reports).
The report holds counts, dates, statuses and case references only: no client name, no clinical text.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied

from clinic.models import Practice, Role
from reports.builders.practice import OutcomeRow, PracticeReport, build_practice_report
from reports.pdf import render_pdf, report_meta
from reports.selectors.practice import Month

PDF_TEMPLATE = "reports/pdf/practice.html"
REPORT_TITLE = "Practice report"
# A spreadsheet would run a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def check_may_see(user: Any, practice: Practice) -> None:
    """Practice reports are for the practice's own managers only."""
    if not (getattr(user, "role", None) == Role.PRACTICE_MANAGER and user.practice_id == practice.pk
            and user.is_active):
        raise PermissionDenied("Only the practice's managers can see its practice report.")


def file_name(month: Month, extension: str) -> str:
    """'practice-report-2025-09.pdf': the month only, never a name."""
    return f"practice-report-{month.key}.{extension}"


def _period(month_start: datetime.date | None, period: Any) -> Any:
    return period if period is not None else Month.of(month_start)


def practice_report_pdf(*, practice: Practice, user: Any, month_start: datetime.date | None = None,
                        period: Any = None, paper_size: str | None = None) -> bytes:
    """The report for the month starting `month_start`, as a tagged PDF with page numbers, a "Confidential"
    footer, the generation date and who generated it on every page."""
    check_may_see(user, practice)
    report = build_practice_report(practice=practice, month=_period(month_start, period), compare_previous=True)
    return render_pdf(PDF_TEMPLATE, {**pdf_context(report, user, practice=practice), "language": practice.language},
                      paper_size=paper_size)


def pdf_context(report: PracticeReport, user: Any, *, practice: Practice | None = None) -> dict[str, Any]:
    return {
        "meta": report_meta(title=REPORT_TITLE, user=user, practice_name=report.practice_name,
                            subtitle=report.month.label, practice=practice),
        "report": report,
    }


def practice_report_csv(*, practice: Practice, user: Any, month_start: datetime.date | None = None,
                        period: Any = None) -> bytes:
    """The report for the month starting `month_start` as CSV (UTF-8 with a byte-order mark, for
    spreadsheets): one section per table, each with a title row and a header row, a blank row between."""
    check_may_see(user, practice)
    report = build_practice_report(practice=practice, month=_period(month_start, period), compare_previous=True)
    return report_csv(report, generated_by=user.display_name)


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet shows as text: strings that would start a formula get a leading apostrophe.
    Numbers pass unchanged (a number cannot carry a formula)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
        return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text
    return value


def report_csv(report: PracticeReport, *, generated_by: str) -> bytes:
    unit = report.month.unit  # "month", "quarter" or "period": the same words as the page and the PDF
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def write(*rows: Iterable[Any]) -> None:
        for row in rows:
            writer.writerow([safe_cell(value) for value in row])

    def section(title: str, header: list[str], rows: Iterable[Iterable[Any]], empty: str) -> None:
        rows = list(rows)
        write([title], header)
        if rows:
            write(*rows)
        else:
            write([empty])
        write([])

    write(
        [REPORT_TITLE, report.practice_name],
        ["Month" if isinstance(report.month, Month) else "Period", report.month.key]
        + (["partial", f"up to {report.as_of:%Y-%m-%d}"] if report.partial else []),
        ["Generated", report.as_of, "by", generated_by],
        ["Confidential"],
        [],
    )
    if report.is_empty:
        write([f"No sessions were booked and no measures were given in {report.month.label}."], [])
    section(
        "Couples in treatment per therapist", ["Therapist", "As primary therapist", "As co-therapist"],
        [(r.therapist, r.as_primary, r.as_co_therapist) for r in report.caseloads]
        + [("Couples in treatment", report.couples_in_treatment, ""),
           ("Couples without a primary therapist", report.couples_without_primary, "")],
        "No clinicians.",
    )
    if report.changes:
        section(
            "Change against the previous period", ["Figure", "This period", report.previous_label, "Change"],
            # The change as a number: a signed string would be read as a formula and prefixed.
            [(line.label, line.current, line.previous, line.difference) for line in report.changes], "No figures.",
        )
    if report.trend:
        section(
            "Trend: sessions per month", ["Month", "Held", "No-shows", "Late cancellations"],
            [(m.label, m.held, m.no_shows, m.late_cancelled) for m in report.trend], "No months.",
        )
    if report.flow:
        section(
            "Caseload flow", ["Measure", "Value"],
            [(f"Intakes (treatment started in the {unit})", report.flow.intakes),
             (f"Discharges in the {unit}", report.flow.discharges),
             (f"Active at the end of the {unit}", report.flow.active_at_end),
             ("Median length of treatment of the couples discharged (weeks)",
              report.flow.median_weeks_discharged_display),
             ("Median weeks in treatment so far of the active couples", report.flow.median_weeks_active_display)],
            "No couples.",
        )
    section(
        "Sessions held per week by kind",
        ["Week", "Starts", "Ends", "Joint", "Individual, partner A", "Individual, partner B", "Total"],
        [(w.label, w.starts_on, w.ends_on, w.joint, w.individual_a, w.individual_b, w.total) for w in report.weeks]
        + [("Total", report.weeks_total.starts_on, report.weeks_total.ends_on, report.weeks_total.joint,
            report.weeks_total.individual_a, report.weeks_total.individual_b, report.weeks_total.total)],
        "No weeks.",
    )
    section(
        "No-shows and late cancellations", ["Date", "Couple", "Clinician", "Session kind", "Attendance"],
        [(m.day, m.couple_reference, m.therapist, m.kind, m.attendance) for m in report.missed],
        f"No no-show or late cancellation in the {unit}.",
    )
    attendance_header = ["Therapist", "Attended", "Cancelled", "Late-cancelled", "No-show", "Not yet recorded",
                         "No-show rate"]
    section(
        "Attendance", attendance_header,
        [(r.therapist, r.attended, r.cancelled, r.late_cancelled, r.no_show, r.not_recorded, r.no_show_rate)
         for r in (*report.attendance, report.attendance_total)] if report.attendance else [],
        f"No sessions were booked in the {unit}.",
    )
    section(
        "Progress notes",
        ["Therapist", "Attended sessions", "Signed notes", "Unsigned notes", "Overdue (past the deadline)",
         f"Late entries signed in the {unit}"],
        [(r.therapist, r.attended, r.signed, r.unsigned, r.overdue, r.late_entries)
         for r in (*report.notes, report.notes_total)] if report.notes else [],
        f"No attended sessions and no late entries in the {unit}.",
    )
    section(
        "Co-signature by supervisor",
        ["Supervisor", "Awaiting co-signature", "Oldest waiting (days)", f"Returned in the {unit}",
         f"Co-signed in the {unit}", "Median turnaround (days)"],
        [(line.supervisor, line.awaiting, line.oldest_display, line.returned, line.cosigned, line.turnaround_display)
         for line in report.supervision],
        f"No note awaits co-signature, and none was co-signed or returned in the {unit}.",
    )
    section(
        "Overdue unsigned notes", ["Couple", "Therapist", "Session date", "Due", "Days overdue", "Note"],
        [(n.couple_reference, n.therapist, n.session_on, n.due_at, n.days_overdue, n.state)
         for n in report.overdue_notes],
        "No note is overdue.",
    )
    section(
        "Plan reviews overdue per therapist", ["Therapist", "Overdue reviews"],
        [(r.therapist, r.count) for r in report.reviews],
        "No treatment plan review is overdue.",
    )
    section(
        "Plan reviews overdue", ["Couple", "Primary therapist", "Plan version", "Review due", "Days overdue"],
        [(r.couple_reference, r.therapist, r.plan_number, r.review_due, r.days_overdue)
         for r in report.overdue_reviews],
        "No treatment plan review is overdue.",
    )
    section(
        "Measures scheduled and completed per therapist",
        ["Primary therapist", "Scheduled", "Completed", "Completion rate"],
        [(r.label, r.scheduled, r.completed, r.rate) for r in (*report.measures_by_therapist, report.measures_total)]
        if report.measures_by_therapist else [],
        f"No measures were scheduled in the {unit}.",
    )
    section(
        "Measures per instrument",
        ["Instrument", "Scheduled", "Completed", "Completion rate", f"All administrations in the {unit}"],
        [(r.label, r.scheduled, r.completed, r.rate, r.recorded) for r in report.measures_by_instrument],
        f"No measures were scheduled or given in the {unit}.",
    )
    section(
        f"Outcomes: first to latest score, couples in treatment in the {unit}",
        ["Instrument", "Reliable-change threshold (points)", "Partners with 2+ scores", "Reliably improved",
         "No reliable change", "Reliably deteriorated", "Share of partners improved", "Couples with 2+ scores",
         "Couples improved", "Couples mixed", "Couples deteriorated", "Share of couples improved",
         "Mean change (points)", "Clinical cut-off", "Partners in the clinical range at first score", "Recovered",
         "Recovery rate"],
        [_outcome_row(o) for o in report.outcomes],
        "No outcome instruments.",
    )
    notes = [(o.instrument_name, o.no_threshold_note) for o in report.outcomes if not o.classified]
    if notes:
        section("Notes on outcomes", ["Instrument", "Note"], notes, "")
    return buffer.getvalue().encode("utf-8-sig")


def _outcome_row(o: OutcomeRow) -> list[Any]:
    mean = round(o.mean_change, 1) if o.mean_change is not None else ""
    cutoff = f"{o.cutoff:g}" if o.cutoff is not None else ""
    if not o.classified:
        return [o.instrument_name, "None published", o.partners_measured, "", "", "", "—", o.couples_measured,
                "", "", "", "—", mean, cutoff, o.partners_at_caseness if o.cutoff is not None else "", "", "—"]
    return [o.instrument_name, f"{o.threshold:g}", o.partners_measured, o.partners_improved, o.partners_no_change,
            o.partners_deteriorated, o.partners_improved_share, o.couples_measured, o.couples_improved,
            o.couples_mixed, o.couples_deteriorated, o.couples_improved_share, mean, cutoff, o.partners_at_caseness,
            o.partners_recovered, o.recovery_share]
