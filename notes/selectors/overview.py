"""The clinical panels of a couple's overview (clinic:couple-detail): next and last session with the note's
status, the treatment plan's status and review date, each partner's latest scores with a sparkline, open
homework, new client entries and one list of what is outstanding.

The overview page belongs to clinic, which may not import plans or notes (the layers point down). Notes is the
highest app whose data these panels need (its sessions and notes, plans' measures and homework), so the panels
are built here and registered with clinic.selectors.overview from NotesConfig.ready(), as the IPV re-screen
prompt is. Without notes installed the overview shows the case and the risk banner only.

A fixed number of queries however many sessions, notes, administrations and entries the couple has (see
tests/notes/test_couple_overview.py). Clinical text read here: homework descriptions only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Subquery, When, Window
from django.urls import reverse
from django.utils import timezone

from clinic.models import CareRole, Couple, IPVResult, Risk, RiskSource, RiskStatus
from clinic.selectors.ipv import RescreenPrompt, rescreen_prompts
from notes.models import Attendance, NoteStatus, ProgressNote, Session
from notes.selectors.notes import NOTE_TEXT_COLUMNS, NoteState, note_state, session_note
from plans.instruments import BUILTIN
from plans.models import EntrySource, Homework, HomeworkStatus, MeasureAdministration, PlanStatus, TreatmentPlan
from plans.selectors.client_entries import ClientEntriesRow, client_entries_of
from plans.selectors.instruments import instruments_for
from plans.selectors.measures import (
    DueRow,
    ReviewPrompt,
    ScoreLine,
    measures_due_for_couple,
    risk_answers_to_acknowledge,
    score_lines,
)

# Past sessions that count as "the last session": those that took place or were missed, not cancellations.
HELD = (Attendance.ATTENDED, Attendance.NO_SHOW, Attendance.LATE_CANCELLED, Attendance.SCHEDULED)
OPEN_HOMEWORK_SHOWN = 5


@dataclass(frozen=True)
class SessionPanel:
    session: Session
    note: ProgressNote | None
    state: NoteState


@dataclass(frozen=True)
class PlanPanel:
    plan: TreatmentPlan | None
    draft: TreatmentPlan | None  # a revision in progress beside the active plan
    today: datetime.date

    @property
    def review_overdue(self) -> bool:
        return bool(self.plan and self.plan.status == PlanStatus.ACTIVE and self.plan.review_due
                    and self.plan.review_due < self.today)

    @property
    def days_overdue(self) -> int:
        return (self.today - self.plan.review_due).days if self.review_overdue else 0


@dataclass(frozen=True)
class Outstanding:
    """One thing left to do, with where to do it. `owner` names whose task it is when it is not the reader's
    (a supervisor reading a supervisee's case): the item is then shown as theirs, without a link. `also` is a
    second step of the same clinical event done on another page (a register risk raised by a PHQ-9: the score's
    own risk flag), shown after it under the same rule."""

    # note | attendance | cosign | returned | measure | review | risk | risk_follow_up | measure_risk |
    # measure_risk_blank | ipv_screen | ipv_rescreen
    kind: str
    text: str
    url_name: str
    url_args: tuple[Any, ...]
    anchor: str = ""
    owner: str = ""
    also: Outstanding | None = None

    @property
    def href(self) -> str:
        return "" if self.owner else reverse(self.url_name, args=self.url_args)


@dataclass
class PartnerScores:
    key: str
    label: str
    name: str
    lines: list[ScoreLine] = field(default_factory=list)


@dataclass
class CoupleOverview:
    template_name = "notes/overview/_panels.html"

    couple: Couple
    can_write: bool
    next_session: Session | None
    last_session: SessionPanel | None
    plan: PlanPanel
    scores: list[PartnerScores]
    homework: list[Homework]
    homework_open: int
    client_entries: ClientEntriesRow | None
    outstanding: list[Outstanding]
    # Partners not on track, from the scores already read (the page's "review the plan" notice).
    review_prompts: list[ReviewPrompt] = field(default_factory=list)
    # Partners due an IPV re-screen (the page's notice above the panels reads them from here).
    rescreen_prompts: list[RescreenPrompt] = field(default_factory=list)


def _next_session(couple: Couple, now: datetime.datetime) -> QuerySet[Session]:
    return (Session.objects.filter(couple=couple, starts_at__gte=now, attendance=Attendance.SCHEDULED)
            .order_by("starts_at", "id"))


def _last_session(couple: Couple, now: datetime.datetime) -> QuerySet[Session]:
    return (Session.objects.filter(couple=couple, starts_at__lt=now, attendance__in=HELD)
            .order_by("-starts_at", "-id"))


def _open_note(now: datetime.datetime) -> Q:
    """A past session still waiting for something: attendance not recorded, an attended session without a
    note, or a note not yet final (draft, returned, awaiting co-signature)."""
    return Q(starts_at__lt=now) & (
        Q(attendance=Attendance.SCHEDULED)
        | Q(attendance=Attendance.ATTENDED, note__isnull=True)
        | Q(note__status__in=[NoteStatus.DRAFT, NoteStatus.RETURNED, NoteStatus.AWAITING_COSIGN]))


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=True), default=False, output_field=BooleanField())


@dataclass(frozen=True)
class SessionPanels:
    next: Session | None
    last: SessionPanel | None
    open: list[Session]


def _sessions(couple: Couple, now: datetime.datetime) -> SessionPanels:
    """The next session, the last one held and the past ones still open, in one query: the next and the last
    are picked by subqueries, the open ones marked by an annotation."""
    next_pk = _next_session(couple, now).values("pk")[:1]
    last_pk = _last_session(couple, now).values("pk")[:1]
    rows = list(
        Session.objects.filter(couple=couple)
        .filter(Q(pk__in=Subquery(next_pk)) | Q(pk__in=Subquery(last_pk)) | _open_note(now))
        .annotate(is_next=_flag(Q(pk=Subquery(next_pk))), is_last=_flag(Q(pk=Subquery(last_pk))),
                  is_open=_flag(_open_note(now)))
        .select_related("note__author", "therapist").defer(*(f"note__{c}" for c in NOTE_TEXT_COLUMNS))
        .order_by("starts_at", "id")
    )
    last = next((s for s in rows if s.is_last), None)
    note = session_note(last) if last is not None else None
    return SessionPanels(
        next=next((s for s in rows if s.is_next), None),
        last=SessionPanel(last, note, note_state(note)) if last is not None else None,
        open=[s for s in rows if s.is_open],
    )


def _plans_in_force(couple: Couple) -> list[TreatmentPlan]:
    """The couple's active plan and the draft beside it (either may be missing)."""
    return list(TreatmentPlan.objects.filter(couple=couple, status__in=[PlanStatus.ACTIVE, PlanStatus.DRAFT])
                .select_related("signed_by").defer("formulation", "diagnoses"))


def _plan(plans: list[TreatmentPlan], today: datetime.date) -> PlanPanel:
    by_status = {p.status: p for p in plans}
    active, draft = by_status.get(PlanStatus.ACTIVE), by_status.get(PlanStatus.DRAFT)
    return PlanPanel(plan=active or draft, draft=draft if active else None, today=today)


def _primary_name(couple: Couple, today: datetime.date) -> str:
    """The current primary therapist's name, from the care team get_couple_for_user prefetched (no query)."""
    for member in couple.care_team.all():
        if (member.role == CareRole.PRIMARY and member.start_date <= today
                and (member.end_date is None or member.end_date >= today) and member.user.is_active):
            return member.user.display_name
    return "The care team"


def _risk_items(m: MeasureAdministration) -> str:
    numbers = BUILTIN[m.instrument].risk_items if m.instrument in BUILTIN else ()
    return ", ".join(f"item {n}" for n in numbers) or "its risk item"


def _outstanding(couple: Couple, *, user: Any, sessions: list[Session], plan: PlanPanel, due: list[DueRow],
                 risks: list[Risk], measure_risks: list[MeasureAdministration], rescreens: list[RescreenPrompt],
                 review_prompts: list[ReviewPrompt], entries: ClientEntriesRow | None, can_write: bool,
                 today: datetime.date) -> list[Outstanding]:
    """What is left to do on the couple's record, in the order of the alerts above it. A reader who may not
    change the record (a supervisor) gets as their own, with a link, only what is theirs: the co-signatures
    awaiting them and the open risks (anyone reading the case may acknowledge one; a PHQ-9 risk answer only the care
    team can). Everything else is shown
    as the note's author's or the primary therapist's to do, without a link to a page they may not use."""
    primary = _primary_name(couple, today)
    items = []
    # A flagged score and the open register risk it raised are one clinical event: one item, the register's,
    # naming the score, with the score's own acknowledgement (a note on the measure page) as its second step;
    # the register's is the structured follow-up (C-SSRS screen, safety plan).
    flagged = {m.pk: m for m in measure_risks if m.risk_flag}
    for risk in risks:
        if getattr(risk, "follow_up_overdue", False):
            text = (f"Follow up the risk: {risk.get_kind_display()} ({risk.subject}), "
                    f"due {risk.follow_up_on:%-d %b %Y}, overdue")
            items.append(Outstanding("risk_follow_up", text, "clinic:risk-register", (couple.pk,)))
        if risk.status != RiskStatus.OPEN:
            continue
        m = flagged.pop(risk.source_id, None) if risk.source == RiskSource.MEASURE else None
        text, also = f"Acknowledge the risk: {risk.get_kind_display()}", None
        if m is not None:
            name = m.instrument_name
            text += f" from the {name} of {m.administered_on:%-d %b %Y}"
            also = Outstanding("measure_risk", f"Acknowledge the risk flag on the {name} too", "plans:measure-detail",
                               (m.pk,), owner="" if can_write else primary)
        overdue = ", overdue" if getattr(risk, "overdue", False) else ""
        raised = timezone.localtime(risk.raised_at)
        items.append(Outstanding("risk", f"{text} ({risk.subject}, raised {raised:%-d %b}{overdue})",
                                 "clinic:risk-register", (couple.pk,), also=also))
    for m in flagged.values():  # no open register risk of their own: acknowledged or closed there, or older data
        items.append(Outstanding("measure_risk", f"Acknowledge the risk answer on the {m.instrument_name} of "
                                                 f"{m.administered_on:%-d %b %Y} ({m.get_partner_display()})",
                                 "plans:measure-detail", (m.pk,), owner="" if can_write else primary))
    for m in measure_risks:
        if not m.risk_flag:  # the risk question left blank, not yet followed up
            where = " in the portal" if m.source == EntrySource.CLIENT else ""
            items.append(Outstanding("measure_risk_blank", f"Ask {m.get_partner_display()} the risk question "
                                                           f"({_risk_items(m)}), left blank on the "
                                                           f"{m.instrument_name} of {m.administered_on:%-d %b %Y}"
                                                           f"{where}",
                                     "plans:measure-detail", (m.pk,), owner="" if can_write else primary))
    for partner in sorted(couple.partners.all(), key=lambda p: p.position):  # prefetched by clinic.access
        if partner.ipv_result == IPVResult.NOT_DONE:
            items.append(Outstanding("ipv_screen", f"Screen {partner.get_position_display()} for partner violence "
                                                   "(needed before a joint session)",
                                     "clinic:partner-edit", (couple.pk, partner.position),
                                     owner="" if can_write else primary))
    for prompt in rescreens:
        why = ("a note since the last screen noted a partner-violence concern" if prompt.reason == "note_concern"
               else f"last screened {prompt.partner.ipv_screened_on:%-d %b %Y}")
        items.append(Outstanding("ipv_rescreen", f"Screen {prompt.partner.get_position_display()} for IPV again: {why}",
                                 "clinic:partner-edit", (couple.pk, prompt.partner.position),
                                 owner="" if can_write else primary))
    for session in sessions:
        note = session_note(session)
        day = f"{timezone.localtime(session.starts_at):%-d %b %Y}"
        author = note.author if note is not None else session.therapist
        owner = "" if can_write else (author.display_name if author else primary)
        if note is None and session.attendance == Attendance.SCHEDULED:
            items.append(Outstanding("attendance", f"Record attendance of the session of {day}",
                                     "notes:session-edit", (session.pk,), owner=owner))
        elif note is None:
            items.append(Outstanding("note", f"Write the note of the session of {day}", "notes:note-edit",
                                     (session.pk,), owner=owner))
        elif note.status == NoteStatus.DRAFT:
            items.append(Outstanding("note", f"Sign the draft note of the session of {day}",
                                     "notes:note-edit", (session.pk,), owner=owner))
        elif note.status == NoteStatus.RETURNED:
            items.append(Outstanding("returned", f"Answer the supervisor's return of the note of {day}",
                                     "notes:note-detail", (note.pk,), owner=owner))
        elif not can_write and author is not None and author.supervisor_id == user.pk:
            items.append(Outstanding("cosign", f"Co-sign the note of {day} by {author.display_name}",
                                     "notes:note-detail", (note.pk,)))
        else:
            items.append(Outstanding("cosign", f"Co-signature awaited on the note of {day}",
                                     "notes:note-detail", (note.pk,), owner=owner))
    owner = "" if can_write else primary
    if review_prompts:
        who = ", ".join(sorted({p.partner_label for p in review_prompts}))
        items.append(Outstanding("not_on_track", f"Review the treatment plan: not on track ({who})",
                                 "plans:plan-detail", (couple.pk,), owner=owner))
    if plan.review_overdue:
        items.append(Outstanding("review", f"Review the treatment plan: due {plan.plan.review_due:%-d %b %Y}, "
                                           f"{plan.days_overdue} days ago", "plans:plan-detail", (couple.pk,),
                                 owner=owner))
    elif plan.plan is None:
        items.append(Outstanding("review", "Write a treatment plan", "plans:plan-detail", (couple.pk,), owner=owner))
    elif plan.plan.status == PlanStatus.DRAFT:
        items.append(Outstanding("review", "Sign the draft treatment plan", "plans:plan-detail", (couple.pk,),
                                 owner=owner))
    for row in due:
        items.append(Outstanding("measure", f"{row.instrument_name} due for {row.partner_label} "
                                            f"since {row.due_since:%-d %b %Y}",
                                 "plans:measure-list", (couple.pk,), owner=owner))
    return items


def couple_overview(*, couple: Couple, user: Any, risks: list[Risk], can_write: bool) -> CoupleOverview:
    """The clinical panels of `couple`'s overview for `user`, a clinician who may read it (the caller fetched
    the couple through clinic.access.get_couple_for_user, which prefetched its partners). `risks` are the
    couple's unresolved risks the page already shows in its banner; `can_write` whether `user` may change the
    couple (the page knows it already). At most 11 queries."""
    now = timezone.now()
    today = timezone.localdate()
    plans = _plans_in_force(couple)  # 1
    plan = _plan(plans, today)
    instruments = instruments_for(couple.practice_id)  # 1
    lines, review_prompts = score_lines(couple, instruments)  # 3 (1 without scores)
    open_homework = Homework.objects.filter(couple=couple, status=HomeworkStatus.ASSIGNED)
    homework = list(open_homework.annotate(open_total=Window(Count("id")))  # the total before the slice
                    .order_by("due_on", "assigned_on", "id")[:OPEN_HOMEWORK_SHOWN])  # 1
    homework_open = homework[0].open_total if homework else 0
    measure_risks = risk_answers_to_acknowledge(couple)  # 1
    due = measures_due_for_couple(couple, can_record=can_write, plans=plans, instruments=instruments,
                                  today=today) if plan.plan else []  # ≤ 3
    rescreens = rescreen_prompts(couple, list(couple.partners.all()))  # ≤ 1 (the notes' IPV concerns)
    entries = client_entries_of(couple)  # 1
    sessions = _sessions(couple, now)  # 1
    names = {p.position: p.client.preferred_name or p.client.first_name for p in couple.partners.all()}
    scores = [PartnerScores(key, label, names.get(key, "")) for key, label in (("a", "Partner A"), ("b", "Partner B"))]
    by_key = {s.key: s for s in scores}
    for line in lines:
        by_key[line.partner].lines.append(line)
    return CoupleOverview(
        couple=couple,
        can_write=can_write,
        next_session=sessions.next,
        last_session=sessions.last,
        plan=plan,
        scores=scores,
        homework=homework,
        homework_open=homework_open,
        client_entries=entries,
        outstanding=_outstanding(couple, user=user, sessions=sessions.open, plan=plan, due=due,
                                 risks=risks, measure_risks=measure_risks, rescreens=rescreens,
                                 review_prompts=review_prompts, entries=entries, can_write=can_write, today=today),
        review_prompts=review_prompts,
        rescreen_prompts=rescreens,
    )
