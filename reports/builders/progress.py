"""The couple progress report as plain data: selectors -> frozen dataclasses -> reports/pdf/progress.html.

The parts shared with the treatment / discharge summary (people, plan, measures, attendance) are built by
reports.builders.sections; this module adds the period's signed notes and puts the report together.

What a report may contain (DESIGN.md, issue 6): never psychotherapy notes (not even read), never drafts or
returned notes (see reports.selectors.couple.signed_notes). Individual-session notes follow the couple's
confidentiality agreement: "no secrets" -> included for the care team; "limited secrets" or no agreement
recorded -> only the fact and date of the session; and `exclude_partner` leaves one partner's individual
sessions out entirely (notes and attendance counts).

The audience (ProgressOptions.audience, reports.models.ReportAudience):

- "clinical" (the clinical record, or a supervisor): everything above, as the requesting clinician may see it.
- "couple" (a report handed to the partners themselves): the rule, under every confidentiality agreement —
    * never any progress-note content (joint or individual), psychotherapy notes or IPV screen data: notes are
      written for the record and may hold what one partner said alone or safety information that could put a
      partner at risk if the other read it (Bograd & Mederos 1999, J Marital Fam Ther 25(3):291-312; the IPV
      screen is never in any couple report, see reports.pdf templates: only the agreement and names are shown);
    * attendance counts by session kind (the partners agreed to the format, so the fact of individual sessions
      is no secret; their content is);
    * relationship measures (Instrument.about == RELATIONSHIP: CSI-16, CSI-4) for both partners;
    * a partner's individual measures (Instrument.is_individual: PHQ-9, GAD-7, any practice instrument) only
      with that partner's recorded consent (clinic Partner.measures_consent_on): a score about one person is
      that person's information, and in conjoint treatment one partner's information is disclosed to the other
      only with that partner's written authorisation (AAMFT Code of Ethics 2015, standard 2.2; APA Ethical
      Principles 2017, standard 4.05). This holds under "no secrets" and "limited secrets" alike: a no-secrets
      agreement lets the therapist bring what was said into joint sessions, not hand over written scores;
    * with no agreement recorded ("Not yet agreed") no individual measure appears, even with consent: the
      consent is given within the agreement, which the couple has not made yet.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from clinic.models import Confidentiality, Couple, PartnerPosition
from notes import note_templates
from notes.models import AddendumKind, NoteStatus, NoteTemplate, ProgressNote, SessionKind
from reports.builders.sections import (
    AttendanceBlock,
    CaseFacts,
    MeasureBlock,
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
from reports.models import ReportAudience
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
    audience: str = ReportAudience.CLINICAL  # who the report is for: see the module docstring
    full_scores: bool = False  # every score by date; by default the chart and the first and latest per partner

    @property
    def for_couple(self) -> bool:
        return self.audience == ReportAudience.COUPLE

    def as_audit_detail(self) -> dict[str, Any]:
        """The options, non-clinical, for an audit event or a batch row."""
        return {"period_start": self.period_start.isoformat(), "period_end": self.period_end.isoformat(),
                "include_notes": self.include_notes, "exclude_partner": self.exclude_partner,
                "audience": self.audience, "full_scores": self.full_scores}


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
    risks: tuple[RiskLine, ...] = ()
    safety: tuple[SafetyLine, ...] = ()

    @property
    def period_start(self) -> datetime.date:
        return self.options.period_start

    @property
    def period_end(self) -> datetime.date:
        return self.options.period_end


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last full calendar month before `today` (what a monthly batch reports on)."""
    today = today or timezone.localdate()
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


def treatment_to_date(couple: Couple, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """A couple report's default period: from the start of treatment to today (to the discharge date once the
    couple is discharged)."""
    today = today or timezone.localdate()
    end = min(couple.end_date, today) if couple.end_date else today
    return min(couple.start_date, end), end


AUDIENCE_COVER = {
    ReportAudience.CLINICAL: "For the clinical record or a supervisor",
    ReportAudience.COUPLE: "For the couple",
}


def withheld_individual_measures(couple: Couple) -> dict[str, str]:
    """For a couple-audience report: {position: why} for each partner whose individual measures stay out."""
    if couple.confidentiality == Confidentiality.NOT_RECORDED:
        why = "Not shared: the couple has not agreed the confidentiality terms yet."
        return dict.fromkeys(PartnerPosition.values, why)
    return {
        partner.position: "Not shared in reports for the couple: no consent recorded."
        for partner in selectors.partners_of(couple) if partner.measures_consent_on is None
    }


def _couple_scope(couple: Couple, withheld: dict[str, str]) -> tuple[str, ...]:
    lines = [
        "This report is for the couple. It holds the treatment plan, attendance and outcome measures; it never holds "
        "session notes, psychotherapy notes or safety screening results, which stay in the clinical record.",
        "Relationship measures (such as the CSI) are shown for both partners.",
    ]
    if couple.confidentiality == Confidentiality.NOT_RECORDED:
        lines.append("Measures about one partner alone (such as the PHQ-9 and GAD-7) are not shown: the couple has "
                     "not agreed the confidentiality terms yet.")
    else:
        for position in PartnerPosition.values:
            label = PartnerPosition(position).label
            lines.append(f"{label}'s own measures (such as the PHQ-9 and GAD-7) are "
                         + ("not shown: no consent to share them is recorded." if position in withheld
                            else "shown with their consent."))
    return tuple(lines)


def _for_audience(plan: PlanBlock | None, options: ProgressOptions) -> PlanBlock | None:
    """The couple's copy leaves out the diagnoses: a partner's diagnosis is theirs to share, not the report's."""
    if plan is None or not options.for_couple:
        return plan
    return dataclasses.replace(plan, diagnoses=())


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
    if options.for_couple:  # no note is even read: see the module docstring
        notes, withheld = [], withheld_individual_measures(couple)
        scope = _couple_scope(couple, withheld)
    else:
        notes = [
            note for note in selectors.signed_notes_in_period(couple, start, end, exclude_kinds=excluded)
            if individual_partner(note) != options.exclude_partner or not options.exclude_partner
        ]
        withheld, scope = {}, _scope(couple, options, case)
    return ProgressReport(
        meta=report_meta(
            title="Couple progress report", user=user, practice=couple.practice,
            reference=couple.reference,
            subtitle=f"{options.period_start:%-d %B %Y} to {options.period_end:%-d %B %Y}",
            audience=AUDIENCE_COVER.get(options.audience, ""),
            couple_name=case.couple_name if options.audience == ReportAudience.CLINICAL else "",
        ),
        case=case,
        options=options,
        scope=scope,
        plan=_for_audience(build_plan(couple, plan, until=options.period_end, notice=notice), options),
        measures=build_measures(couple, until=options.period_end, period_start=options.period_start, case=case,
                                withhold_individual=withheld),
        attendance=build_attendance(couple, start=start, end=end, exclude_kinds=excluded),
        notes=tuple(build_note(couple, note, include_content=options.include_notes) for note in notes),
        # The register is for the clinical record; IPV risks stay out of a copy that leaves a partner out.
        risks=() if options.for_couple else build_risks(couple, include_ipv=not options.exclude_partner),
        # A partner's screen and safety plan: the clinical record only, never a couple-audience copy.
        safety=() if options.for_couple else build_safety(couple, exclude_partner=options.exclude_partner),
    )


__all__ = [
    "AUDIENCE_COVER", "NoteEntry", "ProgressOptions", "ProgressReport", "build_note", "build_progress_report",
    "content_may_be_shown", "default_period", "individual_partner", "note_sections", "treatment_to_date",
    "withheld_individual_measures",
]
