"""The demo practice's sessions and progress notes, written through the services.

`manage.py seed_demo` calls `seed(practice, stdout=...)` after demo.plans. For every couple with a story
(demo/stories.py) it records months of sessions from the shared calendar (weekly, then every two
weeks; joint, a few individual; some cancellations and no-shows; the service code the services suggest)
and a progress note for each attended one, written in the author's usual template (demo/phrases.py)
and signed a few hours after the session. Objective ratings in the notes become progress points when signed.

Then the pieces a practice always has in flight: a few drafts (one for today's session of the demo
therapist), one late entry, one addendum, the associate's notes in the supervisor's queue and one returned,
and one psychotherapy note. Signatures are dated when they would have happened (demo.clock.clock_at).

Idempotent like demo.plans: a couple's sessions are recorded only if it has none, in one transaction, and
today's sessions of the demo therapist only if they have none today.
"""

from __future__ import annotations

import datetime
import random
import uuid
import zoneinfo
from collections import Counter
from typing import Any, TextIO

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clinic.models import Practice, User
from demo import practice as demo_practice
from demo.clock import clock_at
from demo.phrases import (
    ADDENDUM_TEXT,
    AFFECT_CALM,
    AFFECT_TENSE,
    ASSESSMENT_BETTER,
    ASSESSMENT_EARLY,
    ASSESSMENT_FLAT,
    ASSESSMENT_WORSE,
    BIRP_INTERVENTIONS,
    CBT_FOR_METHOD,
    CSI4_LINE,
    FLAGGED_SAFETY_PLAN,
    INDIVIDUAL_ASSESSMENT,
    INDIVIDUAL_OBSERVED,
    INDIVIDUAL_OPENING,
    INDIVIDUAL_PLAN,
    INDIVIDUAL_WORK,
    INTAKE_ASSESSMENT,
    INTAKE_DATA,
    INTAKE_OBSERVED,
    INTAKE_PLAN,
    INTERACTIONS_CALM,
    INTERACTIONS_TENSE,
    METHOD_HOMEWORK,
    METHOD_WORDS,
    MODALITY,
    MONTHLY_LINE,
    NEXT,
    OPENINGS,
    PLAN_LINES,
    PRIVATE_NOTE_TEXT,
    RATING_COMMENTS,
    RESPONSE_BETTER,
    RESPONSE_FLAT,
    RESPONSE_WORSE,
    RETURN_COMMENT,
    RISK_FLAGGED,
    RISK_NONE,
    TODAY_DRAFT,
    TOPIC_LINES,
    VOICES_BY_KEY,
    WORSE_SAFETY_PLAN,
    Voice,
)
from demo.plans import (
    DemoCase,
    Visit,
    acknowledge_suicide_risks,
    aim_lineages,
    aim_value,
    answers_for,
    attended,
    calendar_for,
    demo_cases,
    measure_total,
    not_after_now,
    plan_visit,
    signing_as,
)
from demo.stories import Story
from notes import note_templates as templates
from notes.models import Attendance, ProgressNote, PsychotherapyNote, Session, SessionKind, SessionSeries
from notes.services import notes as note_services
from notes.services import psychotherapy as private_services
from notes.services import series as series_services
from notes.services import sessions as session_services
from notes.services import supervision as supervision_services
from plans.instruments import BUILTIN
from plans.models import Intervention, MeasureAdministration, Objective, TreatmentPlan
from plans.services import measures as measure_services

__all__ = ["seed", "status_counts"]

# Which author writes in which template (cycled by appointment number): the demo shows all three.
AUTHOR_TEMPLATES: dict[str, tuple[str, ...]] = {
    "therapist": ("soap", "soap", "soap", "dap"),
    "therapist2": ("dap",),
    "associate": ("birp",),
    "supervisor": ("soap", "soap", "dap"),
}
# The pieces in flight, by couple (partner A's full name) and attended appointment (0 = intake).
LATE_ENTRY = ("Hiroshi Tanaka", 7)
LATE_BY = datetime.timedelta(days=5, hours=3)
ADDENDUM = ("Amara Okafor", 9)
PRIVATE_NOTE = ("Amara Okafor", 11)
DRAFT_AT_LATEST = ("Sofia Marquez", "Jamal Washington", "Selin Yılmaz")
RETURNED_AT_LATEST = "Fatima Haddad"
AWAITING_FOR = datetime.timedelta(days=10)  # the supervisor co-signs what the associate signed before this
TODAY_ATTENDED = "Aisha Rahman"  # earlier today, note still a draft
TODAY_LATER = "Amara Okafor"  # later today, scheduled
WEEKLY_SERIES = (TODAY_LATER, datetime.time(17, 0), 8)  # weekly from the next working day: a full calendar
TODAY_RISK_PARTNER = "a"  # whose PHQ-9 today raises the demo's open suicide risk (TODAY_ATTENDED's couple)
DEMO_THERAPIST = "therapist"


# --- Composing a note ------------------------------------------------------------------------------------


def trend(story: Story) -> str:
    if any(aim.reach < 0 for aim in story.aims):
        return "worse"
    return "flat" if story.shape == "flat" else "better"


class Composer:
    """Writes the notes of one couple: knows the story, the names, the plan versions and the scores."""

    def __init__(self, case: DemoCase, voice: Voice, visits: list[Visit]) -> None:
        assert case.story is not None
        self.case, self.story, self.voice, self.visits = case, case.story, voice, visits
        self.seen = attended(visits)
        self.after_plan = plan_visit(case, visits)
        self.names = case.names
        self.trend = trend(case.story)
        self.scores: dict[tuple[datetime.date, str, str], int] = {
            (day, code, partner): total for day, code, partner, total in MeasureAdministration.objects.filter(
                couple=case.couple).values_list("administered_on", "instrument", "partner", "total")
        }
        flagged = MeasureAdministration.objects.filter(couple=case.couple, risk_flag=True)
        self.flags = set(flagged.values_list("administered_on", "partner"))
        # What the therapist wrote when acknowledging a flag: the same follow-up answers the note's risk check.
        self.follow_ups = {(row.administered_on, row.partner): row.risk_acknowledgement_note
                           for row in flagged.filter(risk_acknowledged_at__isnull=False)}
        self.plans = list(
            TreatmentPlan.objects.filter(couple=case.couple, signed_at__isnull=False).order_by("signed_at")
        )
        self.interventions: dict[Any, list[tuple[str, str]]] = {}
        for plan_id, pk, slug in Intervention.objects.filter(couple=case.couple, goal__problem__plan__in=self.plans) \
                .values_list("goal__problem__plan_id", "pk", "library_item__slug").order_by("position"):
            self.interventions.setdefault(plan_id, []).append((slug or "", f"{templates.PLAN_PREFIX}{pk}"))
        self.lineages = aim_lineages(case)
        self.metrics: dict[uuid.UUID, str] = {}
        self.numbers: dict[tuple[Any, uuid.UUID], tuple[Any, Any]] = {}  # (plan, lineage) -> (baseline, target)
        for objective in Objective.objects.filter(couple=case.couple, goal__problem__plan__in=self.plans).annotate(
                plan_id=F("goal__problem__plan_id")):
            self.metrics[objective.lineage] = objective.metric
            self.numbers[(objective.plan_id, objective.lineage)] = (objective.baseline, objective.target)

    # -- pieces
    def share(self, visit: Visit) -> float:
        first, last = self.seen[0].day, self.seen[-1].day
        return 0.0 if last <= first else (visit.day - first).days / (last - first).days

    def easier(self, rng: random.Random, visit: Visit) -> bool:
        t = self.share(visit)
        chance = {"better": 0.35 + 0.55 * t, "flat": 0.45, "worse": 0.6 - 0.55 * t}[self.trend]
        return rng.random() < chance

    def plan_on(self, day: datetime.date) -> TreatmentPlan | None:
        signed = [plan for plan in self.plans if timezone.localdate(plan.signed_at) <= day]
        return signed[-1] if signed else None

    def weeks_into_plan(self, visit: Visit) -> int:
        return (visit.day - self.after_plan.day).days // 7 if self.after_plan else 0

    def topic(self, visit: Visit) -> str:
        topics = self.voice.topics
        return topics[min(int(self.share(visit) * len(topics)), len(topics) - 1)]

    def next_in(self, visit: Visit) -> str:
        later = [v for v in self.visits if v.starts_at > visit.starts_at]
        gap = (later[0].day - visit.day).days if later else 7
        return NEXT.get(gap, f"in {gap} days")

    def score_line(self, visit: Visit) -> str:
        a, b = self.names["a"], self.names["b"]
        parts = []
        for code in ("csi16", "phq9", "gad7"):
            pair = (self.scores.get((visit.day, code, "a")), self.scores.get((visit.day, code, "b")))
            if None not in pair:
                parts.append(f"{BUILTIN[code].short_name} {a} {pair[0]}, {b} {pair[1]}")
        lines = [MONTHLY_LINE.format(lines="; ".join(parts))] if parts else []
        csi4 = (self.scores.get((visit.day, "csi4", "a")), self.scores.get((visit.day, "csi4", "b")))
        if None not in csi4:
            lines.append(CSI4_LINE.format(A=a, B=b, a=csi4[0], b=csi4[1]))
        return " ".join(lines)

    def rated(self, visit: Visit) -> list[tuple[int, uuid.UUID]]:
        """(aim index, lineage) of the objectives rated in this session: the ones not fed by a log."""
        if self.plan_on(visit.day) is None:
            return []
        return [(index, lineage) for index, lineage in sorted(self.lineages.items())
                if not self.story.aims[index].logged]

    def ratings(self, visit: Visit, rng: random.Random) -> list[note_services.RatingInput]:
        return [note_services.RatingInput(lineage, aim_value(self.case, index, visit.day), rng.choice(RATING_COMMENTS))
                for index, lineage in self.rated(visit)]

    def rating_line(self, visit: Visit) -> str:
        plan = self.plan_on(visit.day)
        lines = []
        for index, lineage in self.rated(visit):
            baseline, target = self.numbers.get((plan.pk if plan else None, lineage), (None, None))
            numbers = f" (baseline {_number(baseline)}, target {_number(target)})" if baseline is not None else ""
            lines.append(f"{self.metrics.get(lineage, 'Objective')}: {aim_value(self.case, index, visit.day)}"
                         f"{numbers}.")
        return " ".join(lines)

    def methods(self, visit: Visit, rng: random.Random) -> list[tuple[str, str]]:
        """One or two of the plan's interventions used in this session, as (library slug, note key)."""
        plan = self.plan_on(visit.day)
        available = self.interventions.get(plan.pk, []) if plan else []
        if not available:
            return []
        return rng.sample(available, k=min(len(available), rng.choice((1, 2))))

    # -- the note
    def risk(self, visit: Visit) -> dict[str, dict[str, str]]:
        """The risk check: none for both, except a partner whose PHQ-9 raised a flag that day."""
        risk = no_risk()
        for partner in "ab":
            if (visit.day, partner) in self.flags:
                risk[partner]["suicidal_ideation"] = templates.RISK_CONCERN
                risk[partner]["safety_plan"] = FLAGGED_SAFETY_PLAN.format(P=self.names[partner])
        return risk

    def acknowledge_note_risks(self, visit: Visit, note: ProgressNote) -> Counter:
        """The suicide risks a signed note's risk check raised, acknowledged like the PHQ-9 flag of the same day
        (demo.plans.acknowledge_suicide_risks: a screen, the safety plan in force); an unacknowledged flag
        leaves the note's risk open too."""
        created: Counter = Counter()
        for partner in "ab":
            follow_up = self.follow_ups.get((visit.day, partner))
            if follow_up:
                created += acknowledge_suicide_risks(self.case, partner, follow_up, source_id=note.pk)
        return created

    def risk_line(self, visit: Visit) -> str:
        flagged = [self.names[partner] for partner in "ab" if (visit.day, partner) in self.flags]
        return RISK_FLAGGED.format(P=flagged[0]) if flagged else RISK_NONE

    def compose(self, visit: Visit, index: int, template: str) -> tuple[dict[str, str], list[str],
                                                                       list[note_services.RatingInput]]:
        rng = random.Random(f"{self.case.key}:note:{visit.number}")
        a, b = self.names["a"], self.names["b"]
        modality = MODALITY[visit.modality]
        methods = self.methods(visit, rng)
        slugs = [slug for slug, _ in methods]
        keys = [key for _, key in methods]
        keys += [templates.cbt_key(CBT_FOR_METHOD[slug]) for slug in slugs[:1] if slug in CBT_FOR_METHOD]
        main = slugs[0] if slugs else ""
        values = {
            "A": a, "B": b, "modality": modality, "topic": self.topic(visit), "next": self.next_in(visit),
            "method": METHOD_WORDS.get(main, "the structured dialogue"),
            "homework": METHOD_HOMEWORK.get(main, "notice one moment each day when the other made an effort"),
        }
        if index == 0:
            sections = self.intake(values)
        elif visit.kind != SessionKind.JOINT:
            sections = self.individual(visit, values)
        else:
            sections = self.joint(visit, index, values, rng)
        return _fit(sections, template), keys, self.ratings(visit, rng)

    def intake(self, values: dict[str, str]) -> dict[str, str]:
        return {
            "story": INTAKE_DATA.format(intake=self.voice.intake, **values),
            "observed": INTAKE_OBSERVED,
            "intervention": "Intake interview with both partners; history of the relationship and of the "
                            "presenting concern; explained the confidentiality agreement.",
            "response": "Both partners agreed to the assessment plan and the confidentiality agreement.",
            "assessment": INTAKE_ASSESSMENT,
            "plan": INTAKE_PLAN,
        }

    def individual(self, visit: Visit, values: dict[str, str]) -> dict[str, str]:
        partner = visit.kind[-1]
        other = "b" if partner == "a" else "a"
        names = {"P": self.names[partner], "Q": self.names[other]}
        focus = self.voice.alone_a if partner == "a" else self.voice.alone_b
        return {
            "story": f"{INDIVIDUAL_OPENING} {INDIVIDUAL_WORK}".format(focus=focus, **names, **values),
            "observed": INDIVIDUAL_OBSERVED.format(**names),
            "intervention": f"Individual assessment interview. {INDIVIDUAL_WORK}".format(focus=focus),
            "response": INDIVIDUAL_OBSERVED.format(**names),
            "assessment": INDIVIDUAL_ASSESSMENT.format(**names),
            "plan": INDIVIDUAL_PLAN.format(**values),
        }

    def joint(self, visit: Visit, index: int, values: dict[str, str], rng: random.Random) -> dict[str, str]:
        a_easy, b_easy = self.easier(rng, visit), self.easier(rng, visit)
        week = {
            "a_week": rng.choice(self.voice.a_easier if a_easy else self.voice.a_harder),
            "b_week": rng.choice(self.voice.b_easier if b_easy else self.voice.b_harder),
        }
        calm = a_easy and b_easy
        opening = rng.choice(OPENINGS).format(**values, **week)
        topic_line = rng.choice(TOPIC_LINES).format(**values)
        affect = (f"{values['A']} {rng.choice(AFFECT_CALM if a_easy else AFFECT_TENSE)}; "
                  f"{values['B']} {rng.choice(AFFECT_CALM if b_easy else AFFECT_TENSE)}.")
        interaction = rng.choice(INTERACTIONS_CALM if calm else INTERACTIONS_TENSE).format(**values)
        before_plan = self.after_plan is not None and visit.starts_at <= self.after_plan.starts_at
        if before_plan:
            assessment = ("Assessment phase: the formulation is being built with both partners, and the plan "
                          "will be agreed at the next joint session.")
            response = "Both partners contributed to the formulation and recognised the cycle as described."
        elif self.weeks_into_plan(visit) < 4:
            assessment = rng.choice(ASSESSMENT_EARLY).format(**values)
            response = rng.choice(RESPONSE_FLAT).format(**values)
        else:
            assessment = rng.choice({"better": ASSESSMENT_BETTER, "flat": ASSESSMENT_FLAT,
                                     "worse": ASSESSMENT_WORSE}[self.trend]).format(**values)
            response = rng.choice({"better": RESPONSE_BETTER, "flat": RESPONSE_FLAT,
                                   "worse": RESPONSE_WORSE}[self.trend]).format(**values)
        return {
            "story": f"{opening} {topic_line}",
            "observed": " ".join(part for part in (affect, interaction, self.score_line(visit)) if part),
            "intervention": rng.choice(BIRP_INTERVENTIONS).format(**values),
            "response": response,
            "assessment": " ".join(part for part in (assessment, self.rating_line(visit), self.risk_line(visit))
                                   if part),
            "plan": rng.choice(PLAN_LINES).format(**values),
        }


def _number(value: Any) -> str:
    """4 for 4.00, 6.5 for 6.50."""
    return str(int(value)) if value == int(value) else f"{value:.2f}".rstrip("0")


def _fit(parts: dict[str, str], template: str) -> dict[str, str]:
    """The parts of a note in the sections of `template`."""
    if template == "soap":
        return {"subjective": parts["story"], "objective": parts["observed"], "assessment": parts["assessment"],
                "plan": parts["plan"]}
    if template == "dap":
        return {"data": f"{parts['story']} {parts['observed']}", "assessment": parts["assessment"],
                "plan": parts["plan"]}
    return {"behaviour": f"{parts['story']} {parts['observed']}", "intervention": parts["intervention"],
            "response": parts["response"], "plan": parts["plan"]}


def no_risk() -> dict[str, dict[str, str]]:
    return {partner: {**{key: templates.RISK_NONE for key, _ in templates.RISK_ITEMS}, "safety_plan": ""}
            for partner, _ in templates.PARTNERS}


# --- Writing a couple's record -----------------------------------------------------------------------------


def signed_moment(case: DemoCase, visit: Visit, rng: random.Random) -> datetime.datetime:
    """When the author signed: usually that evening or the next morning, once five days late."""
    if (case.key, visit.number) == _late_visit(case):
        delay = LATE_BY
    else:
        delay = datetime.timedelta(hours=rng.choice((1, 2, 3, 14, 16, 20, 26)))
    return not_after_now(visit.ends_at + delay)


def _late_visit(case: DemoCase) -> tuple[str, int] | None:
    if case.key != LATE_ENTRY[0]:
        return None
    seen = attended(calendar_for(case))
    return (case.key, seen[LATE_ENTRY[1]].number) if len(seen) > LATE_ENTRY[1] else None


def seed_sessions(case: DemoCase, users: dict[str, User]) -> Counter:
    """The couple's sessions and notes from the calendar, then the addendum, supervision and private note
    the story asks for."""
    created: Counter = Counter()
    voice = VOICES_BY_KEY.get(case.key)
    if case.story is None or voice is None or Session.objects.filter(couple=case.couple).exists():
        return created
    visits = calendar_for(case)
    seen = attended(visits)
    if not seen:
        return created
    composer = Composer(case, voice, visits)
    author = signing_as(case.primary)
    choices = AUTHOR_TEMPLATES.get(author.username, ("soap",))
    draft_visit = seen[-1] if case.key in DRAFT_AT_LATEST else None
    notes: list[tuple[Visit, ProgressNote]] = []
    for visit in visits:
        session = session_services.session_create(
            couple=case.couple, by=author, starts_at=visit.starts_at, duration_minutes=visit.minutes,
            modality=visit.modality, kind=visit.kind, attendance=visit.attendance,
        )
        created["session"] += 1
        if not visit.attended:
            continue
        rng = random.Random(f"{case.key}:sign:{visit.number}")
        moment = signed_moment(case, visit, rng)
        template = choices[visit.number % len(choices)]
        content, interventions, ratings = composer.compose(visit, seen.index(visit), template)
        with clock_at(moment):
            note, _ = note_services.note_start(session=session, by=author, template=template)
            if visit is draft_visit:
                note_services.note_save_draft(note=note, by=author, base_version=note.version,
                                              content=_half_written(content), risk=_draft_risk(case),
                                              interventions_used=interventions)
                created["draft note"] += 1
                continue
            note = note_services.note_save_draft(note=note, by=author, base_version=note.version, content=content,
                                                 risk=composer.risk(visit), interventions_used=interventions,
                                                 objective_ratings=ratings)
            note = note_services.note_sign(note=note, by=author, secret=demo_practice.DEMO_PASSWORD,
                                           base_version=note.version)
            created += composer.acknowledge_note_risks(visit, note)
        created["signed note"] += 1
        notes.append((visit, note))
    created += _in_flight(case, notes, seen, users)
    return created


def _half_written(content: dict[str, str]) -> dict[str, str]:
    """A draft interrupted half-way: the first sections written, the rest still empty."""
    keys = list(content)
    return {key: (content[key] if position < 2 else "") for position, key in enumerate(keys)}


def _draft_risk(case: DemoCase) -> dict[str, dict[str, str]]:
    risk = no_risk()
    if case.story is not None and trend(case.story) == "worse":
        risk["b"]["suicidal_ideation"] = templates.RISK_CONCERN
        risk["b"]["safety_plan"] = WORSE_SAFETY_PLAN.format(B=case.names["b"])
    return risk


def _in_flight(case: DemoCase, notes: list[tuple[Visit, ProgressNote]], seen: list[Visit],
               users: dict[str, User]) -> Counter:
    created: Counter = Counter()
    by_number = {visit.number: note for visit, note in notes}
    author = case.primary
    names = {"A": case.names["a"], "B": case.names["b"]}
    if case.key == ADDENDUM[0] and len(seen) > ADDENDUM[1] and seen[ADDENDUM[1]].number in by_number:
        note = by_number[seen[ADDENDUM[1]].number]
        with clock_at(not_after_now(note.signed_at + datetime.timedelta(days=1, hours=2))):
            note_services.addendum_create(note=note, by=signing_as(author), kind="late_information",
                                          text=ADDENDUM_TEXT.format(**names), secret=demo_practice.DEMO_PASSWORD)
        created["addendum"] += 1
    if case.key == PRIVATE_NOTE[0] and len(seen) > PRIVATE_NOTE[1]:
        session = Session.objects.get(couple=case.couple, starts_at=seen[PRIVATE_NOTE[1]].starts_at)
        private_services.private_note_create(couple=case.couple, by=author, text=PRIVATE_NOTE_TEXT.format(**names),
                                             session=session)
        created["psychotherapy note"] += 1
    supervisor = users.get(author.supervisor.username) if author.supervisor_id else None
    if supervisor is not None:
        created += _supervise(case, [note for _, note in notes], signing_as(supervisor))
    return created


def _supervise(case: DemoCase, notes: list[ProgressNote], supervisor: User) -> Counter:
    """The supervisor co-signed the associate's older notes a day or three after they were signed; recent
    ones wait in the queue; the latest of one couple was returned with a comment."""
    created: Counter = Counter()
    recent = timezone.now() - AWAITING_FOR
    for position, note in enumerate(notes):
        latest = position == len(notes) - 1
        if latest and case.key == RETURNED_AT_LATEST:
            with clock_at(not_after_now(note.signed_at + datetime.timedelta(days=1))):
                supervision_services.note_return(note=note, by=supervisor, comment=RETURN_COMMENT)
            created["returned note"] += 1
        elif note.signed_at < recent:
            delay = datetime.timedelta(days=1 + position % 3, hours=2)
            with clock_at(not_after_now(note.signed_at + delay)):
                supervision_services.note_cosign(note=note, by=supervisor, secret=demo_practice.DEMO_PASSWORD)
            created["co-signed note"] += 1
        else:
            created["note awaiting co-signature"] += 1
    return created


# --- Today --------------------------------------------------------------------------------------------------


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def _quarter(moment: datetime.datetime) -> datetime.datetime:
    moment = timezone.localtime(moment)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def seed_today(cases: list[DemoCase], users: dict[str, User]) -> Counter:
    """The demo therapist's day: a joint session earlier today (scores recorded, note half-written) and one
    later today, if the day has room, so that their home page has something to show."""
    created: Counter = Counter()
    therapist = users.get(DEMO_THERAPIST)
    by_key = {case.key: case for case in cases}
    if therapist is None:
        return created
    start, end = _day_bounds(timezone.localdate())
    if Session.objects.filter(therapist=therapist, starts_at__gte=start, starts_at__lt=end).exists():
        return created
    now = timezone.now()
    earlier_case = by_key.get(TODAY_ATTENDED)
    if earlier_case is not None and earlier_case.primary == therapist:
        starts_at = max(_quarter(now - datetime.timedelta(hours=2)), start)
        session = session_services.session_create(couple=earlier_case.couple, by=therapist, starts_at=starts_at,
                                                  attendance=Attendance.ATTENDED)
        created["session"] += 1
        created += _scores_today(earlier_case, therapist)
        note, _ = note_services.note_start(session=session, by=therapist, template="soap")
        note_services.note_save_draft(note=note, by=therapist, base_version=note.version, content={
            "subjective": TODAY_DRAFT.format(A=earlier_case.names["a"], B=earlier_case.names["b"]),
        })
        created["draft note"] += 1
    later_case = by_key.get(TODAY_LATER)
    later = _quarter(now + datetime.timedelta(hours=1, minutes=15))
    if later_case is not None and later_case.primary == therapist and later < end:
        session_services.session_create(couple=later_case.couple, by=therapist, starts_at=later,
                                        attendance=Attendance.SCHEDULED)
        created["session"] += 1
    return created


def seed_series(cases: list[DemoCase], users: dict[str, User]) -> Counter:
    """The demo therapist's weekly series: 8 sessions at 17:00 from the next working day with one couple, made through
    notes.services.series like any series (so the IPV gate decides joint or individual). Once only."""
    created: Counter = Counter()
    therapist = users.get(DEMO_THERAPIST)
    case = next((case for case in cases if case.key == WEEKLY_SERIES[0]), None)
    if therapist is None or case is None or case.primary != therapist or \
            SessionSeries.objects.filter(therapist=therapist).exists():
        return created
    couple = case.couple
    joint = couple.ipv_screens_complete and not couple.ipv_joint_blocked
    zone = zoneinfo.ZoneInfo(couple.practice.time_zone)
    day = timezone.localdate(timezone=zone) + datetime.timedelta(days=1)
    while day.weekday() >= 5:  # a working day
        day += datetime.timedelta(days=1)
    first = datetime.datetime.combine(day, WEEKLY_SERIES[1], tzinfo=zone)
    series = series_services.series_create(
        couple=couple, by=therapist, starts_at=first, interval_weeks=1, count=WEEKLY_SERIES[2],
        kind=SessionKind.JOINT if joint else SessionKind.INDIVIDUAL_A, attendance=Attendance.SCHEDULED,
    )
    created["session series"] += 1
    created["session"] += series.sessions.count()
    return created


def _scores_today(case: DemoCase, by: User) -> Counter:
    created: Counter = Counter()
    day = timezone.localdate()
    if MeasureAdministration.objects.filter(couple=case.couple, administered_on=day).exists():
        return created
    joint = [visit for visit in attended(calendar_for(case)) if visit.joint]
    first = joint[0].day if joint else day
    rng = random.Random(f"{case.key}:today:{day}")
    for partner in "ab":
        total = measure_total(case, partner, "csi4", day, first, day)
        measure_services.measure_record(couple=case.couple, by=by, instrument=BUILTIN["csi4"], partner=partner,
                                        administered_on=day, answers=answers_for("csi4", total, rng))
        created["measure administration"] += 1
    # The open risk of the demo: partner A's PHQ-9 today answers item 9 "several days". It raises a suicide
    # risk that nobody has acknowledged yet, at the top of the therapist's Today and on the couple's banner.
    total = measure_total(case, TODAY_RISK_PARTNER, "phq9", day, first, day)
    measure_services.measure_record(couple=case.couple, by=by, instrument=BUILTIN["phq9"], partner=TODAY_RISK_PARTNER,
                                    administered_on=day, answers=answers_for("phq9", max(total, 1), rng, risk_answer=1))
    created["measure administration"] += 1
    return created


# --- Entry point ------------------------------------------------------------------------------------------------


def seed(practice: Practice, *, stdout: TextIO | None = None) -> dict[str, int]:
    """Give the demo couples their sessions and notes, where they have none yet, and the demo therapist a
    day of sessions. Returns what was created, by kind (empty on a second run the same day)."""
    created: Counter = Counter()
    users = {user.username: user for user in User.objects.filter(practice=practice)}
    cases = demo_cases(practice)
    for case in cases:
        case.primary = users.get(case.primary.username, case.primary)
        with transaction.atomic():
            created += seed_sessions(case, users)
    with transaction.atomic():
        created += seed_today(cases, users)
    with transaction.atomic():
        created += seed_series(cases, users)
    if stdout is not None and +created:
        stdout.write("Sessions and notes: " + ", ".join(f"{n} {kind}(s)" for kind, n in sorted(created.items()) if n)
                     + ".")
    return {kind: count for kind, count in created.items() if count}


def status_counts(practice: Practice) -> dict[str, int]:
    """Notes of the practice by status (psychotherapy notes apart), for tests and the command's summary."""
    counts = Counter(ProgressNote.objects.filter(couple__practice=practice).values_list("status", flat=True))
    counts["psychotherapy"] = PsychotherapyNote.objects.filter(couple__practice=practice).count()
    return dict(counts)

