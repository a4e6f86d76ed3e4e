"""The scale practice's sessions and progress notes, as bulk rows.

Called by `manage.py seed_scale` for each batch of couples, after demo.scale.plans. Every appointment of a
couple's calendar (demo.scale.practice) becomes a session with the billing code the sessions service would suggest.
Every attended one gets a progress note in its author's usual template, with sections of a few hundred to
about 1,500 characters, the risk check for both partners, the interventions used and, once the plan is
signed, ratings of one or two objectives. Most notes are signed within a day, some within the 72-hour
deadline, a few later (late entries); notes of the last few days are sometimes still drafts. Notes of
supervised therapists wait for co-signature for a week, then are co-signed. A signed note carries the
content hash the sign service computes (notes.content_hash.note_content_hash), and each of its ratings a
progress point, as note_sign records them. Signed rows are inserted as signed: nothing is updated later.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from clinic.models import User
from demo.scale.plans import PlanShare
from demo.scale.practice import Batch, ScaleCase, ScalePractice, Visit, weighted
from notes import note_templates as templates
from notes.content_hash import note_content_hash
from notes.models import Attendance, NoteStatus, ObjectiveRating, ProgressNote, Session
from notes.services.sessions import INDIVIDUAL_LONG_CODE, INDIVIDUAL_SHORT_CODE, INTAKE_CODE, JOINT_CODE
from plans.instruments import BUILTIN
from plans.models import ProgressPoint

__all__ = ["add", "delete_for", "prepare"]

DRAFT_WITHIN = datetime.timedelta(days=4)  # notes of sessions this recent may still be drafts
DRAFT_SHARE = 0.35
SIGN_DELAYS_HOURS = ((1, 8, 0.70), (8, 48, 0.18), (48, 71, 0.07), (80, 300, 0.05))  # (from, to, share)
COSIGN_AFTER = datetime.timedelta(days=7)  # supervisors co-sign what was signed before this
TEMPLATE_HABITS = (("soap", 0.6), ("dap", 0.25), ("birp", 0.15))
CENT = Decimal("0.01")

# --- The words ------------------------------------------------------------------------------------------------
# Placeholders: {A} {B} the partners' first names, {P} {Q} the partner seen alone and the other one.

A_WEEK = (
    "the week had been calmer and {A} had kept to the agreements made last time",
    "{A} had a difficult few days after an argument about the family visit",
    "{A} noticed the old urge to check and let it pass twice",
    "{A} felt more hopeful after a long walk together at the weekend",
    "{A} slept badly and replayed the original hurt several evenings",
    "{A} spoke up about feeling unheard instead of going quiet",
    "{A} found the homework harder than expected and did it only once",
)
B_WEEK = (
    "{B} felt the check-ins were becoming natural rather than forced",
    "{B} withdrew after feeling criticised and regretted it the next day",
    "{B} kept every small commitment and felt it had been noticed",
    "{B} felt under suspicion again after being asked about a late evening",
    "{B} stayed in a hard conversation instead of leaving the room",
    "{B} was exhausted by work and had little left for the relationship",
    "{B} described feeling closer than at any point since starting therapy",
)
TOPICS = (
    "the cycle of pursuit and withdrawal", "how trust is rebuilt after the discovery", "checking and reassurance",
    "money decisions and openness about spending", "time apart and what each needs from it",
    "what forgiving would and would not mean", "small daily commitments and how they are kept",
    "how each asks for comfort", "the meaning each gives to silence", "rebuilding ordinary closeness",
)
OBSERVED = (
    "{A} appeared settled and made good eye contact; {B} was tense at first and softened as the session went on.",
    "Both partners were engaged throughout. They turned towards each other when speaking about {topic}.",
    "Escalation in the middle of the session settled after a short time-out; both were able to slow down with "
    "help and return to the exercise.",
    "{B} was tearful when describing the week. {A} listened without interrupting and summarised {B}'s point "
    "accurately before replying.",
    "The familiar pattern appeared in the room and was named together; repair after one sharp exchange was "
    "quicker than in earlier sessions.",
    "Affect was flat for both at the start. Energy rose when the homework was reviewed and both offered examples "
    "from the week.",
)
ASSESSMENT = {
    "better": (
        "Steady progress towards the plan's objectives. The couple is using the skills between sessions, and the "
        "work on {topic} is moving from insight to practice.",
        "Continued improvement: both partners describe the cycle earlier and recover from it faster. The gains in "
        "the scores match what they report at home.",
        "Clear change since the start of treatment. What remains difficult is {topic}, which now comes up less "
        "often and with less intensity.",
    ),
    "flat": (
        "Limited change. Both partners remain committed, but the pattern around {topic} repeats between sessions "
        "and the agreed practice happens only some weeks.",
        "Progress has stalled: insight in session is good, carrying it into daily life is the difficulty, and the "
        "homework was only partly done.",
    ),
    "worse": (
        "Relationship distress has increased, most of all for {B}. The disagreement about {topic} keeps re-opening "
        "the injury and agreements made in session are not holding.",
        "Deterioration since last month: more arguments and less contact at home. {B}'s low mood needs close "
        "attention alongside the couple work; the plan will be reviewed with both.",
    ),
}
EARLY = ("Early in treatment: both partners engage well and understand the formulation; no change in the objectives "
         "is expected yet.",)
RISK_NONE_LINE = "No risk indicators reported or observed for either partner."
RISK_FLAG_LINE = ("PHQ-9 item 9 was above 0 for {P} today: seen alone after the session; passive thoughts after "
                  "arguments, no plan or intent. Safety plan written together and recorded in the risk check.")
SAFETY_PLAN = ("Passive thoughts after arguments, no plan or intent, no past attempts. Safety plan written with {P}: "
               "warning signs, who to call, crisis numbers. Ask at each session; PHQ-9 again in two weeks.")
PLAN_LINES = (
    "Continue {method}. Homework: {homework}. Next session {next}.",
    "Homework: {homework}. Next session {next}; continue {method}.",
    "Next session {next}. Keep going with {method}; homework: {homework}. Review the week's log together at the "
    "start.",
)
HOMEWORK = (
    "two fifteen-minute speaker-listener practices on low-stakes topics", "one thought record whenever distress "
    "goes above 70", "keep the daily log and delay each urge by fifteen minutes", "one evening together without "
    "phones", "three small, checkable commitments, noted when kept", "each write what feels fair about time apart",
)
METHODS = ("cognitive restructuring of the automatic thoughts", "speaker-listener practice",
           "the plan for reducing checking and reassurance seeking", "forgiveness work at the pace both can manage",
           "planning the next behavioural experiment", "attachment-injury repair")
BIRP_INTERVENTIONS = (
    "Worked on {topic} through {method}. Reviewed homework and the week's log with both partners, then slowed down "
    "the exchange and reflected each partner's underlying feeling.",
    "Structured the session around {method}; summarised the cycle on the whiteboard with both partners and agreed "
    "what each will do differently when it starts.",
)
RESPONSE = (
    "{A} engaged readily and tried the skill without prompting. {B} listened without defending and offered an "
    "example from the week.",
    "{A} engaged in the exercise but returned to old arguments when it ended. {B} was polite but distant.",
    "Both partners responded well: {A} named a need directly instead of criticising, and {B} acknowledged the "
    "effort aloud.",
)
INTAKE = ("Intake session. {A} and {B} described what brought them to therapy, each without being interrupted. "
          "The confidentiality agreement was explained and both agreed to it; the IPV screen had been completed with "
          "each partner alone beforehand.")
INDIVIDUAL = ("{P} attended alone for an individual session, part of the assessment agreed at intake. The couple's "
              "confidentiality agreement was restated at the start. We explored {P}'s history of close relationships "
              "and how it shapes {P}'s part in the couple's cycle.")
RATING_COMMENTS = ("Rated together in session.", "From the week's review.", "As reported; consistent with the log.", "")
NEXT = {7: "in one week", 14: "in two weeks"}


class Writer:
    """Composes the note of one visit of one couple."""

    def __init__(self, case: ScaleCase, rng: random.Random) -> None:
        self.case, self.rng = case, rng
        self.names = {"A": case.partner_names["a"], "B": case.partner_names["b"]}
        self.trend = case.shared.get("trend", "better")
        self.plan: PlanShare | None = case.shared.get("plan")
        self.scores: dict = case.shared.get("scores", {})
        self.flags: set = case.shared.get("flags", set())

    def fill(self, text: str, **extra: str) -> str:
        return text.format(**self.names, **extra)

    def sentences(self, pool: tuple[str, ...], count: int, **extra: str) -> str:
        return " ".join(self.fill(t, **extra) for t in self.rng.sample(pool, k=min(count, len(pool))))

    def section_texts(self, visit: Visit, gap_days: int, interventions: list[dict[str, str]],
                      rated: list[tuple[Any, Decimal]]) -> dict[str, str]:
        rng = self.rng
        topic = rng.choice(TOPICS)
        method = rng.choice(METHODS)
        if visit.kind != "joint":
            seen = "a" if visit.kind == "individual_a" else "b"
            person = self.case.partner_names[seen]
            other = self.case.partner_names["b" if seen == "a" else "a"]
            story = self.fill(INDIVIDUAL, P=person) + " " + self.sentences(A_WEEK if seen == "a" else B_WEEK, 2)
        elif visit.number == 0:
            story = self.fill(INTAKE) + " " + self.sentences(A_WEEK, 1) + " " + self.sentences(B_WEEK, 1)
            other = self.names["B"]
        else:
            story = (f"{self.names['A']} and {self.names['B']} attended together. "
                     + self.sentences(A_WEEK, rng.randint(1, 3)) + " " + self.sentences(B_WEEK, rng.randint(1, 3))
                     + f" Most of the session focused on {topic}.")
            other = self.names["B"]
        observed = self.sentences(OBSERVED, rng.randint(1, 3), topic=topic)
        score_line = self.score_line(visit)
        if score_line:
            observed += " " + score_line
        rating_line = self.rating_line(rated)
        if rating_line:
            observed += " " + rating_line
        early = self.plan is None or visit.day <= self.plan.signed_on + datetime.timedelta(weeks=4)
        assessment = self.sentences(EARLY if early else ASSESSMENT[self.trend], rng.randint(1, 2), topic=topic)
        flagged = [self.case.partner_names[p] for p in "ab" if (visit.day, p) in self.flags]
        assessment += " " + (RISK_FLAG_LINE.format(P=flagged[0]) if flagged else RISK_NONE_LINE)
        if visit.kind != "joint":
            assessment += f" Nothing disclosed needs to be shared with {other} under the agreement."
        plan = self.fill(rng.choice(PLAN_LINES), method=method, homework=rng.choice(HOMEWORK),
                         next=NEXT.get(gap_days, f"in {gap_days} days"))
        if interventions:
            plan += " Interventions today: " + ", ".join(i["label"].split(":")[0] for i in interventions) + "."
        return {
            "subjective": story, "objective": observed, "assessment": assessment, "plan": plan,
            "data": f"{story} {observed}", "behaviour": f"{story} {observed}",
            "intervention": self.fill(rng.choice(BIRP_INTERVENTIONS), topic=topic, method=method),
            "response": self.sentences(RESPONSE, rng.randint(1, 2)) + " " + assessment,
        }

    def score_line(self, visit: Visit) -> str:
        day = self.scores.get(visit.day)
        if not day:
            return ""
        a, b = self.names["A"], self.names["B"]
        parts = [f"{BUILTIN[code].short_name} {a} {day[(code, 'a')]}, {b} {day[(code, 'b')]}"
                 for code in ("csi16", "phq9", "gad7") if (code, "a") in day and (code, "b") in day]
        return f"Monthly questionnaires: {'; '.join(parts)}." if parts else ""

    def rated(self, visit: Visit) -> list[tuple[Any, Decimal]]:
        """(lineage, value) of the objectives rated in this session: one or two, once the plan is signed."""
        plan = self.plan
        if plan is None or visit.kind != "joint" or visit.day <= plan.signed_on:
            return []
        attended = self.case.attended
        span = max((attended[-1].day - plan.signed_on).days, 1)
        share = min(max((visit.day - plan.signed_on).days / span, 0.0), 1.0)
        chosen = self.rng.sample(plan.objectives, k=min(len(plan.objectives), self.rng.choice((1, 2))))
        values = []
        for objective in chosen:
            moved = objective.baseline + (objective.target - objective.baseline) * Decimal(str(plan.reach * share))
            noisy = moved + Decimal(str(self.rng.uniform(-1.0, 1.0)))
            if objective.unit.startswith("0-10"):
                noisy = min(max(noisy, Decimal(0)), Decimal(10))
            values.append((objective.lineage, max(noisy, Decimal(0)).quantize(CENT)))
        return values

    def rating_line(self, rated: list[tuple[Any, Decimal]]) -> str:
        if self.plan is None or not rated:
            return ""
        objectives = {o.lineage: o for o in self.plan.objectives}
        return " ".join(
            f"{objectives[lineage].metric} ({objectives[lineage].unit}): {value.normalize():f} (baseline "
            f"{objectives[lineage].baseline}, target {objectives[lineage].target})." for lineage, value in rated
        )


def _service_code(visit: Visit, first_counted: bool) -> str:
    if first_counted:
        return INTAKE_CODE
    if visit.kind == "joint":
        return JOINT_CODE
    return INDIVIDUAL_LONG_CODE if visit.duration_minutes >= 53 else INDIVIDUAL_SHORT_CODE


def _sign_delay(rng: random.Random) -> datetime.timedelta:
    low, high, _ = weighted(rng, tuple(((lo, hi, w), w) for lo, hi, w in SIGN_DELAYS_HOURS))
    return datetime.timedelta(hours=rng.uniform(low, high))


def _risk(case: ScaleCase, visit: Visit, flags: set) -> dict[str, dict[str, str]]:
    risk = {}
    for partner in "ab":
        entry = {key: templates.RISK_NONE for key, _ in templates.RISK_ITEMS}
        entry["safety_plan"] = ""
        if (visit.day, partner) in flags:
            entry["suicidal_ideation"] = templates.RISK_CONCERN
            entry["safety_plan"] = SAFETY_PLAN.format(P=case.partner_names[partner])
        risk[partner] = entry
    return risk


def _interventions(rng: random.Random, plan: PlanShare | None, visit: Visit) -> list[dict[str, str]]:
    if visit.number == 0:
        return []
    cbt = [{"key": templates.cbt_key(slug), "label": label} for slug, label in templates.CBT_INTERVENTIONS]
    if plan is not None and visit.day > plan.signed_on:
        own = [{"key": key, "label": label} for key, label, _ in plan.interventions]
        return rng.sample(own, k=min(len(own), rng.choice((1, 2))))
    return rng.sample(cbt, k=rng.choice((1, 2)))


_habits: dict[Any, dict[Any, str]] = {}  # practice id -> therapist id -> the template they write in


def prepare(scale: ScalePractice, rng: random.Random) -> None:
    """Give each therapist the template they usually write in."""
    _habits[scale.practice.pk] = {user.pk: weighted(rng, TEMPLATE_HABITS) for user in scale.therapists}


def add(batch: Batch, rng: random.Random, scale: ScalePractice) -> None:
    habits = _habits[scale.practice.pk]
    staff = {user.pk: user for user in scale.therapists}
    # On PostgreSQL a trigger refuses ratings under a signed note, so ratings go in before their notes.
    batch.declare(Session, ObjectiveRating, ProgressNote, ProgressPoint)
    for case in batch.cases:
        _add_couple(batch, rng, scale, case, habits, staff)


def _add_couple(batch: Batch, rng: random.Random, scale: ScalePractice, case: ScaleCase, habits: dict[Any, str],
                staff: dict[Any, User]) -> None:
    writer = Writer(case, rng)
    author = case.primary
    counted = False
    for index, visit in enumerate(case.visits):
        first_counted = not counted and visit.attendance in (Attendance.SCHEDULED, Attendance.ATTENDED)
        counted = counted or first_counted
        session = Session(
            couple_id=case.couple.pk, therapist_id=author.pk, starts_at=visit.starts_at,
            duration_minutes=visit.duration_minutes, modality=visit.modality, kind=visit.kind,
            attendance=visit.attendance, service_code=_service_code(visit, first_counted), created_by_id=author.pk,
        )
        batch.add(session)
        if visit.attendance != Attendance.ATTENDED:
            continue
        later = case.visits[index + 1].day if index + 1 < len(case.visits) else visit.day + datetime.timedelta(days=7)
        _add_note(batch, rng, scale, case, visit, session, writer, habits[author.pk], (later - visit.day).days,
                  staff)


def _add_note(batch: Batch, rng: random.Random, scale: ScalePractice, case: ScaleCase, visit: Visit,
              session: Session, writer: Writer, template: str, gap_days: int, staff: dict[Any, User]) -> None:
    author = case.primary
    now = scale.now
    signed_at: datetime.datetime | None = visit.ends_at + _sign_delay(rng)
    if signed_at > now or (now - visit.ends_at < DRAFT_WITHIN and rng.random() < DRAFT_SHARE):
        signed_at = None
    interventions = _interventions(rng, writer.plan, visit)
    rated = writer.rated(visit)
    texts = writer.section_texts(visit, gap_days, interventions, rated)
    note = ProgressNote(
        session_id=session.pk, session_starts_at=session.starts_at, couple_id=case.couple.pk, author_id=author.pk,
        template=template,
        content={key: texts[key] for key in templates.section_keys(template)},
        risk=_risk(case, visit, writer.flags), interventions_used=interventions,
        restricted_to_partner={"individual_a": "a", "individual_b": "b"}.get(visit.kind, ""),
        version=rng.randint(2, 6),
    )
    ratings = [
        ObjectiveRating(note_id=note.pk, couple_id=case.couple.pk, objective_lineage=lineage, value=value,
                        comment=rng.choice(RATING_COMMENTS))
        for lineage, value in rated
    ]
    batch.add(*ratings)
    if signed_at is None:
        batch.add(note)
        return
    supervisor = staff.get(author.supervisor_id) if author.supervisor_id else None
    note.signed_by_id, note.signed_at = author.pk, signed_at
    note.late_entry = signed_at > visit.ends_at + datetime.timedelta(hours=scale.practice.note_deadline_hours)
    note.requires_cosign = supervisor is not None
    note.status = NoteStatus.FINAL
    note.content_hash = note_content_hash(note, ratings)
    note.version += 1
    if supervisor is not None:
        if now - signed_at > COSIGN_AFTER:
            note.cosigned_by_id = supervisor.pk
            note.cosigned_at = signed_at + datetime.timedelta(hours=rng.uniform(4, 120))
        else:
            note.status = NoteStatus.AWAITING_COSIGN
    batch.add(note)
    batch.event("note.sign", at=signed_at, actor=author, obj=note, detail={
        "status": NoteStatus.AWAITING_COSIGN if supervisor else NoteStatus.FINAL, "late_entry": note.late_entry,
        "objective_ratings": len(ratings), "version": note.version,
    })
    if note.cosigned_at is not None:
        batch.event("note.cosign", at=note.cosigned_at, actor=supervisor, obj=note,
                    detail={"late_entry": note.late_entry})
    for rating in ratings:
        batch.add(ProgressPoint(couple_id=case.couple.pk, objective_lineage=rating.objective_lineage,
                                recorded_on=visit.day, value=rating.value, source="session", source_id=note.pk,
                                recorded_by_id=author.pk))


def delete_for(couple_ids: Any, using: str) -> None:
    """Delete this module's rows of the couples (a queryset of ids), with SQL deletes; see demo.scale.practice."""
    for model in (ProgressPoint, ObjectiveRating, ProgressNote, Session):
        model._base_manager.filter(couple_id__in=couple_ids)._raw_delete(using)
