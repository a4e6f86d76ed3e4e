"""The treatment / discharge summary as plain data: selectors -> frozen dataclasses -> reports/pdf/discharge.html.

Presenting problems (the couple's presenting concerns and the plan's problems), course of treatment (dates,
sessions by kind, plan versions), outcomes per measure (first -> latest per partner, classified), each objective
met, partly met or not met from its final value (plans.structure.objective_attainment), and, for a discharged
couple, what the clinician recorded at discharge (clinic.models.Discharge): the reason, the status at discharge,
aftercare and referrals, and the recommendations. A couple still in care gets a "Treatment summary" without them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from clinic.models import Couple, CoupleStatus, DischargeReason
from clinic.selectors.couples import latest_discharge
from plans.structure import Attainment, objective_attainment
from reports.builders.sections import (
    AttendanceBlock,
    CaseFacts,
    MeasureBlock,
    ObjectiveLine,
    PlanBlock,
    RiskLine,
    SafetyLine,
    build_attendance,
    build_case,
    build_measures,
    build_plan,
    build_risks,
    build_safety,
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


ATTAINMENT_BADGE = {Attainment.MET: "ok", Attainment.PARTLY_MET: "warn", Attainment.NOT_MET: "danger",
                    Attainment.NOT_MEASURED: "neutral"}


@dataclass(frozen=True)
class DischargeRecord:
    """What the clinician recorded when discharging the couple (clinic.models.Discharge)."""

    discharged_on: datetime.date
    reason: str
    reason_detail: str
    status_at_discharge: str
    aftercare: str
    recommendations: str
    recorded_by: str


@dataclass(frozen=True)
class ObjectiveOutcome:
    objective: ObjectiveLine
    attainment: str  # an Attainment value
    label: str
    badge: str


@dataclass(frozen=True)
class GoalOutcome:
    label: str
    text: str
    objectives: tuple[ObjectiveOutcome, ...]


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
    discharge: DischargeRecord | None
    goals: tuple[GoalOutcome, ...] = ()
    risks: tuple[RiskLine, ...] = ()
    safety: tuple[SafetyLine, ...] = ()
    full_scores: bool = False  # every score by date; by default the chart and the first and latest per partner

    @property
    def weeks_in_treatment(self) -> int:
        return max((self.treatment_end - self.case.start_date).days // 7, 0)

    @property
    def objectives_total(self) -> int:
        return sum(len(goal.objectives) for goal in self.goals)

    @property
    def attainment_counts(self) -> dict[str, int]:
        """{"met": 1, "partly_met": 0, "not_met": 0, "not_measured": 3}: objectives by attainment."""
        counts = dict.fromkeys(Attainment.LABELS, 0)
        for goal in self.goals:
            for outcome in goal.objectives:
                counts[outcome.attainment] += 1
        return counts


def _outcome(objective: ObjectiveLine) -> ObjectiveOutcome:
    # A both-partners objective with values per partner: met only when both partners met it.
    attainment = objective.attainment or objective_attainment(
        baseline=objective.baseline_value, target=objective.target_value, direction=objective.direction_key,
        final=objective.latest_value)
    return ObjectiveOutcome(objective, attainment, Attainment.LABELS[attainment], ATTAINMENT_BADGE[attainment])


def _goals(plan: PlanBlock | None) -> tuple[GoalOutcome, ...]:
    if plan is None:
        return ()
    return tuple(GoalOutcome(goal.label, goal.text, tuple(_outcome(o) for o in goal.objectives))
                 for problem in plan.problems for goal in problem.goals)


def _discharge_record(couple: Couple) -> DischargeRecord | None:
    record = latest_discharge(couple)
    if record is None:
        return None
    return DischargeRecord(
        discharged_on=record.discharged_on, reason=DischargeReason(record.reason).label,
        reason_detail=record.reason_detail, status_at_discharge=record.status_at_discharge,
        aftercare=record.aftercare, recommendations=record.recommendations,
        recorded_by=record.recorded_by.display_name if record.recorded_by_id else "",
    )


def build_discharge_summary(*, couple: Couple, user: Any) -> DischargeSummary:
    """Everything the summary shows for `couple` (fetched through clinic.access): a fixed number of queries."""
    discharged = couple.status == CoupleStatus.DISCHARGED
    end = couple.end_date or timezone.localdate()
    case = build_case(couple)
    versions = selectors.plan_versions(couple)
    latest = versions[-1] if versions else None
    title = "Discharge summary" if discharged else "Treatment summary"
    period = f"Treatment from {couple.start_date:%-d %B %Y} " + (
        f"to {end:%-d %B %Y}" if discharged else f"(ongoing on {end:%-d %B %Y})")
    plan = build_plan(couple, latest, until=end, with_charts=False)
    return DischargeSummary(
        meta=report_meta(title=title, user=user, practice=couple.practice, reference=couple.reference,
                         subtitle=period, couple_name=case.couple_name),
        case=case,
        discharged=discharged,
        treatment_end=end,
        presenting_concerns=couple.presenting_concerns,
        plan=plan,
        plan_versions=tuple(
            PlanVersionLine(v.number, v.get_status_display(), local_day(v.signed_at), local_day(v.superseded_at),
                            v.signed_by.display_name if v.signed_by_id else "")
            for v in versions
        ),
        attendance=build_attendance(couple),
        measures=build_measures(couple, until=end, case=case),
        discharge=_discharge_record(couple) if discharged else None,
        goals=_goals(plan),
        risks=build_risks(couple, include_ipv=False),  # a summary is often shared: no IPV data
        safety=build_safety(couple),  # the clinical summary: the partners' screens and safety plans
    )
