"""The demo practice's treatment plans, outcome measures and between-session work, written through the services.

`manage.py seed_demo` calls `seed(practice, stdout=...)` after demo.practice has created the staff and couples,
then demo.notes adds the sessions and notes (which reuse `demo_cases`, `calendar_for`, `aim_value` and
`signing_as` from here). What happens to each couple is told in demo/stories.py.

Everything is written by the services, so audit events, encryption, progress points and the rules (a plan is
signed with a re-authentication, a measure is scored by its instrument) are the real ones. The demo's
history lies in the past: each past step runs inside `demo.clock.clock_at`, which freezes the clock at the
moment it would have happened, so that a plan signed six months ago says so. Signatures re-authenticate
with the demo password, which the services check against the user's real password hash.

Idempotent: each step of each couple runs in its own transaction and only when the couple has nothing of
that kind yet, so a second run changes nothing and a run interrupted half-way finishes the rest.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone as django_timezone

from clinic.models import Couple, CoupleStatus, Practice, Risk, RiskKind, RiskStatus, SafetyPlan, User
from clinic.selectors.clients import find_clients_by_name
from clinic.services import risks as risk_services
from demo import practice as demo_practice
from demo.clock import clock_at
from demo.phrases import FLAG_SAFETY_PLAN, FLAG_SCREEN
from demo.stories import STORIES_BY_KEY, Aim, Method, Story
from plans.instruments import BUILTIN
from plans.models import (
    BehaviouralExperiment,
    CheckingLogEntry,
    Goal,
    Homework,
    Intervention,
    LibraryItem,
    MeasureAdministration,
    Objective,
    ObjectiveStatus,
    Problem,
    ThoughtRecord,
    TreatmentPlan,
)
from plans.selectors.instruments import instruments_for
from plans.services import cbt as cbt_services
from plans.services import from_library
from plans.services import library as library_services
from plans.services import measures as measure_services
from plans.services import plans as plan_services
from plans.services import progress as progress_services

__all__ = [
    "DemoCase", "Visit", "aim_lineages", "aim_value", "calendar_for", "demo_cases", "seed",
    "signing_as", "today",
]

TARGET_WEEKS = 16  # an objective's target date: this long after the plan is signed
MONTH_DAYS = 28  # monthly measures: at the first joint session at least this long after the last ones
CSI4_SHARE = 0.85  # the CSI-4 is given at most joint sessions, not all


class DemoSeedError(RuntimeError):
    """The demo cannot be completed as it stands (for instance a demo user's password was changed)."""


# --- Time and signatures ----------------------------------------------------------------------------------


def today() -> datetime.date:
    return django_timezone.localdate()


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return django_timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def not_after_now(moment: datetime.datetime) -> datetime.datetime:
    return min(moment, django_timezone.now() - datetime.timedelta(minutes=1))


def signing_as(user: User) -> User:
    """`user`, once the demo password is known to be theirs. The demo signs its plans and notes as them,
    re-authenticating with that password like a person would (each signature is checked and audited by the
    services); checking it once first turns a changed password into a clear message instead of a refused
    signature half-way through a couple."""
    if not getattr(user, "_demo_password_checked", False):
        if not user.check_password(demo_practice.DEMO_PASSWORD):
            raise DemoSeedError(
                f"The demo user {user.username} no longer has the demo password, and seed_demo signs the demo's "
                "plans and notes as them. Reset it, or start from an empty database."
            )
        user._demo_password_checked = True  # type: ignore[attr-defined]
    return user


# --- Which demo couple is which ---------------------------------------------------------------------------


@dataclass
class DemoCase:
    """One demo couple: its data in demo.practice, its row, its story (None at intake) and primary therapist."""

    data: demo_practice.DemoCouple
    couple: Couple
    story: Story | None
    primary: User

    @property
    def key(self) -> str:
        return self.data.partner_a.full_name

    @property
    def names(self) -> dict[str, str]:
        """What the therapist calls each partner in notes: the preferred name, else the first name."""
        return {"a": self.data.partner_a.preferred_name or self.data.partner_a.first_name,
                "b": self.data.partner_b.preferred_name or self.data.partner_b.first_name}


def demo_cases(practice: Practice) -> list[DemoCase]:
    """The demo couples of `practice` that exist, found by partner names (blind index), in demo.practice's order."""
    users: dict[str, User] = {user.username: user for user in User.objects.filter(practice=practice)}
    cases = []
    for data in demo_practice.COUPLES:
        partner_a = _client(practice, data.partner_a.full_name)
        partner_b = _client(practice, data.partner_b.full_name)
        couple = demo_practice.find_couple(partner_a, partner_b) if partner_a and partner_b else None
        if couple is None or data.primary not in users:
            continue
        cases.append(DemoCase(data, couple, STORIES_BY_KEY.get(data.partner_a.full_name), users[data.primary]))
    return cases


def _client(practice: Practice, full_name: str) -> Any:
    found = find_clients_by_name(practice_id=practice.pk, name=full_name)
    return found[0] if found else None


# --- The calendar (shared with demo.notes) -------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """One appointment of the demo calendar (demo.notes records it as a session)."""

    number: int  # 0 = the intake
    starts_at: datetime.datetime
    minutes: int
    kind: str  # joint, individual_a, individual_b
    attendance: str  # attended, cancelled, late_cancelled, no_show
    modality: str  # in_person, video, phone

    @property
    def day(self) -> datetime.date:
        return django_timezone.localdate(self.starts_at)

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.minutes)

    @property
    def attended(self) -> bool:
        return self.attendance == "attended"

    @property
    def joint(self) -> bool:
        return self.kind == "joint"


def last_day(case: DemoCase) -> datetime.date:
    """The last day the couple can have been seen: yesterday, the discharge date, or the pause."""
    end = today() - datetime.timedelta(days=1)
    if case.couple.status == CoupleStatus.DISCHARGED and case.couple.end_date:
        end = min(end, case.couple.end_date)
    if case.story and case.story.cadence.stop_days_ago:
        end = min(end, today() - datetime.timedelta(days=case.story.cadence.stop_days_ago))
    return end


def calendar_for(case: DemoCase) -> list[Visit]:
    """Every appointment from the couple's start to `last_day`, weekly and then every two weeks."""
    if case.story is None:
        return []
    cadence = case.story.cadence
    day = case.couple.start_date
    day += datetime.timedelta(days=(cadence.weekday - day.weekday()) % 7)
    end = last_day(case)
    visits: list[Visit] = []
    number = 0
    while day <= end:
        kind = "joint"
        if number in cadence.individual_at:
            kind = "individual_a" if cadence.individual_at.index(number) % 2 == 0 else "individual_b"
        minutes = 60 if number == 0 else cadence.individual_minutes if kind != "joint" else 50
        video = cadence.video_every and number % cadence.video_every == cadence.video_every - 1
        visits.append(Visit(
            number=number, starts_at=at(day, cadence.hour, cadence.minute), minutes=minutes, kind=kind,
            attendance=cadence.missed.get(number, "attended"), modality="video" if video else "in_person",
        ))
        number += 1
        day += datetime.timedelta(days=7 if number < cadence.weekly_weeks else 14)
    if cadence.phone_last:
        visits[-cadence.phone_last:] = [
            Visit(v.number, v.starts_at, v.minutes, v.kind, v.attendance, "phone") for v in visits[-cadence.phone_last:]
        ]
    return visits


def attended(visits: list[Visit]) -> list[Visit]:
    return [visit for visit in visits if visit.attended]


def plan_visit(case: DemoCase, visits: list[Visit]) -> Visit | None:
    """The appointment after which the plan was written and signed."""
    seen = attended(visits)
    if not seen or case.story is None:
        return None
    return seen[min(case.story.plan_at, len(seen)) - 1]


# --- Trajectories ---------------------------------------------------------------------------------------


def _shape(shape: str, t: float) -> float:
    t = min(max(t, 0.0), 1.0)
    if shape == "early":
        return 1 - (1 - t) ** 2
    if shape == "late":
        return t**2
    if shape == "flat":
        return t * 0.3
    return t


def _share_of_span(day: datetime.date, first: datetime.date, last: datetime.date) -> float:
    return 0.0 if last <= first else (day - first).days / (last - first).days


def _noise(*seed: object, spread: int) -> int:
    return random.Random(":".join(str(part) for part in seed)).randint(-spread, spread)


def aim_value(case: DemoCase, index: int, day: datetime.date) -> Decimal:
    """The value of the couple's `index`-th aim on `day` (a count or a 0-10 rating), from its baseline when
    the plan was signed towards (or away from) its target."""
    story = case.story
    assert story is not None
    aim = story.aims[index]
    visits = calendar_for(case)
    start = plan_visit(case, visits)
    first = start.day if start else case.couple.start_date
    progress = _shape(story.shape if aim.reach >= 0 else "late", _share_of_span(day, first, last_day(case)))
    value = aim.baseline + (aim.target - aim.baseline) * aim.reach * progress
    spread = 1 if max(aim.baseline, aim.target) >= 5 else 0
    value += _noise(case.key, "aim", index, day, spread=spread)
    top = 10 if "0-10" in _unit(aim) else 99
    return Decimal(int(min(max(round(value), 0), top)))


def _logged_count(case: DemoCase, index: int, share: float, monday: datetime.date) -> int:
    """A logged aim's weekly count: the log starts at the baseline and moves towards the target over the
    weeks it was kept (its own span, shorter than the treatment)."""
    story = case.story
    assert story is not None
    aim = story.aims[index]
    value = aim.baseline + (aim.target - aim.baseline) * aim.reach * _shape(story.shape, share)
    return max(round(value) + _noise(case.key, "log", index, monday, spread=1), 0)


def _unit(aim: Aim) -> str:
    return "0-10 rating" if aim.sign == "sign-doubting-commitments" else "per week"


def measure_total(case: DemoCase, partner: str, code: str, day: datetime.date, first: datetime.date,
                  last: datetime.date) -> int:
    """The partner's total on `code` on `day`: their first score moving towards their latest, with noise."""
    story = case.story
    assert story is not None
    scores = story.scores(partner)
    start, end = scores.csi16 if code in ("csi4", "csi16") else getattr(scores, code)
    progress = _shape(story.shape, _share_of_span(day, first, last))
    value = start + (end - start) * progress
    if code == "csi4":
        value = value * 21 / 81
    spread = 2 if code == "csi16" else 1
    value += _noise(case.key, partner, code, day, spread=spread) if day != first else 0
    instrument = BUILTIN[code]
    return int(min(max(round(value), instrument.min_score), instrument.max_score))


def answers_for(code: str, total: int, rng: random.Random, *, risk_answer: int = 0) -> list[int]:
    """Item answers of instrument `code` that add up to `total`; risk items (PHQ-9 item 9) get `risk_answer`."""
    instrument = BUILTIN[code]
    lows = [min(item.values) for item in instrument.items]
    highs = [max(item.values) for item in instrument.items]
    values = list(lows)
    fixed = {number - 1 for number in instrument.risk_items}
    for index in fixed:
        values[index] = risk_answer
    free = [index for index in range(len(values)) if index not in fixed]
    ceiling = sum(values[i] for i in fixed) + sum(highs[i] for i in free)
    remaining = min(max(total, sum(values)), ceiling) - sum(values)
    while remaining > 0:
        room = [index for index in free if values[index] < highs[index]]
        lowest = min(values[index] for index in room)
        # Spread the points evenly, as real answers mostly are, with some randomness.
        candidates = [index for index in room if values[index] <= lowest + 1]
        index = rng.choice(candidates)
        values[index] += 1
        remaining -= 1
    return values


# --- Plans ------------------------------------------------------------------------------------------------


def aim_lineages(case: DemoCase) -> dict[int, uuid.UUID]:
    """Aim index -> the lineage of the objective it became (the same in every version of the plan)."""
    story = case.story
    if story is None:
        return {}
    found: dict[tuple[str, str], uuid.UUID] = {}
    for slug, who, lineage in Objective.objects.filter(couple=case.couple).values_list(
            "library_item__slug", "who", "lineage"):
        found.setdefault((slug, who), lineage)
    return {index: found[(aim.sign, aim.who)] for index, aim in enumerate(story.aims) if (aim.sign, aim.who) in found}


def _add_methods(plan: TreatmentPlan, by: User, goals: list[Goal], methods: tuple[Method, ...],
                 library: dict[str, LibraryItem]) -> None:
    for cause_index, goal in enumerate(goals):
        mine = [method for method in methods if method.cause == cause_index]
        if not mine:
            continue
        from_library.plan_add_from_library(plan=plan, by=by, items=[library[m.slug] for m in mine], goal=goal)
        for method in mine:
            intervention = Intervention.objects.filter(goal=goal, library_item=library[method.slug]).latest("position")
            plan_services.plan_item_update(plan=plan, item=intervention, by=by, delivered_by=method.delivered_by)


def _build_first_plan(case: DemoCase, signed_at: datetime.datetime, library: dict[str, LibraryItem],
                      instruments: dict[str, Any]) -> TreatmentPlan:
    story, by = case.story, case.primary
    assert story is not None
    with clock_at(signed_at):
        plan = plan_services.plan_start(couple=case.couple, by=by)
        goals: list[Goal] = []
        for cause in story.causes:
            from_library.plan_add_from_library(plan=plan, by=by, items=[library[cause.slug]],
                                                partner=cause.applies_to)
            problem = Problem.objects.filter(plan=plan).latest("position")
            if cause.definition:
                plan_services.plan_item_update(plan=plan, item=problem, by=by,
                                               behavioural_definition=cause.definition)
            goals.append(Goal.objects.get(problem=problem))
        target_date = django_timezone.localdate(signed_at) + datetime.timedelta(weeks=TARGET_WEEKS)
        for index, aim in enumerate(story.aims):
            goal = goals[aim.cause]
            from_library.plan_add_from_library(plan=plan, by=by, items=[library[aim.sign]], partner=aim.who,
                                                goal=goal)
            objective = Objective.objects.filter(goal=goal).latest("position")
            numbers_left_for_the_therapist = story.draft_only and index == len(story.aims) - 1
            fields: dict[str, Any] = {"status": ObjectiveStatus.IN_PROGRESS, "target_date": target_date}
            if not numbers_left_for_the_therapist:
                fields.update(baseline=Decimal(aim.baseline), target=Decimal(aim.target))
            if aim.text:
                fields["text"] = aim.text
            plan_services.plan_item_update(plan=plan, item=objective, by=by, **fields)
        _add_methods(plan, by, goals, story.methods, library)
        plan.refresh_from_db()
        plan = plan_services.plan_update(plan=plan, by=by, base_version=plan.version, formulation=story.formulation)
        measure_services.schedule_set(plan=plan, by=by, entries=dict(story.schedule), instruments=instruments)
        if not story.draft_only:
            plan = plan_services.plan_sign(plan=plan, by=signing_as(by), secret=demo_practice.DEMO_PASSWORD)
    return plan


def _acknowledge(case: DemoCase, plan: TreatmentPlan, day: datetime.date) -> None:
    story = case.story
    assert story is not None
    for offset, (partner, method) in enumerate(zip("ab", story.acks, strict=True)):
        if method:
            on = min(day + datetime.timedelta(days=offset * (3 if method == "electronic" else 0)), today())
            plan_services.plan_acknowledge(plan=plan, by=case.primary, partner=partner, acknowledged_on=on,
                                           method=method)


def _revise(case: DemoCase, active: TreatmentPlan, signed_at: datetime.datetime,
            library: dict[str, LibraryItem]) -> TreatmentPlan:
    story, by = case.story, case.primary
    assert story is not None and story.revision is not None
    revision = story.revision
    lineages = aim_lineages(case)
    with clock_at(signed_at):
        draft = plan_services.plan_start(couple=case.couple, by=by)
        target_date = django_timezone.localdate(signed_at) + datetime.timedelta(weeks=TARGET_WEEKS)
        for index, lineage in lineages.items():
            objective = Objective.objects.get(goal__problem__plan=draft, lineage=lineage)
            status = revision.statuses.get(index, objective.status)
            fields: dict[str, Any] = {"status": status}
            if status != ObjectiveStatus.MET:
                fields["target_date"] = target_date
            if index in revision.targets:
                fields["target"] = Decimal(revision.targets[index])
            plan_services.plan_item_update(plan=draft, item=objective, by=by, **fields)
        goals = [Goal.objects.get(problem=problem) for problem in Problem.objects.filter(plan=draft)]
        _add_methods(draft, by, goals, revision.add, library)
        draft.refresh_from_db()
        if revision.formulation:
            draft = plan_services.plan_update(plan=draft, by=by, base_version=draft.version,
                                              formulation=f"{active.formulation}\n\n{revision.formulation}")
        draft = plan_services.plan_sign(plan=draft, by=signing_as(by), secret=demo_practice.DEMO_PASSWORD)
    return draft


def seed_plan(case: DemoCase, library: dict[str, LibraryItem], instruments: dict[str, Any]) -> Counter:
    """The couple's plan from the library: signed after the assessment sessions and acknowledged by the
    partners at the next session; revised once for some couples; left as a draft for the newest."""
    created: Counter = Counter()
    story = case.story
    visits = calendar_for(case)
    after = plan_visit(case, visits)
    if story is None or after is None or TreatmentPlan.objects.filter(couple=case.couple).exists():
        return created
    seen = attended(visits)
    signed_at = not_after_now(after.ends_at + datetime.timedelta(hours=2))
    plan = _build_first_plan(case, signed_at, library, instruments)
    created["treatment plan"] += 1
    if story.draft_only:
        return created
    later = [visit for visit in seen if visit.day > after.day]
    _acknowledge(case, plan, later[0].day if later else django_timezone.localdate(signed_at))
    if story.revision is not None and later:
        review_visit = seen[max(round(story.revision.at * (len(seen) - 1)), seen.index(after) + 1)]
        plan.refresh_from_db()
        revised = _revise(case, plan, not_after_now(review_visit.ends_at + datetime.timedelta(hours=2)), library)
        created["treatment plan version"] += 1
        after_review = [visit for visit in seen if visit.day > review_visit.day]
        _acknowledge(case, revised, after_review[0].day if after_review else review_visit.day)
    return created


# --- Measures ---------------------------------------------------------------------------------------------


def monthly_days(case: DemoCase, visits: list[Visit]) -> list[datetime.date]:
    """The joint sessions at which the monthly questionnaires were given (the first is the baseline)."""
    days: list[datetime.date] = []
    for visit in attended(visits):
        if visit.joint and (not days or (visit.day - days[-1]).days >= MONTH_DAYS):
            days.append(visit.day)
    return days


def seed_measures(case: DemoCase, instruments: dict[str, Any]) -> Counter:
    """Months of scores per partner: the monthly questionnaires of the couple's schedule at the first joint
    session of each month (the intake is the baseline), the CSI-4 at most joint sessions, and PHQ-9 item 9
    above 0 where the story says so (acknowledged or not)."""
    created: Counter = Counter()
    story = case.story
    if story is None or MeasureAdministration.objects.filter(couple=case.couple).exists():
        return created
    visits = calendar_for(case)
    joint = [visit for visit in attended(visits) if visit.joint]
    if not joint:
        return created
    scheduled = {code for code, _ in story.schedule}
    monthly_codes = [code for code in ("csi16", "phq9", "gad7") if code in scheduled]
    months = monthly_days(case, visits)
    first, last = joint[0].day, joint[-1].day
    flags: dict[tuple[str, datetime.date], str | None] = {}
    for flag in story.flags:
        day = months[flag.monthly] if flag.monthly is not None and flag.monthly < len(months) else last
        flags[(flag.partner, day)] = flag.acknowledgement or None
    rng = random.Random(f"{case.key}:measures")
    for visit in joint:
        codes = list(monthly_codes) if visit.day in months else []
        if visit.day == last and story.csi4_forgotten_last:
            pass
        elif "csi4" in scheduled and (visit.day == last or rng.random() < CSI4_SHARE):
            codes.append("csi4")
        for partner in "ab":
            wanted = list(codes)
            if (partner, visit.day) in flags and "phq9" not in wanted:
                wanted.append("phq9")
            for code in wanted:
                flagged = code == "phq9" and (partner, visit.day) in flags
                total = measure_total(case, partner, code, visit.day, first, last)
                answers = answers_for(code, max(total, 1) if flagged else total, rng, risk_answer=int(flagged))
                # A flagged PHQ-9 raises a risk dated now: record it at the end of its session instead, so
                # the register says when it happened (the others are recorded at once: the clock costs time).
                with clock_at(not_after_now(visit.ends_at)) if flagged else nullcontext():
                    administration = measure_services.measure_record(
                        couple=case.couple, by=case.primary, instrument=instruments[code], partner=partner,
                        administered_on=visit.day, answers=answers,
                    )
                created["measure administration"] += 1
                acknowledgement = flags.get((partner, visit.day)) if flagged else None
                if acknowledgement:
                    with clock_at(not_after_now(visit.ends_at + datetime.timedelta(minutes=30))):
                        measure_services.measure_acknowledge_risk(administration=administration, by=case.primary,
                                                                  note=acknowledgement)
                        created += acknowledge_suicide_risks(case, partner, acknowledgement,
                                                             source_id=administration.pk)
                    created["risk flag acknowledged"] += 1
    return created


def acknowledge_suicide_risks(case: DemoCase, partner: str, follow_up: str, *, source_id: Any) -> Counter:
    """Acknowledge the open suicide risks raised by one record (a PHQ-9, or the note of the same session) with
    their structured follow-up: a C-SSRS screen, and the partner's safety plan (written the first time, the one
    in force after that). Demo only: the follow-up text is the one written for the flag."""
    created: Counter = Counter()
    for risk in Risk.objects.filter(couple=case.couple, source_id=source_id, partner=partner,
                                    kind=RiskKind.SUICIDE, status=RiskStatus.OPEN):
        has_plan = SafetyPlan.objects.filter(couple=case.couple, partner=partner).exists()
        plan = None if has_plan else {name: text.format(P=case.names[partner])
                                      for name, text in FLAG_SAFETY_PLAN.items()}
        risk_services.risk_acknowledge(risk=risk, by=case.primary, follow_up=follow_up,
                                       screen_answers=FLAG_SCREEN, safety_plan=plan)
        created["risk acknowledged"] += 1
    return created


# --- Between sessions -------------------------------------------------------------------------------------


def _week_day(start: datetime.date, week: int, offset: int, ceiling: datetime.date) -> datetime.date | None:
    day = start + datetime.timedelta(days=7 * week + offset)
    return day if day <= ceiling else None


def seed_cbt(case: DemoCase) -> Counter:
    """Thought records, behavioural experiments, homework and the checking / reassurance log of the story,
    entered by the therapist from what the partners brought to sessions. The log feeds its objective's weekly
    count (through the services), falling for the couples who improve."""
    created: Counter = Counter()
    story = case.story
    couple, by = case.couple, case.primary
    if story is None or story.draft_only:
        return created
    kinds = (ThoughtRecord, BehaviouralExperiment, Homework, CheckingLogEntry)
    if any(model.objects.filter(couple=couple).exists() for model in kinds):
        return created
    visits = calendar_for(case)
    after = plan_visit(case, visits)
    if after is None:
        return created
    start, end = after.day, last_day(case)
    for thought in story.thoughts:
        day = _week_day(start, thought.week, 2, end)
        if day is None:
            continue
        cbt_services.cbt_record_create(kind="thought-record", couple=couple, by=by, fields={
            "partner": thought.partner, "occurred_on": day, "situation": thought.situation,
            "moods": [{"mood": mood, "before": before, "after": after} for mood, before, after in thought.moods],
            "automatic_thought": thought.thought, "evidence_for": thought.evidence_for,
            "evidence_against": thought.evidence_against, "balanced_thought": thought.balanced,
            "balanced_belief": thought.belief, "distortions": list(thought.distortions),
        })
        created["thought record"] += 1
    for experiment in story.experiments:
        day = _week_day(start, experiment.week, 1, end)
        if day is None:
            continue
        cbt_services.cbt_record_create(kind="experiment", couple=couple, by=by, fields={
            "partner": experiment.partner, "planned_on": day, "prediction": experiment.prediction,
            "belief_before": experiment.belief_before, "experiment": experiment.experiment,
            "outcome": experiment.outcome, "belief_after": experiment.belief_after, "learned": experiment.learned,
        })
        created["behavioural experiment"] += 1
    seen = attended(visits)
    for task in story.tasks:
        assigned = seen[-1].day if task.week < 0 else _week_day(start, task.week, 0, end)
        if assigned is None:
            continue
        reviewed = None if task.status == "assigned" else min(assigned + datetime.timedelta(days=7), end)
        cbt_services.cbt_record_create(kind="homework", couple=couple, by=by, fields={
            "partner": task.partner, "assigned_on": assigned, "due_on": assigned + datetime.timedelta(days=7),
            "description": task.description, "status": task.status, "reviewed_on": reviewed,
            "review_note": task.review,
        })
        created["homework"] += 1
    if story.log is not None:
        created += _seed_log(case, start, end)
    return created


def _seed_log(case: DemoCase, start: datetime.date, end: datetime.date) -> Counter:
    created: Counter = Counter()
    story = case.story
    assert story is not None and story.log is not None
    log = story.log
    lineage = aim_lineages(case).get(log.aim)
    if lineage is None:
        return created
    rng = random.Random(f"{case.key}:log")
    first_monday = progress_services.week_start(start) + datetime.timedelta(days=7)
    for week in range(log.weeks):
        monday = first_monday + datetime.timedelta(days=7 * week)
        if monday > end:
            break
        share = week / max(log.weeks - 1, 1)
        acted_on = _logged_count(case, log.aim, share, monday)
        resisted = round(log.resisted[0] + (log.resisted[1] - log.resisted[0]) * share)
        days = [monday + datetime.timedelta(days=offset) for offset in range(7)]
        days = [day for day in days if day <= end] or [monday]
        urges = [False] * acted_on + [True] * resisted
        rng.shuffle(urges)
        for was_resisted in urges:
            cbt_services.cbt_record_create(kind="checking", couple=case.couple, by=case.primary, fields={
                "partner": log.partner, "occurred_on": rng.choice(days), "kind": log.kind,
                "trigger": rng.choice(log.triggers), "resisted": was_resisted, "objective_lineage": lineage,
            })
            created["checking log entry"] += 1
    return created


# --- Entry point ------------------------------------------------------------------------------------------


def seed(practice: Practice, *, stdout: TextIO | None = None) -> dict[str, int]:
    """Give the demo couples their plans, measures and between-session work, where they have none yet.
    Returns what was created, by kind (empty on a second run)."""
    created: Counter = Counter()
    librarian = User.objects.filter(practice=practice, username="supervisor").first()
    created["library item"] += library_services.ensure_practice_library(practice, by=librarian)
    library = {item.slug: item for item in LibraryItem.objects.filter(practice=practice)}
    instruments = instruments_for(practice.pk)
    for case in demo_cases(practice):
        if case.story is None:
            continue
        with transaction.atomic():
            created += seed_plan(case, library, instruments)
        with transaction.atomic():
            created += seed_measures(case, instruments)
        with transaction.atomic():
            created += seed_cbt(case)
    if stdout is not None and +created:
        stdout.write("Plans and measures: " + ", ".join(f"{n} {kind}(s)" for kind, n in sorted(created.items())
                                                        if n) + ".")
    return {kind: count for kind, count in created.items() if count}
