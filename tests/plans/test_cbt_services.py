"""CBT work between sessions: validation rules of the services, versions, audit events, and the checking
log feeding its objective a weekly count."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from plans.models import CheckingLogEntry, Homework, ProgressPoint, ThoughtRecord
from plans.services.cbt import cbt_record_create, cbt_record_update, checking_log_delete
from plans.services.progress import log_week_source_id, week_start
from rapport.versioning import StaleVersion
from tests.factories import CoupleFactory
from tests.plans.cbt_factories import CheckingLogFactory, ThoughtRecordFactory, days_ago, make_objective, make_plan

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)


def thought(**overrides):
    fields = {
        "partner": "a", "occurred_on": days_ago(1), "situation": "Saw a message notification from an ex.",
        "moods": [{"mood": "jealous", "before": 90, "after": 50}], "automatic_thought": "They are still in touch.",
        "evidence_for": "", "evidence_against": "The message was a group chat.", "balanced_thought": "",
        "balanced_belief": None, "distortions": ["mind_reading"],
    }
    fields.update(overrides)
    return fields


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- Thought records ------------------------------------------------------------------------------


def test_therapist_can_record_a_thought_record_and_the_audit_event_has_no_text(cast):
    record = cbt_record_create(kind="thought-record", couple=cast.couple, by=cast.therapist, fields=thought())
    record = ThoughtRecord.objects.get(pk=record.pk)
    assert record.situation == "Saw a message notification from an ex."
    assert record.moods == [{"mood": "jealous", "before": 90, "after": 50}]
    assert record.version == 1 and record.created_by == cast.therapist
    event = AuditEvent.objects.get(action="cbt.thought_record.create")
    assert event.object_id == str(record.pk) and event.couple_id == cast.couple.pk
    assert "message" not in str(event.detail) and event.detail == {"partner": "a"}


@pytest.mark.parametrize("value", [-1, 101, 250])
def test_ratings_outside_0_to_100_are_refused(cast, value):
    with pytest.raises(ValidationError) as excinfo:
        cbt_record_create(kind="thought-record", couple=cast.couple, by=cast.therapist,
                          fields=thought(balanced_belief=value))
    assert errors_of(excinfo) == {"balanced_belief": ["Give a rating from 0 to 100."]}
    with pytest.raises(ValidationError) as excinfo:
        cbt_record_create(kind="experiment", couple=cast.couple, by=cast.therapist, fields={
            "partner": "b", "planned_on": days_ago(1), "prediction": "She will leave.", "belief_before": value})
    assert "belief_before" in errors_of(excinfo)
    assert not ThoughtRecord.objects.exists()


def test_ratings_at_the_ends_of_the_scale_are_accepted(cast):
    record = cbt_record_create(kind="thought-record", couple=cast.couple, by=cast.therapist,
                               fields=thought(balanced_belief=0, moods=[{"mood": "calm", "before": 100, "after": 0}]))
    assert record.balanced_belief == 0 and record.moods[0]["before"] == 100


@pytest.mark.parametrize(("moods", "message"), [
    ([], "Name at least one mood"),
    ([{"mood": "", "before": 50, "after": None}], "Mood 1: name the mood"),
    ([{"mood": "sad", "before": 101, "after": None}], "Mood 1: rate it before, from 0 to 100."),
    ([{"mood": "sad", "before": 50}, {"mood": "angry", "before": 40, "after": -5}], "Mood 2: re-rate it after"),
    ([{"mood": "sad", "before": "high"}], "Mood 1: rate it before"),
    ("anxious", "Name at least one mood"),
])
def test_badly_formed_moods_are_refused_saying_which_mood(cast, moods, message):
    with pytest.raises(ValidationError) as excinfo:
        cbt_record_create(kind="thought-record", couple=cast.couple, by=cast.therapist, fields=thought(moods=moods))
    assert errors_of(excinfo)["moods"][0].startswith(message)


def test_unknown_distortions_are_refused_and_known_ones_are_stored_in_list_order(cast):
    with pytest.raises(ValidationError) as excinfo:
        cbt_record_create(kind="thought-record", couple=cast.couple, by=cast.therapist,
                          fields=thought(distortions=["mind_reading", "wishful_thinking"]))
    assert errors_of(excinfo) == {"distortions": ["Choose distortions from the list."]}
    record = cbt_record_create(kind="thought-record", couple=cast.couple, by=cast.therapist,
                               fields=thought(distortions=["personalisation", "all_or_nothing", "personalisation"]))
    assert record.distortions == ["all_or_nothing", "personalisation"]


def test_a_situation_in_the_future_is_refused(cast):
    with pytest.raises(ValidationError) as excinfo:
        cbt_record_create(kind="thought-record", couple=cast.couple, by=cast.therapist,
                          fields=thought(occurred_on=TOMORROW))
    assert errors_of(excinfo) == {"occurred_on": ["The date of the situation cannot be in the future."]}


def test_text_over_the_limit_is_refused_naming_the_field(cast):
    with pytest.raises(ValidationError) as excinfo:
        cbt_record_create(kind="thought-record", couple=cast.couple, by=cast.therapist,
                          fields=thought(situation="x" * 2001))
    assert list(errors_of(excinfo)) == ["situation"]
    assert "2000" in errors_of(excinfo)["situation"][0]


# --- Behavioural experiments and homework ---------------------------------------------------------


def test_a_planned_experiment_may_be_in_the_future_until_it_has_an_outcome(cast):
    planned = cbt_record_create(kind="experiment", couple=cast.couple, by=cast.therapist, fields={
        "partner": "b", "planned_on": TOMORROW, "prediction": "He will be angry if I go out.", "belief_before": 70})
    assert planned.planned_on == TOMORROW
    with pytest.raises(ValidationError) as excinfo:
        cbt_record_update(record=planned, by=cast.therapist, fields={"outcome": "He said have fun.",
                                                                     "belief_after": 10})
    assert list(errors_of(excinfo)) == ["planned_on"]


def test_homework_dates_are_checked_and_a_review_is_dated(cast):
    with pytest.raises(ValidationError) as excinfo:
        cbt_record_create(kind="homework", couple=cast.couple, by=cast.therapist, fields={
            "partner": "both", "assigned_on": TOMORROW, "description": "Weekly check-in."})
    assert errors_of(excinfo) == {"assigned_on": ["The date it was set cannot be in the future."]}
    with pytest.raises(ValidationError) as excinfo:
        cbt_record_create(kind="homework", couple=cast.couple, by=cast.therapist, fields={
            "partner": "both", "assigned_on": days_ago(3), "due_on": days_ago(5), "description": "Weekly check-in."})
    assert errors_of(excinfo) == {"due_on": ["The due date cannot be before the date it was set."]}
    homework = cbt_record_create(kind="homework", couple=cast.couple, by=cast.therapist, fields={
        "partner": "both", "assigned_on": days_ago(3), "due_on": TOMORROW, "description": "Weekly check-in."})
    assert homework.status == "assigned" and homework.reviewed_on is None
    cbt_record_update(record=homework, by=cast.co_therapist, base_version=1,
                      fields={"status": "partly", "review_note": "Did two of three evenings."})
    homework = Homework.objects.get(pk=homework.pk)
    assert homework.status == "partly" and homework.reviewed_on == TODAY and homework.version == 2


# --- Versions -------------------------------------------------------------------------------------


def test_a_save_based_on_a_stale_version_is_refused_and_nothing_is_written(cast):
    record = ThoughtRecordFactory(couple=cast.couple, created_by=cast.therapist)
    cbt_record_update(record=record, by=cast.therapist, base_version=1, fields={"situation": "First edit."})
    stale = ThoughtRecord.objects.get(pk=record.pk)
    stale.version = 1
    with pytest.raises(StaleVersion) as excinfo:
        cbt_record_update(record=stale, by=cast.co_therapist, base_version=1, fields={"situation": "Second edit."})
    assert excinfo.value.current_version == 2
    saved = ThoughtRecord.objects.get(pk=record.pk)
    assert saved.situation == "First edit." and saved.version == 2
    event = AuditEvent.objects.get(action="cbt.thought_record.update")
    assert event.detail == {"fields": ["situation"]}


def test_an_update_that_changes_nothing_keeps_the_version(cast):
    record = ThoughtRecordFactory(couple=cast.couple, created_by=cast.therapist)
    cbt_record_update(record=record, by=cast.therapist, base_version=1, fields={
        "situation": record.situation, "distortions": ["fortune_telling", "mind_reading"]})
    assert ThoughtRecord.objects.get(pk=record.pk).version == 1


# --- The checking log feeds its objective ---------------------------------------------------------


@pytest.fixture
def objective(cast):
    plan = make_plan(cast.couple, by=cast.therapist)
    return make_objective(plan)


def log(cast, objective, *, day, resisted, partner="a"):
    return cbt_record_create(kind="checking", couple=cast.couple, by=cast.therapist, fields={
        "partner": partner, "occurred_on": day, "kind": "checking", "trigger": "", "resisted": resisted,
        "objective_lineage": objective.lineage if objective else None,
    })


def week_points(objective):
    return {p.recorded_on: p.value for p in ProgressPoint.objects.filter(objective_lineage=objective.lineage)}


# A fixed Wednesday two weeks back, so that its week (Monday-Sunday) is wholly in the past.
WEDNESDAY = week_start(TODAY) - datetime.timedelta(days=12)
MONDAY = week_start(WEDNESDAY)


def test_log_entries_feed_the_weekly_count_of_urges_not_resisted(cast, objective):
    log(cast, objective, day=WEDNESDAY, resisted=False)
    log(cast, objective, day=WEDNESDAY + datetime.timedelta(days=1), resisted=True)
    log(cast, objective, day=MONDAY, resisted=False, partner="b")
    assert week_points(objective) == {MONDAY: Decimal("2")}
    point = ProgressPoint.objects.get(objective_lineage=objective.lineage)
    assert point.source == "log" and point.source_id == log_week_source_id(objective.lineage, MONDAY)
    assert point.source_id == uuid.uuid5(objective.lineage, MONDAY.isoformat())
    assert point.note == "2 of 3 logged urges not resisted this week"
    assert point.couple_id == cast.couple.pk


def test_changing_the_resisted_flag_recounts_the_week(cast, objective):
    entry = log(cast, objective, day=WEDNESDAY, resisted=False)
    log(cast, objective, day=WEDNESDAY, resisted=False)
    assert week_points(objective) == {MONDAY: Decimal("2")}
    cbt_record_update(record=entry, by=cast.co_therapist, base_version=1, fields={"resisted": True})
    assert week_points(objective) == {MONDAY: Decimal("1")}
    assert ProgressPoint.objects.filter(objective_lineage=objective.lineage).count() == 1


def test_a_week_with_every_urge_resisted_counts_zero(cast, objective):
    log(cast, objective, day=WEDNESDAY, resisted=True)
    assert week_points(objective) == {MONDAY: Decimal("0")}


def test_deleting_entries_recounts_and_an_empty_week_loses_its_point(cast, objective):
    first = log(cast, objective, day=WEDNESDAY, resisted=False)
    second = log(cast, objective, day=WEDNESDAY, resisted=False)
    checking_log_delete(entry=first, by=cast.therapist)
    assert week_points(objective) == {MONDAY: Decimal("1")}
    checking_log_delete(entry=second, by=cast.therapist)
    assert week_points(objective) == {}
    assert not CheckingLogEntry.objects.exists()
    assert AuditEvent.objects.filter(action="cbt.checking_log.delete").count() == 2
    assert AuditEvent.objects.filter(action="progress_point.delete").count() == 1


def test_entries_in_two_weeks_make_two_points_and_moving_an_entry_recounts_both(cast, objective):
    next_monday = MONDAY + datetime.timedelta(days=7)
    moving = log(cast, objective, day=WEDNESDAY, resisted=False)
    log(cast, objective, day=WEDNESDAY, resisted=False)
    log(cast, objective, day=next_monday, resisted=False)
    assert week_points(objective) == {MONDAY: Decimal("2"), next_monday: Decimal("1")}
    cbt_record_update(record=moving, by=cast.therapist, base_version=1, fields={"occurred_on": next_monday})
    assert week_points(objective) == {MONDAY: Decimal("1"), next_monday: Decimal("2")}


def test_moving_an_entry_to_another_objective_recounts_both(cast, objective):
    other = make_objective(objective.goal.problem.plan, metric="reassurance questions", position=1)
    entry = log(cast, objective, day=WEDNESDAY, resisted=False)
    log(cast, objective, day=WEDNESDAY, resisted=False)
    cbt_record_update(record=entry, by=cast.therapist, fields={"objective_lineage": other.lineage})
    assert week_points(objective) == {MONDAY: Decimal("1")}
    assert week_points(other) == {MONDAY: Decimal("1")}
    cbt_record_update(record=entry, by=cast.therapist, fields={"objective_lineage": None})
    assert week_points(other) == {}


def test_an_entry_without_objective_feeds_nothing(cast, objective):
    log(cast, None, day=WEDNESDAY, resisted=False)
    assert not ProgressPoint.objects.exists()


def test_an_entry_cannot_feed_another_couples_objective(cast, objective):
    elsewhere = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    foreign = make_objective(make_plan(elsewhere, by=cast.therapist))
    with pytest.raises(ValidationError) as excinfo:
        log(cast, foreign, day=WEDNESDAY, resisted=False)
    assert errors_of(excinfo) == {"objective_lineage": ["Choose one of this couple's objectives."]}
    assert not ProgressPoint.objects.exists()


def test_a_log_entry_in_the_future_is_refused(cast, objective):
    with pytest.raises(ValidationError) as excinfo:
        log(cast, objective, day=TOMORROW, resisted=True)
    assert errors_of(excinfo) == {"occurred_on": ["The date of the urge cannot be in the future."]}


def test_factory_entries_do_not_feed_until_saved_through_the_service(cast, objective):
    # The feed is the service's job: a row written around it (as in bulk imports) is counted on its next change.
    entry = CheckingLogFactory(couple=cast.couple, created_by=cast.therapist, occurred_on=WEDNESDAY,
                               objective_lineage=objective.lineage)
    assert not ProgressPoint.objects.exists()
    cbt_record_update(record=entry, by=cast.therapist, fields={"trigger": "Late reply."})
    assert week_points(objective) == {MONDAY: Decimal("1")}
