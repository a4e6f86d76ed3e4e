"""The scale practice's treatment plans, outcome measures and thought records, as bulk rows.

Called by `manage.py seed_scale` for each batch of couples (demo.scale.practice), before demo.scale.notes:
`prepare(scale, rng)` once, then `add(batch, rng)` per batch. Each couple with three attended sessions gets an
active plan, signed after the third, copied from the practice's trust-issue library the way
plan_add_from_library copies it (problems with their goals, measurable objectives with baseline and target,
interventions) and a monthly measure schedule. Both partners answer the PHQ-9, GAD-7 and CSI-16 at intake and
about monthly at a joint session, scored by the instruments themselves; their totals drift towards the
couple's outcome (better, flat or worse). Some couples keep thought records.

What the notes step needs is left in `case.shared`: the plan's objectives and interventions (for ratings and
the interventions of each note), the scores of each day and the days a risk flag was raised.
"""

from __future__ import annotations

import datetime
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from demo.scale.practice import Batch, ScaleCase, ScalePractice, Visit, at_local, weighted
from plans.instruments import BUILTIN, Instrument
from plans.models import (
    AcknowledgementMethod,
    Direction,
    Goal,
    Intervention,
    LibraryItem,
    LibraryKind,
    MeasureAdministration,
    MeasureSchedule,
    Objective,
    ObjectiveStatus,
    PlanStatus,
    Problem,
    ThoughtRecord,
    TreatmentPlan,
)
from plans.services.library import ensure_practice_library

__all__ = ["ObjectivePlan", "PlanShare", "add", "delete_for", "prepare"]

PLAN_AFTER_VISITS = 3  # the plan is signed on the day of the third attended session
MEASURE_EVERY_DAYS = 28
INSTRUMENTS = ("phq9", "gad7", "csi16")
TRENDS = (("better", 0.65), ("flat", 0.25), ("worse", 0.10))
RISK_SHARE = 0.02  # PHQ-9 administrations with item 9 above 0, among those in the moderate range or above
THOUGHT_RECORD_SHARE = 0.3
TARGET_WEEKS = 16

# Rows this module writes that hang off a couple, children first (for `seed_scale --replace`).
COUPLE_MODELS = (MeasureAdministration, ThoughtRecord, Intervention, Objective, Goal, Problem, TreatmentPlan)

FORMULATION = (
    "{A} and {B} came to therapy after {event}. Each copes with the hurt in a way that sets off the other: {A} "
    "{a_coping}, and {B} {b_coping}. The more one does it, the more the other does theirs, so arguments about "
    "small things quickly become arguments about whether the relationship is safe. Both describe earlier "
    "experiences that make this cycle hard to step out of: {history}. Strengths: both want the relationship to "
    "continue, they can still laugh together, and each can name something the other does well. The plan works on "
    "the cycle first (naming it, slowing it down, new responses to old triggers), then on repair of the injury "
    "and on rebuilding ordinary closeness."
)
EVENTS = ("the discovery of secret messages", "a hidden debt came to light", "years of growing distance",
          "an affair that ended last year", "repeated broken promises", "a move that separated them for months")
A_COPING = ("seeks reassurance and checks", "pursues and protests", "keeps score of past hurts",
            "goes quiet and withdraws", "criticises when frightened")
B_COPING = ("withdraws to avoid conflict", "defends and explains at length", "reassures and then resents it",
            "works longer hours", "shuts down and agrees to anything")
HISTORY = ("a parent who left without warning", "a previous partner's long infidelity",
           "growing up in a home where conflict was never resolved", "moving often as a child",
           "a family where feelings were not spoken about")
ACK_METHODS = (AcknowledgementMethod.IN_SESSION_VERBAL, AcknowledgementMethod.SIGNED_PAPER,
               AcknowledgementMethod.ELECTRONIC)
THOUGHTS = (
    ("{P}'s partner was half an hour late home and did not reply to a message.",
     "They are with someone else.", "It has happened before; the phone was on silent last time too.",
     "The meeting was in the calendar; the train was delayed.",
     "Late does not mean lying; I can ask calmly when they are home.", ("mind_reading", "fortune_telling")),
    ("At dinner {P}'s partner looked at their phone and smiled.",
     "They would rather talk to anyone but me.", "We hardly talked this week.",
     "They showed me the photo afterwards; it was from their sister.",
     "I felt left out, and I can say so without accusing.", ("mind_reading", "personalisation")),
    ("{P} was asked again about the money on the joint account.",
     "I will never be trusted whatever I do.", "The questions keep coming.",
     "The monthly review went well twice in a row.",
     "Trust is coming back slowly; one question is not a verdict.", ("all_or_nothing", "overgeneralisation")),
)
MOODS = ("anxious", "hurt", "angry", "ashamed", "sad", "jealous")


@dataclass(frozen=True)
class ObjectivePlan:
    lineage: uuid.UUID
    metric: str
    unit: str
    direction: str
    baseline: Decimal
    target: Decimal


@dataclass(frozen=True)
class PlanShare:
    """What a progress note of this couple may use from its plan."""

    signed_on: datetime.date
    objectives: tuple[ObjectivePlan, ...]
    interventions: tuple[tuple[str, str, str], ...]  # (note key, label, library slug)
    reach: float  # how far towards the targets the couple gets by its last session (negative: worse)


@dataclass
class Library:
    causes: list[LibraryItem]
    signs: list[LibraryItem]
    interventions: list[LibraryItem]


_library: dict[uuid.UUID, Library] = {}


def prepare(scale: ScalePractice, rng: random.Random) -> None:
    """Give the practice its default library (as the library page would), and remember it for the batches."""
    ensure_practice_library(scale.practice, by=scale.admin)
    items = list(LibraryItem.objects.filter(practice=scale.practice, active=True).order_by("slug"))
    _library[scale.practice.pk] = Library(
        causes=[i for i in items if i.kind == LibraryKind.CAUSE],
        signs=[i for i in items if i.kind == LibraryKind.SIGN],
        interventions=[i for i in items if i.kind == LibraryKind.INTERVENTION],
    )


def delete_for(couple_ids: Any, using: str) -> None:
    """Delete this module's rows of the couples (a queryset of ids), with SQL deletes; see demo.scale.practice."""
    MeasureSchedule.objects.filter(plan__couple_id__in=couple_ids)._raw_delete(using)
    for model in COUPLE_MODELS:
        model._base_manager.filter(couple_id__in=couple_ids)._raw_delete(using)


def add(batch: Batch, rng: random.Random, scale: ScalePractice) -> None:
    library = _library[scale.practice.pk]
    for case in batch.cases:
        trend = weighted(rng, TRENDS)
        case.shared["trend"] = trend
        attended = case.attended
        if case.couple.status != "intake" and len(attended) >= PLAN_AFTER_VISITS:
            _add_plan(batch, rng, case, library, attended[PLAN_AFTER_VISITS - 1], trend, scale)
        _add_measures(batch, rng, case, trend, scale)
        if "plan" in case.shared and rng.random() < THOUGHT_RECORD_SHARE:
            _add_thought_records(batch, rng, case)


# --- Plans -----------------------------------------------------------------------------------------------------


def _numbers(rng: random.Random, sign: LibraryItem) -> tuple[Decimal, Decimal]:
    if sign.unit.startswith("0-10"):
        return Decimal(rng.randint(2, 4)), Decimal(rng.randint(7, 8))
    if sign.direction == Direction.INCREASE:
        return Decimal(rng.randint(0, 2)), Decimal(rng.randint(4, 7))
    return Decimal(rng.randint(6, 20)), Decimal(rng.randint(1, 3))


def _add_plan(batch: Batch, rng: random.Random, case: ScaleCase, library: Library, visit: Visit, trend: str,
              scale: ScalePractice) -> None:
    couple, by = case.couple, case.primary
    names = case.partner_names
    signed_at = visit.ends_at + datetime.timedelta(hours=rng.uniform(1, 30))
    signed_at = min(signed_at, scale.now - datetime.timedelta(minutes=5))
    signed_on = signed_at.date()
    ack_on = [min(visit.day + datetime.timedelta(days=rng.choice((1, 7, 7, 14))), scale.today) for _ in "ab"]
    acknowledged = [day >= signed_on for day in ack_on]
    plan = TreatmentPlan(
        couple=couple, number=1, status=PlanStatus.ACTIVE,
        formulation=FORMULATION.format(A=names["a"], B=names["b"], event=rng.choice(EVENTS),
                                       a_coping=rng.choice(A_COPING), b_coping=rng.choice(B_COPING),
                                       history=rng.choice(HISTORY)),
        review_due=signed_on + datetime.timedelta(days=scale.practice.plan_review_days),
        created_by=by, signed_by=by, signed_at=signed_at, version=rng.randint(3, 12),
        partner_a_ack_on=ack_on[0] if acknowledged[0] else None,
        partner_a_ack_method=rng.choice(ACK_METHODS) if acknowledged[0] else "",
        partner_b_ack_on=ack_on[1] if acknowledged[1] else None,
        partner_b_ack_method=rng.choice(ACK_METHODS) if acknowledged[1] else "",
    )
    batch.add(plan)
    causes = rng.sample(library.causes, k=min(len(library.causes), rng.choice((1, 1, 2))))
    goals = []
    for position, cause in enumerate(causes):
        problem = Problem(plan=plan, couple=couple, position=position, applies_to="both", title=cause.title,
                          behavioural_definition=cause.behavioural_definition, library_item=cause)
        goal = Goal(problem=problem, couple=couple, position=0, text=cause.goal_text or cause.title)
        batch.add(problem, goal)
        goals.append(goal)
    objectives = []
    met_by_end = trend == "better" and case.couple.status == "discharged"
    for position, sign in enumerate(rng.sample(library.signs, k=min(len(library.signs), rng.choice((2, 2, 3))))):
        baseline, target = _numbers(rng, sign)
        objective = Objective(
            goal=goals[0], couple=couple, position=position, text=sign.objective_text or sign.title,
            who=rng.choice(("both", "both", "a", "b")), metric=sign.metric or sign.title, unit=sign.unit or "per week",
            baseline=baseline, target=target, direction=sign.direction or Direction.DECREASE,
            target_date=signed_on + datetime.timedelta(weeks=TARGET_WEEKS),
            status=ObjectiveStatus.MET if met_by_end else ObjectiveStatus.IN_PROGRESS, library_item=sign,
        )
        batch.add(objective)
        objectives.append(ObjectivePlan(objective.lineage, objective.metric, objective.unit, objective.direction,
                                        baseline, target))
    interventions = []
    chosen = rng.sample(library.interventions, k=min(len(library.interventions), rng.randint(2, 4)))
    for position, source in enumerate(chosen):
        intervention = Intervention(
            goal=goals[0], couple=couple, position=position, approach=source.approach or "other",
            description=f"{source.title}: {source.description}" if source.description else source.title,
            frequency=source.frequency, delivered_by="primary therapist", library_item=source,
        )
        batch.add(intervention)
        interventions.append((f"plan:{intervention.pk}", intervention.description, source.slug))
    for code in INSTRUMENTS:
        batch.add(MeasureSchedule(plan=plan, instrument=code, every="month"))
    reach = {"better": rng.uniform(0.6, 1.1), "flat": rng.uniform(-0.1, 0.25), "worse": rng.uniform(-0.5, -0.1)}[trend]
    case.shared["plan"] = PlanShare(signed_on, tuple(objectives), tuple(interventions), reach)
    created_at = at_local(visit.day, 7, 30) if visit.day < signed_on else signed_at - datetime.timedelta(hours=1)
    batch.event("plan.create", at=created_at, actor=by, obj=plan, detail={"number": 1, "revision_of": None})
    batch.event("plan.library_add", at=created_at, actor=by, obj=plan, detail={
        "problems": len(causes), "goals": len(goals), "objectives": len(objectives),
        "interventions": len(interventions), "library_items": sorted(str(i.pk) for i in [*causes, *chosen]),
    })
    batch.event("plan.sign", at=signed_at, actor=by, obj=plan, detail={"number": 1, "supersedes": None})
    for partner, day, done in zip("ab", ack_on, acknowledged, strict=True):
        if done:
            batch.event("plan.acknowledge", at=max(at_local(day, 18), signed_at), actor=by, obj=plan,
                        detail={"partner": partner, "method": getattr(plan, f"partner_{partner}_ack_method")})


# --- Outcome measures -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ranges:
    lows: tuple[int, ...]
    highs: tuple[int, ...]
    fixed: frozenset[int]  # indexes of risk items


_RANGES = {
    code: _Ranges(tuple(min(i.values) for i in BUILTIN[code].items), tuple(max(i.values) for i in BUILTIN[code].items),
                  frozenset(n - 1 for n in BUILTIN[code].risk_items))
    for code in INSTRUMENTS
}


def answers_summing(instrument: Instrument, total: int, rng: random.Random, *, risk_answer: int = 0) -> list[int]:
    """Item answers that add up to `total` (clamped to what the items allow), spread evenly with some noise;
    risk items (PHQ-9 item 9) get `risk_answer`."""
    ranges = _RANGES[instrument.code]
    lows, highs, fixed = ranges.lows, ranges.highs, ranges.fixed
    free = [i for i in range(len(lows)) if i not in fixed]
    values = [risk_answer if i in fixed else lows[i] for i in range(len(lows))]
    room = sum(highs[i] - lows[i] for i in free)
    wanted = min(max(total - sum(values[i] for i in fixed) - sum(lows[i] for i in free), 0), room)
    share = wanted / room if room else 0.0
    random_ = rng.random
    for i in free:
        value = round(lows[i] + share * (highs[i] - lows[i]) + 1.4 * random_() - 0.7)
        values[i] = highs[i] if value > highs[i] else lows[i] if value < lows[i] else value
    difference = wanted + sum(lows[i] for i in free) - sum(values[i] for i in free)
    while difference:
        step = 1 if difference > 0 else -1
        index = rng.choice([i for i in free if lows[i] <= values[i] + step <= highs[i]])
        values[index] += step
        difference -= step
    return values


def score_of(instrument: Instrument, values: list[int]) -> tuple[int, str, bool]:
    """Total, band and risk flag, as Instrument.score computes them (the answers are in range by construction,
    so its per-item validation is skipped here; the tests score stored answers with Instrument.score)."""
    total = sum(values)
    return total, instrument.band_for(total), any(values[n - 1] > 0 for n in instrument.risk_items)


def _levels(rng: random.Random, trend: str) -> dict[str, tuple[float, float]]:
    """(first, last) totals of one partner per instrument."""
    phq, gad, csi = rng.uniform(4, 17), rng.uniform(3, 14), rng.uniform(28, 62)
    change = {"better": rng.uniform(0.45, 0.8), "flat": rng.uniform(-0.1, 0.15),
              "worse": rng.uniform(-0.5, -0.2)}[trend]
    return {"phq9": (phq, phq * (1 - change)), "gad7": (gad, gad * (1 - change)),
            "csi16": (csi, csi + (81 - csi) * change * 0.6 if change > 0 else csi * (1 + change * 0.5))}


def measure_days(case: ScaleCase) -> list[Visit]:
    """Intake, then the first attended joint session at least four weeks after the last measures."""
    chosen: list[Visit] = []
    for visit in case.attended:
        if not chosen or (visit.kind == "joint" and (visit.day - chosen[-1].day).days >= MEASURE_EVERY_DAYS):
            chosen.append(visit)
    return chosen


def _add_measures(batch: Batch, rng: random.Random, case: ScaleCase, trend: str, scale: ScalePractice) -> None:
    visits = measure_days(case)
    if not visits:
        return
    first, last = visits[0].day, max(visits[-1].day, visits[0].day + datetime.timedelta(days=1))
    scores: dict[datetime.date, dict[tuple[str, str], int]] = {}
    flags: set[tuple[datetime.date, str]] = set()
    by = case.primary
    for partner in "ab":
        levels = _levels(rng, trend)
        for visit in visits:
            share = (visit.day - first).days / (last - first).days
            recorded_at = visit.ends_at + datetime.timedelta(minutes=rng.randint(5, 90))
            for code in INSTRUMENTS:
                instrument = BUILTIN[code]
                start, end = levels[code]
                noise = rng.gauss(0, 2 if code == "csi16" else 1) if visit is not visits[0] else 0
                total = int(min(max(round(start + (end - start) * share + noise), instrument.min_score),
                                instrument.max_score))
                risk_answer = 1 if code == "phq9" and total >= 10 and rng.random() < RISK_SHARE else 0
                answers = answers_summing(instrument, total, rng, risk_answer=risk_answer)
                total, band, risk_flag = score_of(instrument, answers)
                row = MeasureAdministration(
                    couple_id=case.couple.pk, partner=partner, instrument=code, administered_on=visit.day,
                    answers=answers, total=total, band=band, risk_flag=risk_flag, recorded_by_id=by.pk,
                )
                if risk_flag:
                    flags.add((visit.day, partner))
                    if scale.now - recorded_at > datetime.timedelta(days=2) or rng.random() < 0.5:
                        row.risk_acknowledged_by_id = by.pk
                        row.risk_acknowledged_at = min(recorded_at + datetime.timedelta(minutes=20), scale.now)
                        row.risk_acknowledgement_note = (
                            "Risk assessed with the partner alone after the session: passive thoughts, no plan or "
                            "intent, no past attempts. Safety plan written together; PHQ-9 again in two weeks."
                        )
                batch.add(row)
                scores.setdefault(visit.day, {})[(code, partner)] = total
                batch.event("measure.record", at=recorded_at, actor=by, obj=row,
                            detail={"instrument": code, "partner": partner, "risk_flag": risk_flag})
                if row.risk_acknowledged_at is not None:
                    batch.event("measure.risk_acknowledged", at=row.risk_acknowledged_at, actor=by, obj=row,
                                detail={"instrument": code})
    case.shared["scores"] = scores
    case.shared["flags"] = flags


# --- Between sessions -------------------------------------------------------------------------------------------


def _add_thought_records(batch: Batch, rng: random.Random, case: ScaleCase) -> None:
    plan: PlanShare = case.shared["plan"]
    days = [v.day for v in case.attended if v.day > plan.signed_on]
    partner = rng.choice("ab")
    name = case.partner_names[partner]
    for day in sorted(rng.sample(days, k=min(len(days), rng.randint(2, 5)))):
        situation, thought, evidence_for, evidence_against, balanced, distortions = rng.choice(THOUGHTS)
        mood = rng.choice(MOODS)
        before = rng.randrange(50, 95, 5)
        row = ThoughtRecord(
            couple=case.couple, partner=partner, created_by=case.primary,
            occurred_on=day - datetime.timedelta(days=rng.randint(1, 5)), situation=situation.format(P=name),
            moods=[{"mood": mood, "before": before, "after": max(10, before - rng.randrange(10, 50, 5))}],
            automatic_thought=thought, evidence_for=evidence_for, evidence_against=evidence_against,
            balanced_thought=balanced, balanced_belief=rng.randrange(40, 90, 5), distortions=list(distortions),
        )
        batch.add(row)
        batch.event("cbt.thought_record.create", at=at_local(day, 8), actor=case.primary, obj=row,
                    detail={"partner": partner})
