"""seed_demo's plans, measures and between-session work (demo.plans): realistic, idempotent, encrypted.

The demo is seeded once for this module (committed, then flushed at the end): seeding takes a while, and
every test here only reads it, except the idempotency test, which runs the command again inside its own
rolled-back transaction.
"""

from __future__ import annotations

import datetime
import random
import re
import time
from collections import Counter
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import Couple, CoupleStatus, Practice
from demo import plans as demo_plans
from demo import practice as demo_practice
from demo.stories import STORIES
from keys import keyring
from notes.models import Addendum, ObjectiveRating, ProgressNote, PsychotherapyNote, Session
from plans.instruments import BUILTIN, DETERIORATION, IMPROVEMENT, NO_CHANGE, classify_change
from plans.models import (
    BehaviouralExperiment,
    CheckingLogEntry,
    Homework,
    HomeworkStatus,
    LibraryItem,
    MeasureAdministration,
    MeasureSchedule,
    Objective,
    PlanStatus,
    ProgressPoint,
    ProgressSource,
    ThoughtRecord,
    TreatmentPlan,
)

SEED_CPU_LIMIT = 30  # seconds: "quick (< 30 s)", measured in processor time so that a busy machine does not fail it

# Every model the clinical part of the demo writes: a second run must not add, change or remove any row.
DEMO_MODELS = (TreatmentPlan, Objective, MeasureSchedule, MeasureAdministration, ProgressPoint, ThoughtRecord,
               BehaviouralExperiment, CheckingLogEntry, Homework, LibraryItem, Session, ProgressNote,
               ObjectiveRating, Addendum, PsychotherapyNote, AuditEvent)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Run `seed_demo` once, committed, for the whole module; flush the database afterwards."""
    with django_db_blocker.unblock():
        out = StringIO()
        started = time.process_time()
        call_command("seed_demo", force=True, stdout=out)
        cpu_seconds = time.process_time() - started
        try:
            yield SimpleNamespace(output=out.getvalue(), cpu_seconds=cpu_seconds,
                                  practice=Practice.objects.get(name=demo_practice.PRACTICE_NAME))
        finally:
            call_command("flush", interactive=False, verbosity=0)
            keyring.clear_cache()


def demo_state() -> dict[str, object]:
    state: dict[str, object] = {model.__name__: model.objects.count() for model in DEMO_MODELS}
    state["last_audit_hash"] = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    state["plan_versions"] = sorted(TreatmentPlan.objects.values_list("id", "version", "status", "updated_at"))
    state["note_versions"] = sorted(ProgressNote.objects.values_list("id", "version", "status", "updated_at"))
    return state


def cases_by_key(practice) -> dict[str, demo_plans.DemoCase]:
    return {case.key: case for case in demo_plans.demo_cases(practice)}


def totals(couple, instrument: str, partner: str) -> list[int]:
    return list(MeasureAdministration.objects.filter(couple=couple, instrument=instrument, partner=partner)
                .order_by("administered_on").values_list("total", flat=True))


# --- The command ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_is_quick_and_says_what_it_created(seeded):
    assert seeded.cpu_seconds < SEED_CPU_LIMIT, seeded.cpu_seconds
    for kind in ("treatment plan", "measure administration", "checking log entry", "signed note", "session"):
        assert re.search(rf"\d+ {kind}\(s\)", seeded.output), kind


@pytest.mark.django_db
def test_seed_demo_run_again_changes_nothing(seeded):
    before = demo_state()
    out = StringIO()
    call_command("seed_demo", force=True, stdout=out)
    assert "nothing changed" in out.getvalue()
    assert demo_state() == before


# --- Plans ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_most_demo_couples_have_an_active_plan_built_from_the_library(seeded):
    couples = list(Couple.objects.filter(practice=seeded.practice))
    plans = list(TreatmentPlan.objects.filter(couple__practice=seeded.practice))
    active = [plan for plan in plans if plan.status == PlanStatus.ACTIVE]
    assert len({plan.couple_id for plan in active}) > len(couples) * 2 / 3
    assert [plan.status for plan in plans].count(PlanStatus.DRAFT) == 1
    assert [plan.status for plan in plans].count(PlanStatus.SUPERSEDED) >= 3
    intake = [c for c in couples if c.status == CoupleStatus.INTAKE]
    assert intake and not TreatmentPlan.objects.filter(couple__in=intake).exists()
    for plan in active:
        assert plan.signed_by_id and plan.review_due and plan.formulation
        assert plan.partner_a_ack_method or plan.partner_b_ack_method
        assert {s.instrument for s in plan.schedules.all()} >= {"csi16", "phq9"}
        objectives = list(Objective.objects.filter(goal__problem__plan=plan).select_related("library_item"))
        assert objectives and all(o.baseline is not None and o.target is not None for o in objectives)
        assert all(o.library_item is not None and o.library_item.practice_id == seeded.practice.pk
                   for o in objectives)
    causes = Counter(TreatmentPlan.objects.filter(pk__in=[p.pk for p in active])
                     .values_list("problems__library_item__slug", flat=True))
    assert len(causes) >= 4  # infidelity, abandonment, misunderstandings, distance...
    signs = set(Objective.objects.filter(couple__practice=seeded.practice).values_list("library_item__slug", flat=True))
    assert len(signs) == 5  # checking, vulnerability, threat, boundaries, commitments
    # Signed in the past, when the story says, not all today; one couple's acknowledgement still missing.
    assert all(plan.signed_at < timezone.now() - datetime.timedelta(days=7) for plan in active)
    assert len({plan.signed_at.date() for plan in active}) >= len(active) - 2
    assert any(not plan.partner_b_ack_method for plan in active)


@pytest.mark.django_db
def test_revisions_supersede_and_keep_objective_lineages(seeded):
    revised = TreatmentPlan.objects.filter(couple__practice=seeded.practice, status=PlanStatus.SUPERSEDED)
    for old in revised:
        new = TreatmentPlan.objects.get(supersedes=old)
        assert new.status == PlanStatus.ACTIVE and new.number == old.number + 1 and new.signed_at > old.signed_at
        old_lineages = set(Objective.objects.filter(goal__problem__plan=old).values_list("lineage", flat=True))
        assert old_lineages <= set(Objective.objects.filter(goal__problem__plan=new).values_list("lineage", flat=True))
    assert Objective.objects.filter(goal__problem__plan__status=PlanStatus.ACTIVE, status="met").exists()


@pytest.mark.django_db
def test_reviews_are_due_for_some_plans_and_overdue_for_few(seeded):
    today = timezone.localdate()
    active = TreatmentPlan.objects.filter(couple__practice=seeded.practice, status=PlanStatus.ACTIVE,
                                          couple__status=CoupleStatus.ACTIVE)
    overdue = [plan for plan in active if plan.review_due < today]
    assert 1 <= len(overdue) <= 4


# --- Measures ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_partner_has_months_of_scores(seeded):
    cases = cases_by_key(seeded.practice)
    couple = cases["Amara Okafor"].couple
    for partner in "ab":
        csi16 = MeasureAdministration.objects.filter(couple=couple, instrument="csi16", partner=partner)
        days = sorted(csi16.values_list("administered_on", flat=True))
        assert len(days) >= 6
        assert all(27 <= (later - earlier).days <= 45 for earlier, later in zip(days, days[1:], strict=False))
        assert len(totals(couple, "csi4", partner)) >= 10
        assert len(totals(couple, "phq9", partner)) == len(totals(couple, "gad7", partner)) == len(days)
    per_couple = MeasureAdministration.objects.filter(couple__practice=seeded.practice).values("couple").annotate(
        n=Count("id"))
    assert len(per_couple) >= 10


@pytest.mark.django_db
def test_trends_improve_for_some_stay_flat_for_others_and_worsen_for_one(seeded):
    cases = cases_by_key(seeded.practice)
    phq9 = BUILTIN["phq9"]

    def change(key: str, partner: str) -> str:
        scores = totals(cases[key].couple, "phq9", partner)
        return classify_change(phq9, scores[0], scores[-1], count=len(scores)).kind

    improved = [key for key in cases if cases[key].story and change(key, "a") == IMPROVEMENT]
    assert len(improved) >= 3
    assert change("Hiroshi Tanaka", "a") == change("Hiroshi Tanaka", "b") == NO_CHANGE
    assert change("Jamal Washington", "b") == DETERIORATION
    csi16 = totals(cases["Jamal Washington"].couple, "csi16", "b")
    assert csi16[-1] < csi16[0] - 8
    csi16 = totals(cases["Aisha Rahman"].couple, "csi16", "a")
    assert csi16[0] < BUILTIN["csi16"].cutoff < csi16[-1]  # from distressed to above the cut-off


@pytest.mark.django_db
def test_phq9_item_9_flags_one_acknowledged_and_two_not(seeded):
    """Niamh's, acknowledged months ago; Andre's at his latest session and Aisha's today (demo.notes), open."""
    flags = MeasureAdministration.objects.filter(couple__practice=seeded.practice, risk_flag=True)
    assert flags.count() == 3
    assert all(flag.instrument == "phq9" and flag.answers[8] > 0 for flag in flags)
    acknowledged = flags.filter(risk_acknowledged_at__isnull=False).get()
    assert acknowledged.risk_acknowledgement_note.startswith("Item 9")
    assert timezone.localdate(acknowledged.risk_acknowledged_at) == acknowledged.administered_on
    assert flags.filter(risk_acknowledged_at__isnull=True).count() == 2
    unflagged = MeasureAdministration.objects.filter(couple__practice=seeded.practice, instrument="phq9",
                                                     risk_flag=False)
    assert all(row.answers[8] == 0 for row in unflagged)


@pytest.mark.django_db
def test_every_score_is_what_its_instrument_makes_of_its_answers(seeded):
    for row in MeasureAdministration.objects.filter(couple__practice=seeded.practice):
        score = BUILTIN[row.instrument].score(row.answers)
        assert (score.total, score.band, score.risk_flag) == (row.total, row.band, row.risk_flag)


# --- Between sessions ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_checking_logs_feed_their_objective_and_fall_for_improvers(seeded):
    cases = cases_by_key(seeded.practice)
    for key, falls in (("Aisha Rahman", True), ("Amara Okafor", True), ("Ravindra Sharma", False)):
        lineage = demo_plans.aim_lineages(cases[key])[0]
        weekly = list(ProgressPoint.objects.filter(objective_lineage=lineage, source=ProgressSource.LOG)
                      .order_by("recorded_on").values_list("value", flat=True))
        entries = CheckingLogEntry.objects.filter(objective_lineage=lineage)
        assert len(weekly) >= 4
        assert sum(weekly) == entries.filter(resisted=False).count()
        if falls:
            assert weekly[-1] <= weekly[0] / 2, weekly
        else:
            assert abs(weekly[-1] - weekly[0]) <= 2, weekly


@pytest.mark.django_db
def test_thought_records_experiments_and_homework_are_there(seeded):
    records = ThoughtRecord.objects.filter(couple__practice=seeded.practice)
    assert records.count() >= 6
    assert all(record.distortions and record.moods and record.balanced_thought for record in records)
    experiments = BehaviouralExperiment.objects.filter(couple__practice=seeded.practice)
    assert experiments.count() >= 3 and all(e.belief_after < e.belief_before for e in experiments)
    statuses = set(Homework.objects.filter(couple__practice=seeded.practice).values_list("status", flat=True))
    assert statuses == set(HomeworkStatus.values)


# --- Pieces of the machinery -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(BUILTIN))
def test_answers_add_up_to_the_total_asked_for(code):
    instrument = BUILTIN[code]
    rng = random.Random(code)
    risk_answer = 1 if code == "phq9" else 0
    highest = instrument.max_score - (3 - risk_answer) * len(instrument.risk_items)  # item 9 stays at 1
    for total in range(instrument.min_score + 1, highest + 1):
        answers = demo_plans.answers_for(code, total, rng, risk_answer=risk_answer)
        score = instrument.score(answers)
        assert score.total == total
        assert score.risk_flag == (code == "phq9")


def test_every_story_names_a_couple_of_the_demo():
    keys = {couple.partner_a.full_name for couple in demo_practice.COUPLES}
    assert {story.key for story in STORIES} <= keys
    assert len(STORIES) == sum(1 for c in demo_practice.COUPLES if c.status != CoupleStatus.INTAKE)
