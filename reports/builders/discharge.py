"""The treatment / discharge summary as plain data: selectors -> frozen dataclasses -> reports/pdf/discharge.html.

Presenting problems (the couple's presenting concerns and the plan's problems), course of treatment (dates,
sessions by kind, plan versions), outcomes per measure (first -> latest per partner, classified), goals and
objectives met, and recommendations: the plan section of the latest signed note whose content the couple's
confidentiality agreement lets a report show.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from clinic.models import Confidentiality, Couple, CoupleStatus
from notes.models import SessionKind
from notes.note_templates import PLAN_SECTION
from reports.builders.sections import (
    AttendanceBlock,
    CaseFacts,
    MeasureBlock,
    PlanBlock,
    RiskLine,
    build_attendance,
    build_case,
    build_measures,
    build_plan,
    build_risks,
    local_day,
)
from reports.pdf import ReportMeta, report_meta
from reports.selectors import couple as selectors


@dataclass(frozen=True)
class PlanVersionLine:
    number: int
    status: str
    active_from: datetime.date | None
    active_to: datetime.date | None
    signed_by: str


@dataclass(frozen=True)
class Recommendations:
    text: str
    session_day: datetime.date
    session_kind: str
    signed_by: str
    awaiting_cosign: bool


@dataclass(frozen=True)
class DischargeSummary:
    meta: ReportMeta
    case: CaseFacts
    discharged: bool
    treatment_end: datetime.date  # the end date, or today for a couple still in treatment
    presenting_concerns: str
    plan: PlanBlock | None
    plan_versions: tuple[PlanVersionLine, ...]
    attendance: AttendanceBlock
    measures: tuple[MeasureBlock, ...]
    recommendations: Recommendations | None
    risks: tuple[RiskLine, ...] = ()
    full_scores: bool = False  # every score by date; by default the chart and the first and latest per partner

    @property
    def weeks_in_treatment(self) -> int:
        return max((self.treatment_end - self.case.start_date).days // 7, 0)


def build_discharge_summary(*, couple: Couple, user: Any) -> DischargeSummary:
    """Everything the summary shows for `couple` (fetched through clinic.access): a fixed number of queries."""
    discharged = couple.status == CoupleStatus.DISCHARGED
    end = couple.end_date or timezone.localdate()
    case = build_case(couple)
    versions = selectors.plan_versions(couple)
    latest = versions[-1] if versions else None
    kinds = None if couple.confidentiality == Confidentiality.NO_SECRETS else [SessionKind.JOINT]
    note = selectors.latest_signed_note(couple, kinds=kinds)
    recommendations = None
    if note is not None:
        text = str((note.content or {}).get(PLAN_SECTION, "") or "").strip()
        if text:
            recommendations = Recommendations(text, local_day(note.session.starts_at), note.session.get_kind_display(),
                                              note.signed_by.display_name, note.status == "awaiting_cosign")
    title = "Discharge summary" if discharged else "Treatment summary"
    period = f"Treatment from {couple.start_date:%-d %B %Y} " + (
        f"to {end:%-d %B %Y}" if discharged else f"(ongoing on {end:%-d %B %Y})")
    return DischargeSummary(
        meta=report_meta(title=title, user=user, practice=couple.practice, reference=couple.reference,
                         subtitle=period),
        case=case,
        discharged=discharged,
        treatment_end=end,
        presenting_concerns=couple.presenting_concerns,
        plan=build_plan(couple, latest, until=end, with_charts=False),
        plan_versions=tuple(
            PlanVersionLine(v.number, v.get_status_display(), local_day(v.signed_at), local_day(v.superseded_at),
                            v.signed_by.display_name if v.signed_by_id else "")
            for v in versions
        ),
        attendance=build_attendance(couple),
        measures=build_measures(couple, until=end, case=case),
        recommendations=recommendations,
        risks=build_risks(couple, include_ipv=False),  # a summary is often shared: no IPV data
    )
