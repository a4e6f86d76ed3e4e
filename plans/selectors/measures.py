"""Reads for outcome measures: a couple's administrations, the Measures tab, and "measures due".

Every function starts from a couple the caller fetched through clinic.access, or from
Couple.objects.visible_to(user). Lists never load the encrypted answers or acknowledgement notes, and each
function issues a fixed number of queries however many administrations, couples or sessions there are.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any, NamedTuple

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.formats import date_format

from clinic.models import Couple, CoupleStatus, Risk, RiskSource, RiskStatus, SuicideScreen
from plans import charts, session_calendar
from plans.instruments import (
    BUILTIN,
    Change,
    Instrument,
    Outcome,
    classify_outcome,
    not_on_track,
)
from plans.models import (
    MeasureAdministration,
    MeasureSchedule,
    PartnerPosition,
    PlanStatus,
    ScheduleEvery,
    TreatmentPlan,
)
from plans.selectors.instruments import instruments_for

# Columns a list of administrations needs: never the encrypted answers or acknowledgement note.
LIST_FIELDS = (
    "id", "couple_id", "partner", "instrument", "administered_on", "total", "band", "risk_flag",
    "risk_acknowledged_at", "recorded_at", "missing_items", "prorated", "source",
    "risk_item_unanswered",
)
PARTNERS = tuple(PartnerPosition)
# Chart marks of the partners' own answers in the portal (the table's "Client-reported" badge).
CLIENT_NOTE = "client-reported"
CLIENT_LEGEND = "Client-reported"
# Days after the last administration when an instrument is due again; "every session" falls back to a
# week for couples with no sessions recorded in Rapport.
INTERVAL_DAYS = {
    ScheduleEvery.SESSION: 7,
    ScheduleEvery.WEEK: 7,
    ScheduleEvery.FORTNIGHT: 14,
    ScheduleEvery.MONTH: 30,
}


def administrations_of(couple: Couple) -> QuerySet[MeasureAdministration]:
    """The couple's administrations, oldest first, without their encrypted columns."""
    return (
        MeasureAdministration.objects.filter(couple=couple).only(*LIST_FIELDS)
        .order_by("administered_on", "partner", "instrument", "recorded_at")
    )


def filter_administrations(
    queryset: QuerySet[MeasureAdministration],
    *,
    instrument: str = "",
    partner: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[MeasureAdministration]:
    if instrument:
        queryset = queryset.filter(instrument=instrument)
    if partner:
        queryset = queryset.filter(partner=partner)
    if date_from:
        queryset = queryset.filter(administered_on__gte=date_from)
    if date_to:
        queryset = queryset.filter(administered_on__lte=date_to)
    return queryset


def administration_queryset() -> QuerySet[MeasureAdministration]:
    """Base queryset for one administration fetched through clinic.access.get_couple_record_for_user."""
    return MeasureAdministration.objects.select_related("recorded_by", "risk_acknowledged_by")


# --- The Measures tab ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TableRow:
    day: datetime.date
    a: MeasureAdministration | None
    b: MeasureAdministration | None


@dataclass(frozen=True)
class PartnerChange:
    """One partner's baseline -> latest on one instrument. Only scored administrations count (complete, or
    incomplete with a prorated total); incomplete ones without a total are left out and counted in
    `unscored`. `prorated` says whether the baseline or the latest total is prorated."""

    partner: str
    label: str
    change: Change | None  # None: never given (with a total) to this partner
    baseline_on: datetime.date | None = None
    latest_on: datetime.date | None = None
    outcome: Outcome | None = None
    prorated: bool = False
    unscored: int = 0
    off_track: bool = False


@dataclass
class InstrumentSection:
    instrument: Instrument
    chart: str
    rows: list[TableRow]
    changes: list[PartnerChange]

    @property
    def anchor(self) -> str:
        return f"measure-{self.instrument.code}"


@dataclass
class MeasuresTab:
    couple: Couple
    sections: list[InstrumentSection] = field(default_factory=list)
    risks: list[MeasureAdministration] = field(default_factory=list)
    schedule_plan: TreatmentPlan | None = None
    schedules: list[tuple[Instrument | None, MeasureSchedule]] = field(default_factory=list)
    instruments: dict[str, Instrument] = field(default_factory=dict)

    attended_sessions: int = 0

    @property
    def empty(self) -> bool:
        return not self.sections

    @property
    def off_track(self) -> list[tuple[Instrument, PartnerChange]]:
        """Partner outcomes that call for a plan review (plans.instruments.not_on_track)."""
        return [(s.instrument, c) for s in self.sections for c in s.changes if c.off_track]


def _partner_change(instrument: Instrument, partner: str, given: list[MeasureAdministration],
                    attended_sessions: int = 0) -> PartnerChange:
    label = PartnerPosition(partner).label
    scored = [m for m in given if m.total is not None]
    unscored = len(given) - len(scored)
    if not scored:
        return PartnerChange(partner, label, None, unscored=unscored)
    first, last = scored[0], scored[-1]
    outcome = classify_outcome(instrument, first.total, last.total, count=len(scored))
    return PartnerChange(partner, label, outcome.change, first.administered_on, last.administered_on, outcome,
                         prorated=first.prorated or last.prorated, unscored=unscored,
                         off_track=not_on_track(instrument, outcome, attended_sessions))


def instrument_section(instrument: Instrument, administrations: list[MeasureAdministration],
                       attended_sessions: int = 0) -> InstrumentSection:
    """One instrument on the tab: a chart of both partners with the cut-off and the gap between them, the
    table of the same numbers, and each partner's change from baseline and named outcome.

    Incomplete forms: a prorated total is charted and used for change like any other (the table and the
    change line mark it "prorated"); an incomplete form without a total is listed in the table only.
    `attended_sessions` (the couple's attended sessions) decides "not on track"."""
    by_partner = {p: [m for m in administrations if m.partner == p] for p in PARTNERS}
    series = [
        charts.Series(PartnerPosition(p).label,
                      [(m.administered_on, m.total) for m in by_partner[p] if m.total is not None], style=p,
                      notes=[CLIENT_NOTE if m.client_reported else "" for m in by_partner[p] if m.total is not None])
        for p in PARTNERS
    ]
    lines = []
    if instrument.cutoff is not None:
        lines.append(charts.ReferenceLine("Cut-off", instrument.cutoff, kind="cutoff"))
    direction = "higher is better" if instrument.higher_is_better else "lower is better"
    chart = charts.render(charts.Chart(
        title=f"{instrument.short_name} scores of both partners",
        description=(
            f"{instrument.short_name} totals from {instrument.min_score} to {instrument.max_score} ({direction}) "
            f"by date, partner A and partner B; {len(administrations)} scores, listed in the table that follows."
        ),
        y_label=f"{instrument.short_name} total",
        y_min=instrument.min_score,
        y_max=instrument.max_score,
        series=series,
        reference_lines=lines,
        show_gap=True,
        ring_legend=CLIENT_LEGEND,
    ))
    # A partner may have several client-reported administrations on one day (each its own row, latest first).
    days: dict[datetime.date, dict[str, list[MeasureAdministration]]] = defaultdict(lambda: defaultdict(list))
    for m in administrations:
        days[m.administered_on][m.partner].append(m)
    rows = [
        TableRow(day, a, b) for day in sorted(days, reverse=True)
        for a, b in zip_longest(reversed(days[day]["a"]), reversed(days[day]["b"]))
    ]
    changes = [_partner_change(instrument, p, by_partner[p], attended_sessions) for p in PARTNERS]
    return InstrumentSection(instrument, chart, rows, changes)


@dataclass(frozen=True)
class ScoreLine:
    """One partner's latest score on one instrument, for the couple overview: the change since the score before
    it, the named outcome from baseline (PartnerChange) and a sparkline of every scored administration."""

    instrument: Instrument
    partner: str
    partner_label: str
    latest: MeasureAdministration
    previous_total: int | None
    change: PartnerChange
    sparkline: str
    count: int

    @property
    def since_previous(self) -> int | None:
        return None if self.previous_total is None else self.latest.total - self.previous_total

    @property
    def better_since_previous(self) -> bool | None:
        """True if the last change went the good way for this instrument, False the bad way, None: no change."""
        step = self.since_previous
        if not step:
            return None
        return step > 0 if self.instrument.higher_is_better else step < 0




def attended_session_count(couple: Couple) -> int:
    """The couple's attended sessions (joint and individual), through plans.session_calendar (one query)."""
    return session_calendar.attended_counts([couple.pk]).get(couple.pk, 0)


def measures_tab(couple: Couple) -> MeasuresTab:
    """Everything the Measures tab shows, in a fixed number of queries: the administrations (1), the
    practice's instruments (1), the attended sessions (1) and the schedule of the active or draft plan (2)."""
    administrations = list(administrations_of(couple))
    instruments = instruments_for(couple.practice_id)
    tab = MeasuresTab(couple=couple, instruments=instruments)
    tab.attended_sessions = attended_session_count(couple) if administrations else 0
    grouped: dict[str, list[MeasureAdministration]] = defaultdict(list)
    for m in administrations:
        grouped[m.instrument].append(m)
        if m.risk_flag and m.risk_acknowledged_at is None:
            tab.risks.append(m)
    for code, given in grouped.items():
        instrument = instruments.get(code)
        if instrument is not None:
            tab.sections.append(instrument_section(instrument, given, tab.attended_sessions))
    order = list(instruments)
    tab.sections.sort(key=lambda s: order.index(s.instrument.code))
    plans = {
        p.status: p for p in TreatmentPlan.objects.filter(
            couple=couple, status__in=[PlanStatus.ACTIVE, PlanStatus.DRAFT]
        ).only("id", "couple_id", "status", "number", "schedule_version")
    }
    tab.schedule_plan = plans.get(PlanStatus.ACTIVE) or plans.get(PlanStatus.DRAFT)
    if tab.schedule_plan is not None:
        tab.schedules = [
            (instruments.get(s.instrument), s)
            for s in MeasureSchedule.objects.filter(plan=tab.schedule_plan).order_by("instrument")
        ]
    for m in tab.risks:
        m.instrument_data = instruments.get(m.instrument)
    return tab


def _risk_question_not_followed_up() -> Q:
    """A form whose risk question (PHQ-9 item 9) was left blank, not yet followed up. A blank is missing information,
    not a finding (plans.selectors.client_entries): it is followed up by a clinician recording what the partner said
    when asked (the score's acknowledgement), by a later answer to that question on the same instrument, or by a
    C-SSRS screen of the partner since."""
    later_answer = MeasureAdministration.objects.filter(
        couple=OuterRef("couple"), partner=OuterRef("partner"), instrument=OuterRef("instrument"),
        risk_item_unanswered=False, recorded_at__gt=OuterRef("recorded_at"))
    screened = SuicideScreen.objects.filter(couple=OuterRef("couple"), partner=OuterRef("partner"),
                                            recorded_at__gt=OuterRef("recorded_at"))
    return Q(risk_item_unanswered=True, risk_acknowledged_at__isnull=True) & ~Exists(later_answer) & ~Exists(screened)


RISK_ANSWER_COLUMNS = ("id", "couple_id", "partner", "instrument", "administered_on", "recorded_at", "source",
                       "risk_flag", "risk_item_unanswered")


def risk_questions_to_ask(user: Any) -> list[MeasureAdministration]:
    """Today's "Ask at the next contact": in the couples `user` may see, the forms whose risk question was left
    blank and not yet followed up, oldest first, each with its couple's reference and whether `user` may record the
    answer (`can_record`). One query, two when there are any."""
    forms = list(MeasureAdministration.objects.filter(_risk_question_not_followed_up(),
                                                      couple__in=Couple.objects.visible_to(user))
                 .select_related("couple").only(*RISK_ANSWER_COLUMNS, "couple__reference")
                 .order_by("administered_on", "id"))
    # A supervisor reads a supervisee's case but does not record in it: the care team does (one more query).
    editable = set(Couple.objects.editable_by(user).filter(pk__in={m.couple_id for m in forms})
                   .values_list("pk", flat=True)) if forms else set()
    for m in _named(forms):
        m.can_record = m.couple_id in editable
    return forms


def risk_answers_to_acknowledge(couple: Couple) -> list[MeasureAdministration]:
    """The couple's scores whose risk needs a clinician, oldest first, each with its `instrument_name`: a risk flag
    not yet acknowledged, or a risk question left blank and not yet followed up. One query."""
    return _named(list(MeasureAdministration.objects.filter(couple=couple)
                       .filter(Q(risk_flag=True, risk_acknowledged_at__isnull=True) | _risk_question_not_followed_up())
                       .only(*RISK_ANSWER_COLUMNS).order_by("administered_on", "id")))


def _named(forms: list[MeasureAdministration]) -> list[MeasureAdministration]:
    """Each form with `instrument_name` ("PHQ-9"); only built-in instruments have a risk question."""
    for m in forms:
        m.instrument_name = BUILTIN[m.instrument].short_name if m.instrument in BUILTIN else m.instrument
    return forms


def risk_question_followed_up(administration: MeasureAdministration) -> bool:
    """Whether a form's blank risk question has been followed up (see _risk_question_not_followed_up)."""
    return not MeasureAdministration.objects.filter(_risk_question_not_followed_up(), pk=administration.pk).exists()


def register_risk_open(administration: MeasureAdministration) -> bool:
    """Whether the risk this score raised in the couple's register is still open (awaiting its follow-up)."""
    return Risk.objects.filter(source=RiskSource.MEASURE, source_id=administration.pk,
                               status=RiskStatus.OPEN).exists()


DETERIORATION = "reliable deterioration"


@dataclass(frozen=True)
class ReviewPrompt:
    """A partner not on track on an instrument: a plan review is due (couple page)."""

    instrument: str
    partner_label: str
    outcome_label: str
    reason: str  # "reliable deterioration" or "no reliable improvement after 13 attended sessions"

    @property
    def text(self) -> str:
        """"Partner A, PHQ-9: no reliable improvement after 13 attended sessions"."""
        return f"{self.partner_label}, {self.instrument}: {self.reason}"


def review_summary(prompts: list[ReviewPrompt]) -> str:
    """A couple's prompts in one readable phrase, each partner and reason once, its instruments together:
    "Partner A, PHQ-9 and GAD-7: no reliable improvement after 13 attended sessions; Partner B, GAD-7: reliable
    deterioration". No brackets: the list on Today read "(no reliable improvement after 13 attended sessions
    (review from the 8th))" up to four times a couple."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for prompt in prompts:
        grouped.setdefault((prompt.partner_label, prompt.reason), []).append(prompt.instrument)
    parts = []
    for (partner, reason), instruments in sorted(grouped.items(), key=lambda item: item[0][0]):
        names = instruments[0] if len(instruments) == 1 else f"{', '.join(instruments[:-1])} and {instruments[-1]}"
        parts.append(f"{partner}, {names}: {reason}")
    return "; ".join(parts)


@dataclass(frozen=True)
class CoupleReviewPrompts:
    """One couple of a caseload with its partners not on track (Today)."""

    couple: Couple
    prompts: list[ReviewPrompt]

    @property
    def summary(self) -> str:
        return review_summary(self.prompts)

    @property
    def deteriorated(self) -> bool:
        return any(prompt.reason == DETERIORATION for prompt in self.prompts)


def _review_prompts(administrations: list[MeasureAdministration], instruments: dict[str, Instrument],
                    attended: int) -> list[ReviewPrompt]:
    grouped: dict[str, list[MeasureAdministration]] = defaultdict(list)
    for m in administrations:
        grouped[m.instrument].append(m)
    prompts = []
    for code in [code for code in instruments if code in grouped] + sorted(set(grouped) - set(instruments)):
        instrument = instruments.get(code)
        if instrument is None:
            continue
        for partner in PARTNERS:
            change = _partner_change(instrument, partner, [m for m in grouped[code] if m.partner == partner],
                                     attended)
            if change.off_track and change.outcome is not None:
                reason = (DETERIORATION if change.outcome.kind == "reliably_deteriorated" else
                          f"no reliable improvement after {attended} attended sessions")
                prompts.append(ReviewPrompt(instrument.short_name, change.label, change.outcome.label, reason))
    return prompts


def plan_review_prompts(couple: Couple) -> list[ReviewPrompt]:
    """Partners "not on track" (no reliable improvement by the NOT_ON_TRACK_SESSIONS-th attended session, or
    any reliable deterioration), per instrument with a reliable-change threshold. Three queries."""
    administrations = list(administrations_of(couple).filter(total__isnull=False))
    if not administrations:
        return []
    return _review_prompts(administrations, instruments_for(couple.practice_id), attended_session_count(couple))


class _ScoredRow(NamedTuple):
    """What _review_prompts reads of a scored administration."""

    couple_id: Any
    partner: str
    instrument: str
    administered_on: datetime.date
    total: Any
    prorated: bool


def plan_reviews_due(couples: list[Couple]) -> list[CoupleReviewPrompts]:
    """`plan_review_prompts` of many couples at once, in their order, leaving out couples on track: three
    queries however many couples (their scored administrations as plain rows, their attended-session counts
    through plans.session_calendar, the practice's instruments), one more per further practice. The caller
    passes couples it may read."""
    if not couples:
        return []
    # A prompt needs each partner's first and latest scored administration of each instrument (and whether
    # there is more than one): the database picks them, as plain rows, instead of sending the caseload's
    # thousands of administrations.
    group = [F("couple_id"), F("partner"), F("instrument")]
    ends = (
        MeasureAdministration.objects.filter(couple__in=[c.pk for c in couples], total__isnull=False)
        # One window (one sort): the latest is the row whose number is the partition's count.
        .annotate(
            from_first=Window(RowNumber(), partition_by=group, order_by=[F("administered_on").asc(), F("id").asc()]),
            in_group=Window(Count("id"), partition_by=group),
        )
        .filter(Q(from_first=1) | Q(from_first=F("in_group")))
        .values_list(*_ScoredRow._fields, "from_first")
        .order_by()  # sorted here: only each group's order matters, and the database would sort every row
    )
    by_couple: dict[Any, list[_ScoredRow]] = defaultdict(list)
    for *row, _ in sorted(ends, key=lambda row: (row[3], row[-1])):  # administered_on, then first to last
        scored = _ScoredRow(*row)
        by_couple[scored.couple_id].append(scored)
    measured = [c for c in couples if by_couple.get(c.pk)]
    if not measured:
        return []
    attended = session_calendar.attended_counts([c.pk for c in measured])
    instruments: dict[Any, dict[str, Instrument]] = {}
    rows = []
    for couple in measured:
        if couple.practice_id not in instruments:
            instruments[couple.practice_id] = instruments_for(couple.practice_id)
        prompts = _review_prompts(by_couple[couple.pk], instruments[couple.practice_id], attended.get(couple.pk, 0))
        if prompts:
            rows.append(CoupleReviewPrompts(couple, prompts))
    # Reliable deterioration first (stable: then in the callers' order).
    return sorted(rows, key=lambda row: not row.deteriorated)


def plan_reviews_due_for(user: Any) -> list[CoupleReviewPrompts]:
    """The couples of `user`'s caseload (Couple.objects.visible_to: their care-team cases, a supervisor's also
    their supervisees') that are not on track, by reference; not discharged ones. Empty for anyone but a
    clinician: a practice manager or administrator never sees a partner's outcome on a clinical measure.
    Four queries however many couples (the couples, and plan_reviews_due's three)."""
    if not getattr(user, "is_clinician", False):
        return []
    couples = list(
        Couple.objects.visible_to(user).exclude(status=CoupleStatus.DISCHARGED)
        .only("id", "reference", "practice_id", "status").order_by("reference")
    )
    return plan_reviews_due(couples)


# --- Measures due ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueRow:
    """One instrument due for one partner of one couple: plain data for the therapist home."""

    couple_id: uuid.UUID
    couple_reference: str
    instrument: str
    instrument_name: str
    partner: str
    partner_label: str
    every: str
    every_label: str
    last_given: datetime.date | None
    due_since: datetime.date
    can_record: bool = False

    @property
    def due_since_display(self) -> str:
        return date_format(self.due_since, "j M Y")


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


class _PlanRow(NamedTuple):
    id: Any
    couple_id: Any
    couple_reference: str
    practice_id: Any
    signed_at: datetime.datetime | None
    created_at: datetime.datetime


def measures_due_for(user: Any, *, today: datetime.date | None = None) -> list[DueRow]:
    """Scheduled instruments due for a partner of a couple `user` can see that has an active plan.

    Due when the partner's latest administration is older than the schedule's interval (never given: due
    since the plan was signed). "Every session": for couples with sessions recorded, due when an attended
    session took place after the last administration; otherwise weekly. Discharged couples are left out.
    Oldest first. Seven queries at most, however many couples, schedules, administrations and sessions.
    """
    return _measures_due(Couple.objects.visible_to(user), today=today,
                         editable=lambda ids: set(Couple.objects.editable_by(user).filter(pk__in=ids)
                                                  .values_list("pk", flat=True)))


def measures_due_for_partner(couple_id: Any, partner: str, *, today: datetime.date | None = None) -> list[DueRow]:
    """The scheduled instruments due for one partner of one couple (the partner portal's "to answer" list),
    by the same rule as measures_due_for. `can_record` is False: a partner answers, a clinician records."""
    rows = _measures_due(Couple.objects.filter(pk=couple_id), today=today, editable=lambda ids: set())
    return [row for row in rows if row.partner == partner]


def measures_due_for_couple(couple: Couple, *, can_record: bool, plans: list[TreatmentPlan] | None = None,
                            instruments: dict[str, Instrument] | None = None,
                            today: datetime.date | None = None) -> list[DueRow]:
    """The scheduled instruments due for either partner of one couple (the couple overview's "outstanding"
    list), by the same rule as measures_due_for. `couple` comes from clinic.access. A caller that read the
    couple's plans in force (active and draft) or the practice's instruments already passes them."""
    active = None if plans is None else [
        _PlanRow(plan.pk, couple.pk, couple.reference, couple.practice_id, plan.signed_at, plan.created_at)
        for plan in plans if plan.status == PlanStatus.ACTIVE and couple.status != CoupleStatus.DISCHARGED
    ]
    return _measures_due(Couple.objects.filter(pk=couple.pk), today=today, plans=active,
                         instruments=None if instruments is None else {couple.practice_id: instruments},
                         editable=lambda ids: set(ids) if can_record else set())


def _measures_due(couples: QuerySet[Couple], *, today: datetime.date | None,
                  editable: Callable[[list[Any]], set[Any]], plans: list[_PlanRow] | None = None,
                  instruments: dict[Any, dict[str, Instrument]] | None = None) -> list[DueRow]:
    today = today or timezone.localdate()
    # Plain rows, not model instances: a therapist's home page runs this for every couple of the caseload.
    if plans is None:
        plans = [
            _PlanRow(*row) for row in
            TreatmentPlan.objects.filter(couple__in=couples, status=PlanStatus.ACTIVE)
            .exclude(couple__status=CoupleStatus.DISCHARGED)
            .values_list("id", "couple_id", "couple__reference", "couple__practice_id", "signed_at", "created_at")
        ]
    schedules: dict[Any, list[tuple[str, str]]] = defaultdict(list)
    for plan_id, instrument, every in MeasureSchedule.objects.filter(
            plan_id__in=[plan.id for plan in plans]).values_list("plan_id", "instrument", "every").order_by("id"):
        schedules[plan_id].append((instrument, every))
    plans = [plan for plan in plans if schedules[plan.id]]
    if not plans:
        return []
    couple_ids = [plan.couple_id for plan in plans]
    last_given = {
        (row["couple_id"], row["instrument"], row["partner"]): row["last"]
        for row in MeasureAdministration.objects.filter(couple_id__in=couple_ids)
        .values("couple_id", "instrument", "partner").annotate(last=Max("administered_on")).order_by()
    }
    if instruments is None:
        instruments = {practice_id: instruments_for(practice_id)  # one practice per user: a single query
                       for practice_id in {plan.practice_id for plan in plans}}

    starts = {plan.id: _local_day(plan.signed_at or plan.created_at) for plan in plans}  # each plan's, once
    session_couples = {
        plan.couple_id for plan in plans if any(every == ScheduleEvery.SESSION for _, every in schedules[plan.id])
    }
    floors = [
        min([last_given.get((plan.couple_id, instrument, p)) or starts[plan.id] for instrument, _ in schedules[plan.id]
             for p in PARTNERS])
        for plan in plans if plan.couple_id in session_couples
    ]
    with_sessions, attended = session_calendar.session_days(session_couples, min(floors) if floors else today)
    editable = editable(couple_ids)

    rows = []
    for plan in plans:
        known = instruments[plan.practice_id]
        for code, every in schedules[plan.id]:
            instrument = known.get(code)
            for partner in PARTNERS:
                last = last_given.get((plan.couple_id, code, partner))
                due_since = _due_since(every, last, starts[plan.id], plan.couple_id in with_sessions,
                                       attended.get(plan.couple_id, []))
                if due_since is None or due_since > today:
                    continue
                rows.append(DueRow(
                    couple_id=plan.couple_id,
                    couple_reference=plan.couple_reference,
                    instrument=code,
                    instrument_name=instrument.short_name if instrument else code,
                    partner=partner,
                    partner_label=PartnerPosition(partner).label,
                    every=every,
                    every_label=ScheduleEvery(every).label,
                    last_given=last,
                    due_since=due_since,
                    can_record=plan.couple_id in editable,
                ))
    rows.sort(key=lambda r: (r.due_since, r.couple_reference, r.instrument, r.partner))
    return rows


def _due_since(
    every: str,
    last: datetime.date | None,
    start: datetime.date,
    has_sessions: bool,
    attended_days: list[datetime.date],
) -> datetime.date | None:
    """When the instrument became due again (None: not due)."""
    if every == ScheduleEvery.SESSION and has_sessions:
        after = last or start
        later = [day for day in attended_days if (day > after if last else day >= after)]
        return later[0] if later else None
    if last is None:
        return start
    return last + datetime.timedelta(days=INTERVAL_DAYS[every])


def schedule_of(plan: TreatmentPlan) -> QuerySet[MeasureSchedule]:
    """The plan's measure schedule: one row per instrument, in instrument order."""
    return MeasureSchedule.objects.filter(plan=plan).order_by("instrument")


def score_lines(couple: Couple, instruments: dict[str, Instrument] | None = None,
                ) -> tuple[list[ScoreLine], list[ReviewPrompt]]:
    """Per instrument (the practice's order) and partner, the latest scored administration with its change and
    a sparkline; and, from the same rows, the partners not on track (as plan_review_prompts gives them). Four
    queries however many administrations: the administrations, the practice's instruments and, when there are
    scores, the attended sessions (two, through plans.session_calendar)."""
    administrations = [m for m in administrations_of(couple) if m.total is not None]
    if not administrations:
        return [], []
    instruments = instruments if instruments is not None else instruments_for(couple.practice_id)
    attended = attended_session_count(couple)
    grouped: dict[tuple[str, str], list[MeasureAdministration]] = defaultdict(list)
    for m in administrations:
        grouped[(m.instrument, m.partner)].append(m)
    order = list(instruments)
    lines = []
    for (code, partner), given in grouped.items():
        instrument = instruments.get(code)
        if instrument is None:
            continue
        label = PartnerPosition(partner).label
        lines.append(ScoreLine(
            instrument=instrument, partner=partner, partner_label=label, latest=given[-1],
            previous_total=given[-2].total if len(given) > 1 else None,
            change=_partner_change(instrument, partner, given, attended),
            sparkline=charts.sparkline(
                label=f"{instrument.short_name}, {label}", points=[(m.administered_on, m.total) for m in given],
                y_min=instrument.min_score, y_max=instrument.max_score, style=partner),
            count=len(given),
        ))
    lines.sort(key=lambda line: (order.index(line.instrument.code), line.partner))
    return lines, _review_prompts(administrations, instruments, attended)
