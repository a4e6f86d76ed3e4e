"""Clinical history for report tests and the report benchmark: sessions, signed notes, plans, progress, measures.

Plain ORM writes (no factory_boy, no services, no audit events), so bench/report_bench.py can use it too.
Notes are signed the way notes.services.notes.note_sign signs them (hash, signer, time, status), without the
re-authentication step.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.utils import timezone

from notes.content_hash import addendum_content_hash, note_content_hash
from notes.models import Addendum, NoteStatus, ProgressNote, PsychotherapyNote, Session
from plans.instruments import BUILTIN
from plans.models import (
    Goal,
    Intervention,
    MeasureAdministration,
    Objective,
    Problem,
    ProgressPoint,
    TreatmentPlan,
)

TEXT = {
    "soap": {"subjective": "Subjective words {n}.", "objective": "Objective words {n}.",
             "assessment": "Assessment words {n}.", "plan": "Plan words {n}."},
    "dap": {"data": "Data words {n}.", "assessment": "Assessment words {n}.", "plan": "Plan words {n}."},
    "birp": {"behaviour": "Behaviour words {n}.", "intervention": "Intervention words {n}.",
             "response": "Response words {n}.", "plan": "Plan words {n}."},
}
ALL_CLEAR = {p: {"suicidal_ideation": "none", "harm_to_others": "none", "partner_violence": "none", "safety_plan": ""}
             for p in ("a", "b")}


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def session(couple, therapist, day: datetime.date, *, kind: str = "joint", attendance: str = "attended") -> Session:
    return Session.objects.create(couple=couple, therapist=therapist, created_by=therapist, starts_at=at(day),
                                  kind=kind, attendance=attendance)


def note(session_: Session, *, template: str = "soap", content: dict | None = None, status: str = NoteStatus.FINAL,
         author=None, signed_by=None, n: int | str = 1) -> ProgressNote:
    """A note of `session_`: signed (final by default, or awaiting_cosign / returned) or a draft."""
    author = author or session_.therapist
    note_ = ProgressNote(
        session=session_, couple_id=session_.couple_id, author=author, template=template,
        content=content if content is not None else {k: v.format(n=n) for k, v in TEXT[template].items()},
        risk=ALL_CLEAR, interventions_used=[], restricted_to_partner=session_.individual_partner,
        status=NoteStatus.DRAFT,
    )
    note_.save()
    if status != NoteStatus.DRAFT:
        note_.signed_by = signed_by or author
        note_.signed_at = session_.starts_at + datetime.timedelta(hours=3)
        note_.requires_cosign = status == NoteStatus.AWAITING_COSIGN
        note_.status = status
        note_.content_hash = note_content_hash(note_, [])
        note_.version += 1
        note_.save()
    return note_


def addendum(note_: ProgressNote, text: str, *, kind: str = "clarification") -> Addendum:
    row = Addendum(id=uuid.uuid4(), note=note_, couple_id=note_.couple_id, kind=kind, text=text, author=note_.author,
                   signed_at=note_.signed_at + datetime.timedelta(days=1))
    row.content_hash = addendum_content_hash(row)
    row.save(force_insert=True)
    return row


def private_note(session_: Session, text: str) -> PsychotherapyNote:
    return PsychotherapyNote.objects.create(couple_id=session_.couple_id, session=session_,
                                            author=session_.therapist, text=text)


def answers_for(code: str, total: int) -> list[int]:
    """Valid answers of instrument `code` adding up to `total` (risk items left at their lowest)."""
    instrument = BUILTIN[code]
    answers = [min(item.values) for item in instrument.items]
    remaining = total - sum(answers)
    for index, item in enumerate(instrument.items):
        if index + 1 in instrument.risk_items:
            continue
        while remaining > 0 and answers[index] + 1 in item.values:
            answers[index] += 1
            remaining -= 1
    assert remaining == 0, (code, total)
    return answers


def administer(couple, by, code: str, partner: str, total: int, day: datetime.date) -> MeasureAdministration:
    score = BUILTIN[code].score(answers_for(code, total))
    return MeasureAdministration.objects.create(
        couple=couple, partner=partner, instrument=code, administered_on=day, answers=score.values,
        total=score.total, band=score.band, risk_flag=score.risk_flag, recorded_by=by,
    )


def plan(couple, by, *, number: int = 1, status: str = "active", signed: datetime.date, superseded=None,
         goals: int = 1, objectives: int = 1, titles=None) -> TreatmentPlan:
    """A signed plan version with `goals` problems (one goal each) of `objectives` objectives each."""
    row = TreatmentPlan.objects.create(
        couple=couple, number=number, status=status, created_by=by, signed_by=by, signed_at=at(signed, 9),
        superseded_at=at(superseded, 9) if superseded else None, formulation="Formulation text.",
        review_due=signed + datetime.timedelta(days=90),
    )
    for g in range(goals):
        problem = Problem.objects.create(plan=row, couple=couple, position=g,
                                         title=(titles or {}).get(g, f"Problem title {g + 1}"),
                                         behavioural_definition=f"Definition of problem {g + 1}.")
        goal = Goal.objects.create(problem=problem, couple=couple, text=f"Goal text {g + 1}")
        Intervention.objects.create(goal=goal, couple=couple, description=f"Intervention {g + 1}",
                                    frequency="Weekly")
        for o in range(objectives):
            Objective.objects.create(
                goal=goal, couple=couple, position=o, text=f"Objective text {g + 1}.{o + 1}",
                metric=f"Metric {g + 1}.{o + 1}", unit="per week", baseline=Decimal("10"), target=Decimal("2"),
                status="met" if (g, o) == (0, 0) else "in_progress",
            )
    return row


def progress(objective: Objective, values: list[tuple[datetime.date, str]]) -> None:
    ProgressPoint.objects.bulk_create([
        ProgressPoint(couple_id=objective.couple_id, objective_lineage=objective.lineage, recorded_on=day,
                      value=Decimal(value), source="manual")
        for day, value in values
    ])


def one_year(couple, therapist, *, start: datetime.date, sessions: int = 52, administrations: int = 12,
             instruments=("csi16", "phq9", "gad7"), goals: int = 3, objectives: int = 3,
             every_days: int = 7) -> TreatmentPlan:
    """A year of therapy: sessions every `every_days` days (some individual, some cancelled or missed), a signed
    note for every attended one (SOAP, DAP, BIRP in turn, some with addenda), two plan versions, monthly progress
    points for every objective, and monthly measures for both partners. Returns the active plan."""
    revised = start + datetime.timedelta(days=90)
    first = plan(couple, therapist, number=1, status="superseded", signed=start, superseded=revised, goals=goals,
                 objectives=objectives)
    active = plan(couple, therapist, number=2, signed=revised, goals=goals, objectives=objectives)
    active.supersedes = first
    active.save(update_fields=["supersedes"])
    for index in range(sessions):
        day = start + datetime.timedelta(days=every_days * index + 1)
        kind = "individual_a" if index % 6 == 5 else "individual_b" if index % 7 == 6 else "joint"
        attendance = ("cancelled" if index % 10 == 9 else "no_show" if index % 13 == 12
                      else "late_cancelled" if index % 17 == 16 else "attended")
        row = session(couple, therapist, day, kind=kind, attendance=attendance)
        if attendance == "attended":
            written = note(row, template=("soap", "dap", "birp")[index % 3], n=index + 1)
            if index % 8 == 0:
                addendum(written, f"Addendum words {index + 1}.")
    objectives_ = Objective.objects.filter(goal__problem__plan=active).order_by("goal__problem__position", "position")
    for o_index, objective in enumerate(objectives_):
        values = [(start + datetime.timedelta(days=30 * m + 3), str(max(10 - m, 1) + o_index % 2))
                  for m in range(12)]
        progress(objective, values)
    trends = {"csi16": (30, 3), "phq9": (17, -1), "gad7": (14, -1)}
    for code in instruments:
        begin, step = trends[code]
        for partner_index, partner in enumerate(("a", "b")):
            for m in range(administrations):
                total = begin + step * m + partner_index
                total = min(max(total, BUILTIN[code].min_score), BUILTIN[code].max_score)
                administer(couple, therapist, code, partner, total, start + datetime.timedelta(days=30 * m + 2))
    return active
