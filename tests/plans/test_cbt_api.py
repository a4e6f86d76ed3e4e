"""/api/v1/couples/{id}/thought-records|experiments|checking-log|homework/: every action, the rules, roles,
conflicts, the error format and query counts."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from keys import keyring
from plans.models import BehaviouralExperiment, CheckingLogEntry, Homework, ProgressPoint, ThoughtRecord
from tests.plans.cbt_factories import (
    CheckingLogFactory,
    ExperimentFactory,
    HomeworkFactory,
    ThoughtRecordFactory,
    days_ago,
    make_objective,
    make_plan,
)

pytestmark = pytest.mark.django_db

BASENAMES = {"thought-record": "couple-thought-record", "experiment": "couple-experiment",
             "checking": "couple-checking-log", "homework": "couple-homework"}
FACTORIES = {"thought-record": ThoughtRecordFactory, "experiment": ExperimentFactory,
             "checking": CheckingLogFactory, "homework": HomeworkFactory}
VALID = {
    "thought-record": {
        "partner": "a", "occurred_on": "2026-01-05", "situation": "Partner laughed at a message.",
        "moods": [{"mood": "suspicious", "before": 75, "after": 30}, {"mood": "sad", "before": 40}],
        "automatic_thought": "Someone else makes them happier.", "distortions": ["mind_reading", "labelling"],
        "balanced_belief": 55,
    },
    "experiment": {"partner": "b", "planned_on": "2026-01-05", "prediction": "If I ask, he will get angry.",
                   "belief_before": 90},
    "checking": {"partner": "a", "occurred_on": "2026-01-05", "kind": "reassurance", "resisted": True},
    "homework": {"partner": "both", "assigned_on": "2026-01-05", "description": "Plan one shared activity."},
}


def list_url(couple, kind):
    return reverse(f"{BASENAMES[kind]}-list", kwargs={"couple_pk": couple.pk})


def detail_url(record, kind):
    return reverse(f"{BASENAMES[kind]}-detail", kwargs={"couple_pk": record.couple_id, "pk": record.pk})


def send(api, method, url, data=None):
    return getattr(api, method)(url, data=json.dumps(data or {}), content_type="application/json")


@pytest.fixture
def as_role(cast, login, client):
    def _as(role):
        return client if role == "anonymous" else login(getattr(cast, role))

    return _as


def make(cast, kind, **overrides):
    return FACTORIES[kind](couple=cast.couple, created_by=cast.therapist, **overrides)


# --- Every kind ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(VALID))
def test_therapist_can_create_list_retrieve_and_change_each_kind(cast, as_role, kind):
    api = as_role("therapist")
    response = send(api, "post", list_url(cast.couple, kind), VALID[kind])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version"] == 1 and body["created_by"] == str(cast.therapist.pk)
    assert body["partner"] == VALID[kind]["partner"]
    record = FACTORIES[kind]._meta.model.objects.get(pk=body["id"])
    listing = api.get(list_url(cast.couple, kind)).json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == body["id"]
    assert api.get(detail_url(record, kind)).json() == body
    other = {"a": "b", "b": "a", "both": "a"}[VALID[kind]["partner"]]
    patch = send(api, "patch", detail_url(record, kind), {"version": 1, "partner": other})
    assert patch.status_code == 200, patch.json()
    assert patch.json()["partner"] == other and patch.json()["version"] == 2
    assert AuditEvent.objects.filter(action__startswith="cbt.", action__endswith=".view").exists()


def test_thought_record_output_carries_its_fields(cast, as_role):
    body = send(as_role("co_therapist"), "post", list_url(cast.couple, "thought-record"),
                VALID["thought-record"]).json()
    assert body["moods"] == [{"mood": "suspicious", "before": 75, "after": 30},
                             {"mood": "sad", "before": 40, "after": None}]
    assert body["distortions"] == ["mind_reading", "labelling"]
    assert body["situation"] == "Partner laughed at a message." and body["balanced_belief"] == 55
    assert set(body) == {"id", "partner", "occurred_on", "situation", "moods", "automatic_thought", "evidence_for",
                         "evidence_against", "balanced_thought", "balanced_belief", "distortions", "created_by",
                         "created_at", "updated_at", "version", "source", "client_reviewed_at", "belief_before",
                         "belief_after", "objective_lineage"}


def test_list_is_newest_first_and_filters_by_partner(cast, as_role):
    make(cast, "thought-record", partner="a", occurred_on=days_ago(9))
    newest = make(cast, "thought-record", partner="a", occurred_on=days_ago(1))
    make(cast, "thought-record", partner="b", occurred_on=days_ago(5))
    api = as_role("supervisor")
    body = api.get(list_url(cast.couple, "thought-record")).json()
    assert body["count"] == 3 and body["results"][0]["id"] == str(newest.pk)
    only_a = api.get(list_url(cast.couple, "thought-record"), {"partner": "a"}).json()
    assert {row["partner"] for row in only_a["results"]} == {"a"} and only_a["count"] == 2
    bad = api.get(list_url(cast.couple, "thought-record"), {"partner": "zz"})
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"partner": ["Choose one of the allowed values."]}


# --- Validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "changes", "field"), [
    ("thought-record", {"balanced_belief": 101}, "balanced_belief"),
    ("thought-record", {"moods": [{"mood": "sad", "before": -1}]}, "moods.0.before"),
    ("thought-record", {"moods": []}, "moods"),
    ("thought-record", {"distortions": ["crystal_ball"]}, "distortions.0"),
    ("thought-record", {"occurred_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()},
     "occurred_on"),
    ("thought-record", {"situation": "s" * 2001}, "situation"),
    ("experiment", {"belief_before": 150}, "belief_before"),
    ("experiment", {"planned_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
                    "outcome": "It went fine."}, "planned_on"),
    ("checking", {"resisted": None}, "resisted"),
    ("checking", {"objective_lineage": "d5b3b0a0-0000-4000-8000-000000000000"}, "objective_lineage"),
    ("homework", {"due_on": "2026-01-01"}, "due_on"),
    ("homework", {"status": "abandoned"}, "status"),
])
def test_invalid_records_are_refused_naming_the_field(cast, as_role, kind, changes, field):
    response = send(as_role("therapist"), "post", list_url(cast.couple, kind), {**VALID[kind], **changes})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error
    assert "s" * 50 not in json.dumps(error)  # never echoes what was sent
    assert not FACTORIES[kind]._meta.model.objects.exists()


def test_a_stale_patch_is_a_conflict_with_the_current_version(cast, as_role):
    record = make(cast, "experiment")
    api = as_role("therapist")
    assert send(api, "patch", detail_url(record, "experiment"), {"version": 1, "outcome": "Fine."}).status_code == 200
    response = send(api, "patch", detail_url(record, "experiment"), {"version": 1, "outcome": "Other."})
    assert response.status_code == 409
    assert response.json()["error"] == {"code": "conflict", "message": response.json()["error"]["message"],
                                        "current_version": 2}
    assert BehaviouralExperiment.objects.get().outcome == "Fine."


def test_a_patch_needs_a_version(cast, as_role):
    record = make(cast, "homework")
    response = send(as_role("therapist"), "patch", detail_url(record, "homework"), {"status": "completed"})
    assert response.status_code == 400 and "version" in response.json()["error"]["fields"]
    assert Homework.objects.get().status == "assigned"


# --- The checking log feeds its objective ---------------------------------------------------------


def test_log_entries_created_changed_and_deleted_through_the_api_feed_the_weekly_count(cast, as_role):
    objective = make_objective(make_plan(cast.couple, by=cast.therapist))
    api = as_role("therapist")
    day = days_ago(14)
    entry = {**VALID["checking"], "occurred_on": day.isoformat(), "resisted": False,
             "objective_lineage": str(objective.lineage)}
    first = send(api, "post", list_url(cast.couple, "checking"), entry).json()
    send(api, "post", list_url(cast.couple, "checking"), entry)
    assert ProgressPoint.objects.get().value == Decimal("2")
    record = CheckingLogEntry.objects.get(pk=first["id"])
    send(api, "patch", detail_url(record, "checking"), {"version": 1, "resisted": True})
    assert ProgressPoint.objects.get().value == Decimal("1")
    assert api.delete(detail_url(record, "checking")).status_code == 204
    assert ProgressPoint.objects.get().value == Decimal("1")
    assert CheckingLogEntry.objects.count() == 1


# --- Roles -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [
    ("supervisor", 404), ("stranger", 404), ("outsider", 404), ("manager", 403), ("admin", 403), ("anonymous", 401),
])
def test_only_the_care_team_can_write(cast, as_role, role, status):
    api = as_role(role)
    record = make(cast, "thought-record")
    assert send(api, "post", list_url(cast.couple, "thought-record"), VALID["thought-record"]).status_code == status
    assert send(api, "patch", detail_url(record, "thought-record"), {"version": 1, "partner": "b"}).status_code == \
        status
    entry = make(cast, "checking")
    assert api.delete(detail_url(entry, "checking")).status_code == status
    assert ThoughtRecord.objects.get().partner == "a" and CheckingLogEntry.objects.exists()


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 200), ("co_therapist", 200), ("supervisor", 200), ("stranger", 404), ("outsider", 404),
    ("manager", 403), ("admin", 403), ("anonymous", 401),
])
def test_reading_follows_the_couples_visibility(cast, as_role, role, status):
    record = make(cast, "homework")
    api = as_role(role)
    assert api.get(list_url(cast.couple, "homework")).status_code == status
    assert api.get(detail_url(record, "homework")).status_code == status


def test_a_record_is_not_found_under_another_kind_or_couple(cast, as_role):
    from tests.factories import CoupleFactory

    record = make(cast, "homework")
    api = as_role("therapist")
    wrong_kind = reverse("couple-thought-record-detail", kwargs={"couple_pk": cast.couple.pk, "pk": record.pk})
    assert api.get(wrong_kind).status_code == 404
    elsewhere = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    wrong_couple = reverse("couple-homework-detail", kwargs={"couple_pk": elsewhere.pk, "pk": record.pk})
    assert api.get(wrong_couple).status_code == 404


def test_html_typed_into_a_record_comes_back_as_the_same_text(cast, as_role):
    attack = "<script>alert(1)</script>"
    body = send(as_role("therapist"), "post", list_url(cast.couple, "thought-record"),
                {**VALID["thought-record"], "situation": attack}).json()
    assert body["situation"] == attack  # JSON is not HTML: stored and returned as typed, escaped by the pages


# --- Query counts ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [2, 40])
@pytest.mark.parametrize("kind", list(VALID))
def test_list_query_count_is_constant(cast, as_role, django_assert_max_num_queries, count, kind):
    for _ in range(count):
        make(cast, kind)
    api = as_role("therapist")
    keyring.clear_cache()
    # session, user, OTP device; couple, partners, clients, care team with users; count, page; the
    # couple's data key; the audit event (BEGIN, last hash, INSERT, COMMIT); the session's idle-time save.
    with django_assert_max_num_queries(19):
        response = api.get(list_url(cast.couple, kind))
    assert response.json()["count"] == count
