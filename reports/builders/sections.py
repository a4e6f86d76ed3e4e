"""The parts both couple reports show, as plain data: the case (people), the treatment plan with its objectives'
values and charts, the measures with each partner's change, and attendance by session kind.

reports.builders.progress and reports.builders.discharge put them together, each over its own period.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from itertools import zip_longest

from django.utils import timezone
from django.utils.safestring import SafeString

from clinic.models import Couple, RiskKind
from clinic.selectors.names import display_name
from clinic.selectors.risks import unresolved_risks_of
from clinic.selectors.safety import safety_of
from notes.models import Attendance, SessionKind
from plans import charts
from plans.instruments import Instrument
from plans.models import (
    AcknowledgementMethod,
    Approach,
    Direction,
    EntrySource,
    MeasureAdministration,
    Objective,
    ObjectiveStatus,
    PartnerScope,
    ProgressPoint,
    TreatmentPlan,
)
from plans.selectors.measures import instrument_section
from plans.selectors.progress import objective_chart, partner_lines
from plans.structure import partner_attainment
from reports.selectors import couple as selectors

STATUS_BADGE = {
    ObjectiveStatus.MET: "ok", ObjectiveStatus.IN_PROGRESS: "neutral", ObjectiveStatus.NOT_STARTED: "neutral",
    ObjectiveStatus.REVISED: "warn", ObjectiveStatus.DISCONTINUED: "warn",
}
CHANGE_BADGE = {"improvement": "ok", "deterioration": "danger", "none": "neutral", "no_threshold": "neutral",
                "single": "neutral"}


def number(value: Decimal | float | int | None) -> str:
    """12.50 -> "12.5", None -> "" (numbers as a clinician writes them)."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}"


def local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


# --- People ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerLine:
    label: str  # "Partner A"
    name: str
    preferred_name: str
    pronouns: str
    date_of_birth: datetime.date | None


@dataclass(frozen=True)
class TherapistLine:
    role: str
    name: str
    licence_number: str


@dataclass(frozen=True)
class CaseFacts:
    reference: str
    status: str
    start_date: datetime.date
    end_date: datetime.date | None
    confidentiality: str
    partners: tuple[PartnerLine, ...]
    therapists: tuple[TherapistLine, ...]
    couple_name: str = ""  # "Amara & Ben" (clinic.selectors.names.display_name)

    def partner_name(self, position: str) -> str:
        index = 0 if position == "a" else 1
        return self.partners[index].name if len(self.partners) > index else ""


def build_case(couple: Couple) -> CaseFacts:
    """Reference, dates, agreement, partners (names: the report is for the care team) and therapists."""
    partner_rows = list(selectors.partners_of(couple))
    partners = tuple(
        PartnerLine(partner.get_position_display(), partner.client.full_name, partner.client.preferred_name,
                    partner.client.pronouns, partner.client.date_of_birth)
        for partner in partner_rows
    )
    therapists = tuple(
        TherapistLine(member.get_role_display(), member.user.display_name, member.user.licence_number)
        for member in selectors.therapists_of(couple)
    )
    return CaseFacts(
        reference=couple.reference, status=couple.get_status_display(), start_date=couple.start_date,
        end_date=couple.end_date, confidentiality=couple.get_confidentiality_display(), partners=partners,
        therapists=therapists, couple_name=display_name(partner.client for partner in partner_rows),
    )


# --- Treatment plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectiveLine:
    number: int
    text: str
    who: str
    metric: str
    unit: str
    direction: str
    baseline: str
    latest: str
    latest_on: datetime.date | None
    target: str
    target_date: datetime.date | None
    status: str
    status_key: str
    values_recorded: int
    chart: SafeString
    # The numbers behind baseline / latest / target, for rules on them (plans.structure.objective_attainment).
    baseline_value: Decimal | None = None
    latest_value: Decimal | None = None
    target_value: Decimal | None = None
    direction_key: str = ""
    # Both-partners objectives: each partner's line ("Partner A: 10 → 4") and the attainment by
    # plans.structure.partner_attainment (met only when both partners met it); "" when not split by partner.
    partner_lines: tuple[str, ...] = ()
    attainment: str = ""

    @property
    def met(self) -> bool:
        return self.status_key == ObjectiveStatus.MET

    @property
    def badge(self) -> str:
        return STATUS_BADGE.get(self.status_key, "neutral")


@dataclass(frozen=True)
class InterventionLine:
    approach: str
    description: str
    frequency: str


@dataclass(frozen=True)
class GoalBlock:
    label: str  # "Goal 1.2"
    text: str
    objectives: tuple[ObjectiveLine, ...]
    interventions: tuple[InterventionLine, ...]


@dataclass(frozen=True)
class ProblemBlock:
    label: str  # "Problem 1"
    title: str
    applies_to: str
    definition: str
    goals: tuple[GoalBlock, ...]


@dataclass(frozen=True)
class PlanBlock:
    number: int
    status: str
    activated_on: datetime.date | None
    signed_by: str
    review_due: datetime.date | None
    acknowledgements: tuple[str, ...]
    problems: tuple[ProblemBlock, ...]
    notice: str = ""  # e.g. "activated after this period"
    # ICD-10-CM codes of the plan (plans.diagnoses): (("Partner A", (("F41.1", "Generalized ..."), ...)), ...)
    diagnoses: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    @property
    def objectives(self) -> tuple[ObjectiveLine, ...]:
        return tuple(o for p in self.problems for g in p.goals for o in g.objectives)

    @property
    def objectives_met(self) -> int:
        return sum(1 for objective in self.objectives if objective.met)


def _objective_chart(number_: int, objective: Objective, points: list[ProgressPoint]) -> SafeString:
    if objective.has_baseline and objective.target is not None:
        return charts.render(objective_chart(number_, objective, points))
    # A draft copied from the library may lack numbers: the same chart without reference lines.
    values = [float(p.value) for p in points] or [0.0]
    return charts.render(charts.Chart(
        title=f"Objective {number_}: {objective.metric}", description=f"{len(points)} values recorded.",
        y_label=objective.unit or "Value", y_min=min(0.0, *values), y_max=max(values) * 1.1 or 1.0,
        series=(charts.Series("Recorded values", [(p.recorded_on, float(p.value)) for p in points], "objective"),),
    ))


def _acknowledgements(plan: TreatmentPlan) -> tuple[str, ...]:
    methods = dict(AcknowledgementMethod.choices)
    lines = []
    for position, on, method in (("A", plan.partner_a_ack_on, plan.partner_a_ack_method),
                                 ("B", plan.partner_b_ack_on, plan.partner_b_ack_method)):
        if on:
            lines.append(f"Partner {position} acknowledged the plan on {on:%-d %b %Y}"
                         + (f" ({methods.get(method, method).lower()})" if method else "") + ".")
        else:
            lines.append(f"Partner {position} has not acknowledged the plan yet.")
    return tuple(lines)


def build_plan(couple: Couple, plan: TreatmentPlan | None, *, until: datetime.date, notice: str = "",
               with_charts: bool = True) -> PlanBlock | None:
    """The plan with every objective's values up to `until` (baseline -> latest -> target) and chart."""
    if plan is None:
        return None
    selectors.plan_with_structure(plan)
    problems = list(plan.problems.all())
    objectives = [o for p in problems for g in p.goals.all() for o in g.objectives.all()]
    points = selectors.progress_points_of(couple, (o.lineage for o in objectives), until=until)
    who = dict(PartnerScope.choices)
    statuses = dict(ObjectiveStatus.choices)
    directions = dict(Direction.choices)
    approaches = dict(Approach.choices)
    counter = 0
    problem_blocks = []
    for p_index, problem in enumerate(problems, start=1):
        goal_blocks = []
        for g_index, goal in enumerate(problem.goals.all(), start=1):
            lines = []
            for objective in goal.objectives.all():
                counter += 1
                values = points.get(objective.lineage, [])
                latest = values[-1] if values else None
                by_partner = partner_lines(objective, values)
                split = [row for row in by_partner if row.partner and row.latest]
                lines.append(ObjectiveLine(
                    number=counter, text=objective.text, who=who.get(objective.who, objective.who),
                    metric=objective.metric, unit=objective.unit,
                    direction=directions.get(objective.direction, "").lower(),
                    baseline=number(objective.baseline), latest=number(latest.value) if latest else "",
                    latest_on=latest.recorded_on if latest else None, target=number(objective.target),
                    target_date=objective.target_date, status=statuses.get(objective.status, objective.status),
                    status_key=objective.status, values_recorded=len(values),
                    chart=_objective_chart(counter, objective, values) if with_charts else SafeString(""),
                    baseline_value=objective.baseline, latest_value=latest.value if latest else None,
                    target_value=objective.target, direction_key=objective.direction,
                    partner_lines=tuple(
                        f"{row.label}: {number(row.baseline) or '—'} → "
                        f"{number(row.latest.value) if row.latest else 'none yet'}" for row in by_partner
                    ) if split else (),
                    attainment=partner_attainment(
                        objective, {row.partner: row.latest.value if row.latest else None for row in by_partner}
                    )[0] if split else "",
                ))
            interventions = tuple(
                InterventionLine(approaches.get(i.approach, i.approach), i.description, i.frequency)
                for i in goal.interventions.all()
            )
            goal_blocks.append(GoalBlock(f"Goal {p_index}.{g_index}", goal.text, tuple(lines), interventions))
        problem_blocks.append(ProblemBlock(
            f"Problem {p_index}", problem.title, who.get(problem.applies_to, ""), problem.behavioural_definition,
            tuple(goal_blocks),
        ))
    return PlanBlock(
        number=plan.number, status=plan.get_status_display(), activated_on=local_day(plan.signed_at),
        signed_by=plan.signed_by.display_name if plan.signed_by_id else "", review_due=plan.review_due,
        acknowledgements=_acknowledgements(plan), problems=tuple(problem_blocks), notice=notice,
        diagnoses=tuple((label, tuple(codes)) for label, codes in plan.diagnosis_lines),
    )


# --- Measures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    day: datetime.date
    a_total: int | None
    a_band: str
    b_total: int | None
    b_band: str
    in_period: bool
    # Answered by the partner in the portal (source "client"), not given in session.
    a_client: bool = False
    b_client: bool = False


@dataclass(frozen=True)
class PartnerOutcome:
    partner: str  # "Partner A"
    name: str
    baseline: int | None
    baseline_on: datetime.date | None
    baseline_band: str
    latest: int | None
    latest_on: datetime.date | None
    latest_band: str
    difference: int | None
    classification: str
    kind: str
    scores: int
    outcome: str = ""  # the named outcome: recovered, reliably improved, ... (plans.instruments.classify_outcome)
    outcome_reason: str = ""
    prorated: bool = False  # the first or latest total is prorated from a partial form
    withheld: str = ""  # why this partner's scores are left out of this report, or ""

    @property
    def badge(self) -> str:
        return CHANGE_BADGE.get(self.kind, "neutral")

    @property
    def signed_difference(self) -> str:
        if self.difference is None:
            return ""
        return f"{self.difference:+d}" if self.difference else "0"


@dataclass(frozen=True)
class MeasureBlock:
    code: str
    name: str
    short_name: str
    score_range: str
    direction: str
    cutoff: str
    reliable_change: str
    chart: SafeString
    rows: tuple[ScoreRow, ...]
    outcomes: tuple[PartnerOutcome, ...]
    in_period: int

    @property
    def has_client_rows(self) -> bool:
        return any(row.a_client or row.b_client for row in self.rows)


def _client(m: MeasureAdministration | None) -> bool:
    return m is not None and m.source == EntrySource.CLIENT


def _reliable_change_text(instrument: Instrument) -> str:
    if instrument.reliable_change is None:
        return instrument.reliable_change_note or "No published reliable-change threshold: changes are not classified."
    return f"A change of {number(instrument.reliable_change.threshold)} points or more is reliable."


def build_measures(couple: Couple, *, until: datetime.date, period_start: datetime.date | None = None,
                   case: CaseFacts | None = None, withhold_individual: dict[str, str] | None = None,
                   ) -> tuple[MeasureBlock, ...]:
    """Every instrument given up to `until`: the couple-page chart (both partners, cut-off), the scores and
    bands by date, and each partner's first -> latest change with its reliable-change classification and
    named outcome (recovered, reliably improved, ...). Prorated totals are used and marked; incomplete forms
    without a total are listed but not charted or classified.

    `withhold_individual` ({"b": "why"}): leave those partners' scores on individual instruments
    (Instrument.is_individual: PHQ-9, GAD-7) out entirely, saying why; an instrument left with no score is left
    out. Relationship instruments (CSI-16, CSI-4) are never withheld."""
    withheld = withhold_individual or {}
    administrations = selectors.administrations_until(couple, until)
    if not administrations:
        return ()
    instruments = selectors.instruments_of(couple)
    grouped: dict[str, list[MeasureAdministration]] = {}
    for m in administrations:
        grouped.setdefault(m.instrument, []).append(m)
    order = list(instruments)
    blocks = []
    for code in sorted(grouped, key=lambda c: order.index(c) if c in order else len(order)):
        instrument = instruments.get(code)
        if instrument is None:
            continue  # a practice instrument since deleted: no definition to read its scores with
        hidden = withheld if instrument.is_individual else {}
        given = [m for m in grouped[code] if m.partner not in hidden]
        if not given:
            continue
        section = instrument_section(instrument, given)
        # A partner may answer in the portal more than once a day: each administration gets its own row.
        by_day: dict[datetime.date, dict[str, list[MeasureAdministration]]] = {}
        for m in given:
            by_day.setdefault(m.administered_on, {}).setdefault(m.partner, []).append(m)
        rows = tuple(
            ScoreRow(day, _total(a), _band(a), _total(b), _band(b), period_start is not None and day >= period_start,
                     _client(a), _client(b))
            for day in sorted(by_day)
            for a, b in zip_longest(by_day[day].get("a", []), by_day[day].get("b", []))
        )
        outcomes = []
        for change in section.changes:
            # Scored administrations only: incomplete forms without a total are listed in the table, not used.
            mine = [m for m in given if m.partner == change.partner and m.total is not None]
            name = case.partner_name(change.partner) if case else ""
            if change.partner in hidden:
                outcomes.append(PartnerOutcome(change.label, name, None, None, "", None, None, "", None,
                                               "Not shared", "none", 0, withheld=hidden[change.partner]))
                continue
            if change.change is None:
                outcomes.append(PartnerOutcome(change.label, name, None, None, "", None, None, "", None,
                                               "Not given to this partner", "none", 0))
                continue
            outcomes.append(PartnerOutcome(
                change.label, name, change.change.baseline, change.baseline_on, mine[0].band,
                change.change.latest, change.latest_on, mine[-1].band,
                change.change.difference if len(mine) > 1 else None, change.change.label, change.change.kind,
                len(mine), change.outcome.label if change.outcome else "",
                change.outcome.reason if change.outcome else "", change.prorated,
            ))
        cutoff = ""
        if instrument.cutoff is not None:
            cutoff = instrument.cutoff_label or f"Cut-off {number(instrument.cutoff)}"
        blocks.append(MeasureBlock(
            code=code, name=instrument.name, short_name=instrument.short_name,
            score_range=f"{instrument.min_score}–{instrument.max_score}",
            direction="higher is better" if instrument.higher_is_better else "lower is better",
            cutoff=cutoff, reliable_change=_reliable_change_text(instrument), chart=section.chart, rows=rows,
            outcomes=tuple(outcomes), in_period=sum(1 for row in rows if row.in_period),
        ))
    return tuple(blocks)


def _total(m: MeasureAdministration | None) -> int | None:
    return m.total if m else None


def _band(m: MeasureAdministration | None) -> str:
    if m is None:
        return ""
    if m.total is None:
        return "Incomplete: no total"
    return f"{m.band} (prorated)" if m.prorated else m.band


# --- Attendance -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRow:
    kind: str
    attended: int
    cancelled: int
    late_cancelled: int
    no_show: int
    scheduled: int

    @property
    def total(self) -> int:
        return self.attended + self.cancelled + self.late_cancelled + self.no_show + self.scheduled


@dataclass(frozen=True)
class AttendanceBlock:
    rows: tuple[AttendanceRow, ...]
    total: AttendanceRow
    first_attended: datetime.date | None
    last_attended: datetime.date | None
    # Attended sessions by service (CPT) code, most used first: (("90847", 12), ("", 1)); "" = no code recorded.
    service_codes: tuple[tuple[str, int], ...] = ()

    @property
    def empty(self) -> bool:
        return self.total.total == 0


def build_attendance(couple: Couple, *, start: datetime.datetime | None = None, end: datetime.datetime | None = None,
                     exclude_kinds: tuple[str, ...] = ()) -> AttendanceBlock:
    """Sessions by kind: attended, cancelled, late-cancelled, no-show, still to be recorded."""
    result = selectors.session_counts(couple, start=start, end=end, exclude_kinds=exclude_kinds)
    counts: Counter = result.counts

    def row(label: str, kinds: list[str]) -> AttendanceRow:
        def n(attendance: str) -> int:
            return sum(counts.get((kind, attendance), 0) for kind in kinds)

        return AttendanceRow(label, n(Attendance.ATTENDED), n(Attendance.CANCELLED), n(Attendance.LATE_CANCELLED),
                             n(Attendance.NO_SHOW), n(Attendance.SCHEDULED))

    rows = tuple(row(label, [kind]) for kind, label in SessionKind.choices if kind not in exclude_kinds)
    codes = tuple(sorted(result.service_codes.items(), key=lambda item: (-item[1], item[0] or "~")))
    return AttendanceBlock(rows, row("All sessions", [k for k, _ in SessionKind.choices]),
                           local_day(result.first_attended), local_day(result.last_attended), codes)


# --- Risk register ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskLine:
    kind: str
    subject: str
    source: str
    raised: datetime.date
    status: str
    detail: str
    follow_up: str


def build_risks(couple: Couple, *, include_ipv: bool) -> tuple[RiskLine, ...]:
    """The couple's unresolved risks, for the clinical PDFs only (practice reports show counts). IPV risks only
    where `include_ipv`: the clinical record itself, never a copy that may be handed to a partner."""
    return tuple(
        RiskLine(risk.get_kind_display(), risk.subject, risk.get_source_display(), local_day(risk.raised_at),
                 f"{risk.get_status_display()}{', overdue' if risk.overdue else ''}", risk.detail, risk.follow_up)
        for risk in unresolved_risks_of(couple)
        if include_ipv or risk.kind != RiskKind.IPV
    )


# --- Suicide-risk follow-up ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SafetyLine:
    """A partner's latest C-SSRS screen and the safety plan in force (clinic.selectors.safety)."""

    subject: str
    screen_number: int | None
    screened: datetime.date | None
    triage: str
    answers: tuple[tuple[str, str], ...]
    plan_number: int | None
    plan_made: datetime.date | None
    plan: tuple[tuple[str, str], ...]
    plan_versions: int


def build_safety(couple: Couple, *, exclude_partner: str = "") -> tuple[SafetyLine, ...]:
    """Each partner's suicide-risk screen and safety plan, for the clinical PDFs only (never a couple-audience
    report, never a practice report); `exclude_partner` leaves that partner's out. Two queries."""
    lines = []
    for item in safety_of(couple):
        if item.position == exclude_partner or (item.plan is None and item.screen is None):
            continue
        screen, plan = item.screen, item.plan
        lines.append(SafetyLine(
            subject=item.label,
            screen_number=screen.number if screen else None,
            screened=local_day(screen.recorded_at) if screen else None,
            triage=screen.triage_label if screen else "",
            answers=tuple(screen.answer_lines()) if screen else (),
            plan_number=plan.number if plan else None,
            plan_made=local_day(plan.made_at) if plan else None,
            plan=tuple(plan.section_lines()) if plan else (),
            plan_versions=len(item.plans),
        ))
    return tuple(lines)
