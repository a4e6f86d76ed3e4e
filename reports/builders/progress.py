"""The couple progress report as plain data: selectors -> frozen dataclasses -> reports/pdf/progress.html.

The parts shared with the treatment / discharge summary (people, plan, measures, attendance) are built here
too, by the `build_*` functions; reports.builders.discharge reuses them.

What a report may contain (DESIGN.md, issue 6): never psychotherapy notes (not even read), never drafts or
returned notes (see reports.selectors.couple.signed_notes). Individual-session notes follow the couple's
confidentiality agreement: "no secrets" -> included for the care team; "limited secrets" or no agreement
recorded -> only the fact and date of the session; and `exclude_partner` leaves one partner's individual
sessions out entirely (notes and attendance counts).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString

from clinic.models import Confidentiality, Couple
from notes import templates as note_templates
from notes.models import AddendumKind, Attendance, NoteStatus, NoteTemplate, ProgressNote, SessionKind
from plans import charts
from plans.instruments import Instrument
from plans.models import (
    AcknowledgementMethod,
    Approach,
    Direction,
    MeasureAdministration,
    Objective,
    ObjectiveStatus,
    PartnerChoice,
    PartnerPosition,
    ProgressPoint,
    TreatmentPlan,
)
from plans.selectors.measures import instrument_section
from plans.selectors.progress import objective_chart
from reports.pdf import ReportMeta, report_meta
from reports.selectors import couple as selectors

# The sections of a signed note a report shows: the clinician's reading and the next steps.
REPORT_SECTIONS: dict[str, tuple[str, ...]] = {
    NoteTemplate.SOAP: ("assessment", "plan"),
    NoteTemplate.DAP: ("assessment", "plan"),
    NoteTemplate.BIRP: ("response", "plan"),
}
INDIVIDUAL_KIND = {"a": SessionKind.INDIVIDUAL_A, "b": SessionKind.INDIVIDUAL_B}
TEMPLATE_SHORT = {NoteTemplate.SOAP: "SOAP", NoteTemplate.DAP: "DAP", NoteTemplate.BIRP: "BIRP"}
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

    def partner_name(self, position: str) -> str:
        index = 0 if position == "a" else 1
        return self.partners[index].name if len(self.partners) > index else ""


def build_case(couple: Couple) -> CaseFacts:
    """Reference, dates, agreement, partners (names: the report is for the care team) and therapists."""
    partners = tuple(
        PartnerLine(partner.get_position_display(), partner.client.full_name, partner.client.preferred_name,
                    partner.client.pronouns, partner.client.date_of_birth)
        for partner in selectors.partners_of(couple)
    )
    therapists = tuple(
        TherapistLine(member.get_role_display(), member.user.display_name, member.user.licence_number)
        for member in selectors.therapists_of(couple)
    )
    return CaseFacts(
        reference=couple.reference, status=couple.get_status_display(), start_date=couple.start_date,
        end_date=couple.end_date, confidentiality=couple.get_confidentiality_display(), partners=partners,
        therapists=therapists,
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

    @property
    def objectives(self) -> tuple[ObjectiveLine, ...]:
        return tuple(o for p in self.problems for g in p.goals for o in g.objectives)

    @property
    def objectives_met(self) -> int:
        return sum(1 for objective in self.objectives if objective.met)


def _objective_chart(number_: int, objective: Objective, points: list[ProgressPoint]) -> SafeString:
    if objective.baseline is not None and objective.target is not None:
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
    who = dict(PartnerChoice.choices)
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
                lines.append(ObjectiveLine(
                    number=counter, text=objective.text, who=who.get(objective.who, objective.who),
                    metric=objective.metric, unit=objective.unit,
                    direction=directions.get(objective.direction, "").lower(),
                    baseline=number(objective.baseline), latest=number(latest.value) if latest else "",
                    latest_on=latest.recorded_on if latest else None, target=number(objective.target),
                    target_date=objective.target_date, status=statuses.get(objective.status, objective.status),
                    status_key=objective.status, values_recorded=len(values),
                    chart=_objective_chart(counter, objective, values) if with_charts else SafeString(""),
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


def _reliable_change_text(instrument: Instrument) -> str:
    if instrument.reliable_change is None:
        return instrument.reliable_change_note or "No published reliable-change threshold: changes are not classified."
    return f"A change of {number(instrument.reliable_change.threshold)} points or more is reliable."


def build_measures(couple: Couple, *, until: datetime.date, period_start: datetime.date | None = None,
                   case: CaseFacts | None = None) -> tuple[MeasureBlock, ...]:
    """Every instrument given up to `until`: the couple-page chart (both partners, cut-off), the scores and
    bands by date, and each partner's first -> latest change with its reliable-change classification."""
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
        given = grouped[code]
        section = instrument_section(instrument, given)
        by_day: dict[datetime.date, dict[str, MeasureAdministration]] = {}
        for m in given:
            by_day.setdefault(m.administered_on, {})[m.partner] = m
        rows = tuple(
            ScoreRow(day, _total(by_day[day].get("a")), _band(by_day[day].get("a")), _total(by_day[day].get("b")),
                     _band(by_day[day].get("b")), period_start is not None and day >= period_start)
            for day in sorted(by_day)
        )
        outcomes = []
        for change in section.changes:
            mine = [m for m in given if m.partner == change.partner]
            name = case.partner_name(change.partner) if case else ""
            if change.change is None:
                outcomes.append(PartnerOutcome(change.label, name, None, None, "", None, None, "", None,
                                               "Not given to this partner", "none", 0))
                continue
            outcomes.append(PartnerOutcome(
                change.label, name, change.change.baseline, change.baseline_on, mine[0].band,
                change.change.latest, change.latest_on, mine[-1].band,
                change.change.difference if len(mine) > 1 else None, change.change.label, change.change.kind,
                len(mine),
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
    return m.band if m else ""


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
    return AttendanceBlock(rows, row("All sessions", [k for k, _ in SessionKind.choices]),
                           local_day(result.first_attended), local_day(result.last_attended))


# --- Notes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextSection:
    label: str
    text: str


@dataclass(frozen=True)
class AddendumLine:
    kind: str
    signed_at: datetime.datetime
    author: str
    text: str


@dataclass(frozen=True)
class NoteEntry:
    session_day: datetime.date
    session_kind: str
    template: str
    signed_by: str
    signed_at: datetime.datetime
    awaiting_cosign: bool
    cosigned_by: str
    cosigned_at: datetime.datetime | None
    late_entry: bool
    withheld: str  # why the content is left out, or ""
    sections: tuple[TextSection, ...]
    addenda: tuple[AddendumLine, ...]

    @property
    def status(self) -> str:
        return "Signed, awaiting co-signature" if self.awaiting_cosign else "Signed"


def individual_partner(note: ProgressNote) -> str:
    """'a' or 'b' when the note records an individual session, else ''."""
    return note.session.individual_partner or note.restricted_to_partner


def content_may_be_shown(couple: Couple, note: ProgressNote) -> bool:
    """Joint sessions always; individual sessions only under a "no secrets" agreement."""
    return not individual_partner(note) or couple.confidentiality == Confidentiality.NO_SECRETS


def withheld_reason(couple: Couple) -> str:
    if couple.confidentiality == Confidentiality.LIMITED_SECRETS:
        return "Individual session: its content is left out under the couple's limited-secrets agreement."
    return "Individual session: its content is left out because no confidentiality agreement is recorded."


def note_sections(note: ProgressNote) -> tuple[TextSection, ...]:
    """The assessment and plan of a note (BIRP: response and plan), with their template's labels."""
    labels = {section.key: section.label for section in note_templates.TEMPLATES.get(note.template, ())}
    content = note.content or {}
    return tuple(
        TextSection(labels.get(key, key.title()), str(content.get(key, "") or ""))
        for key in REPORT_SECTIONS.get(note.template, ("plan",))
    )


def build_note(couple: Couple, note: ProgressNote, *, include_content: bool) -> NoteEntry:
    shown = include_content and content_may_be_shown(couple, note)
    withheld = "" if content_may_be_shown(couple, note) else withheld_reason(couple)
    addendum_kinds = dict(AddendumKind.choices)
    return NoteEntry(
        session_day=local_day(note.session.starts_at), session_kind=note.session.get_kind_display(),
        template=TEMPLATE_SHORT.get(note.template, note.template.upper()),
        signed_by=note.signed_by.display_name, signed_at=note.signed_at,
        awaiting_cosign=note.status == NoteStatus.AWAITING_COSIGN,
        cosigned_by=note.cosigned_by.display_name if note.cosigned_by_id else "", cosigned_at=note.cosigned_at,
        late_entry=note.late_entry, withheld=withheld,
        sections=note_sections(note) if shown else (),
        addenda=tuple(
            AddendumLine(addendum_kinds.get(a.kind, a.kind), a.signed_at, a.author.display_name, a.text)
            for a in note.addenda.all()
        ) if shown else (),
    )


# --- The report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressOptions:
    period_start: datetime.date
    period_end: datetime.date
    include_notes: bool = True
    exclude_partner: str = ""  # "a" or "b": leave that partner's individual sessions out entirely

    def as_audit_detail(self) -> dict[str, Any]:
        """The options, non-clinical, for an audit event or a batch row."""
        return {"period_start": self.period_start.isoformat(), "period_end": self.period_end.isoformat(),
                "include_notes": self.include_notes, "exclude_partner": self.exclude_partner}


@dataclass(frozen=True)
class ProgressReport:
    meta: ReportMeta
    case: CaseFacts
    options: ProgressOptions
    scope: tuple[str, ...]
    plan: PlanBlock | None
    measures: tuple[MeasureBlock, ...]
    attendance: AttendanceBlock
    notes: tuple[NoteEntry, ...]

    @property
    def period_start(self) -> datetime.date:
        return self.options.period_start

    @property
    def period_end(self) -> datetime.date:
        return self.options.period_end


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last full calendar month before `today`."""
    today = today or timezone.localdate()
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


def _scope(couple: Couple, options: ProgressOptions, case: CaseFacts) -> tuple[str, ...]:
    lines = []
    if options.include_notes:
        lines.append("Includes the assessment and plan sections (BIRP: response and plan) of every progress note "
                     "signed by its author for a session in this period, with their addenda.")
    else:
        lines.append("Progress-note content is not included (the option was turned off): notes are listed only.")
    lines.append("Never included: unsigned drafts and psychotherapy (process) notes.")
    if couple.confidentiality == Confidentiality.NO_SECRETS:
        lines.append("Confidentiality agreement: no secrets. Individual-session notes are included for the care team.")
    else:
        lines.append(f"Confidentiality agreement: {case.confidentiality.lower()}. Individual sessions appear "
                     "with their date only; their content is left out.")
    if options.exclude_partner:
        label = PartnerPosition(options.exclude_partner).label
        lines.append(f"Individual sessions of {label} are left out of this report entirely, attendance included.")
    return tuple(lines)


def build_progress_report(*, couple: Couple, user: Any, options: ProgressOptions) -> ProgressReport:
    """Everything the progress report shows, for `couple` (fetched through clinic.access) and the period.

    A fixed number of queries whatever the number of sessions, notes, administrations and points."""
    start, end = selectors.period_bounds(options.period_start, options.period_end)
    excluded = (INDIVIDUAL_KIND[options.exclude_partner],) if options.exclude_partner else ()
    case = build_case(couple)
    versions = selectors.plan_versions(couple)
    plan, notice = selectors.plan_in_effect(versions, end), ""
    if plan is None:
        later = [v for v in versions if v.signed_at and v.signed_at >= end and v.superseded_at is None]
        if later:
            plan = later[-1]
            notice = (f"No plan was active during this period. This is the current plan, activated on "
                      f"{local_day(plan.signed_at):%-d %B %Y}, after the period.")
    notes = [
        note for note in selectors.signed_notes_in_period(couple, start, end, exclude_kinds=excluded)
        if individual_partner(note) != options.exclude_partner or not options.exclude_partner
    ]
    return ProgressReport(
        meta=report_meta(
            title="Couple progress report", user=user, practice_name=couple.practice.name,
            reference=couple.reference,
            subtitle=f"{options.period_start:%-d %B %Y} to {options.period_end:%-d %B %Y}",
        ),
        case=case,
        options=options,
        scope=_scope(couple, options, case),
        plan=build_plan(couple, plan, until=options.period_end, notice=notice),
        measures=build_measures(couple, until=options.period_end, period_start=options.period_start, case=case),
        attendance=build_attendance(couple, start=start, end=end, exclude_kinds=excluded),
        notes=tuple(build_note(couple, note, include_content=options.include_notes) for note in notes),
    )


__all__ = [
    "AttendanceBlock", "CaseFacts", "MeasureBlock", "NoteEntry", "PlanBlock", "ProgressOptions", "ProgressReport",
    "build_attendance", "build_case", "build_measures", "build_note", "build_plan", "build_progress_report",
    "content_may_be_shown", "default_period", "individual_partner", "note_sections",
]
