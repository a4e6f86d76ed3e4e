"""/api/v1/ for treatment plans and the library: same rules as the pages, explicit errors, 409s."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from keys import keyring
from plans.library_data import default_items
from plans.models import Goal, LibraryItem, Objective, Problem, TreatmentPlan
from plans.services.library import ensure_practice_library
from tests.factories import TEST_PASSWORD
from tests.plans.plan_factories import add_progress, add_schedule, make_history, make_plan

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def send(api, method: str, url: str, data: dict | None = None):
    return getattr(api, method)(url, data=json.dumps(data or {}), content_type="application/json")


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return error


def plans_url(couple) -> str:
    return reverse("couple-plan-list", kwargs={"couple_pk": couple.pk})


def plan_url(plan, action: str = "") -> str:
    if action:
        return reverse(f"treatment-plan-{action}", args=[plan.pk])
    return reverse("treatment-plan-detail", args=[plan.pk])


def item_url(plan, kind, item=None) -> str:
    if item is None:
        return reverse(f"plan-{kind}-list", kwargs={"plan_pk": plan.pk})
    return reverse(f"plan-{kind}-detail", kwargs={"plan_pk": plan.pk, "pk": item.pk})


def first(model, plan):
    lookup = {Problem: "plan", Goal: "problem__plan", Objective: "goal__problem__plan"}[model]
    return model.objects.filter(**{lookup: plan}).order_by("position").first()


OBJECTIVE = {"text": "Fewer checks", "who": "a", "metric": "Checks", "unit": "per week", "baseline": 10,
             "target": 2, "direction": "decrease"}


# --- reading -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 200), ("co_therapist", 200), ("supervisor", 200), ("stranger", 404), ("outsider", 404),
    ("manager", 403), ("admin", 403),
])
def test_plan_list_and_detail_by_role(cast, login, role, status):
    plan = make_plan(cast.couple, by=cast.therapist, status="active")
    client = login(getattr(cast, role))
    assert client.get(plans_url(cast.couple)).status_code == status
    assert client.get(plan_url(plan)).status_code == status


def test_anonymous_gets_401(cast, client):
    plan = make_plan(cast.couple, by=cast.therapist)
    assert client.get(plan_url(plan)).status_code == 401


def test_plan_detail_nests_the_whole_structure_with_latest_progress(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist, status="active", problems=2, goals=1, objectives=2)
    add_schedule(plan, "csi4", "session")
    objective = first(Objective, plan)
    add_progress(objective, "8", today())
    body = login(cast.therapist).get(plan_url(plan)).json()
    assert body["status"] == "active" and body["number"] == 1
    assert body["signed_by"] == {"id": str(cast.therapist.pk), "name": cast.therapist.display_name}
    assert len(body["problems"]) == 2
    first_objective = body["problems"][0]["goals"][0]["objectives"][0]
    assert first_objective["lineage"] == str(objective.lineage)
    assert (first_objective["baseline"], first_objective["latest_value"], first_objective["target"]) == (12, 8, 3)
    assert body["schedules"] == [{"instrument": "csi4", "every": "session"}]
    assert AuditEvent.objects.filter(action="plan.view", object_id=str(plan.pk)).exists()


@pytest.mark.django_db(transaction=True)
def test_plan_list_and_detail_query_counts_do_not_grow(cast, login, django_assert_max_num_queries):
    client = login(cast.therapist)
    small = make_history(cast.couple, by=cast.therapist, superseded=1, problems=1)
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as list_queries:
        client.get(plans_url(cast.couple))
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as detail_queries:
        client.get(plan_url(small))
    TreatmentPlan.objects.filter(pk=small.pk).update(status="superseded")
    large = make_history(cast.couple, by=cast.therapist, superseded=4, problems=5, goals=2, objectives=3)
    keyring.clear_cache()
    with django_assert_max_num_queries(len(list_queries)):
        assert len(client.get(plans_url(cast.couple)).json()["results"]) == 7
    keyring.clear_cache()
    with django_assert_max_num_queries(len(detail_queries)):
        assert len(client.get(plan_url(large)).json()["problems"]) == 5


# --- drafts, items, locking --------------------------------------------------------------------------


def test_therapist_can_build_and_sign_a_plan_through_the_api(cast, login):
    api = login(cast.therapist)
    response = send(api, "post", plans_url(cast.couple))
    assert response.status_code == 201
    plan = TreatmentPlan.objects.get(pk=response.json()["id"])
    error_of(send(api, "post", plans_url(cast.couple)), 400, "invalid")  # one draft at a time
    problem = send(api, "post", item_url(plan, "problem"), {"applies_to": "a", "title": "Checks phone"}).json()
    goal = send(api, "post", item_url(plan, "goal"), {"problem": problem["id"], "text": "Trust again"}).json()
    response = send(api, "post", item_url(plan, "objective"), {**OBJECTIVE, "goal": goal["id"]})
    assert response.status_code == 201, response.content
    assert response.json()["baseline"] == 10
    response = send(api, "post", item_url(plan, "intervention"), {"goal": goal["id"], "approach": "cbt",
                                                                  "description": "Thought records"})
    assert response.status_code == 201
    error_of(send(api, "post", plan_url(plan, "sign"), {"secret": "wrong"}), 400, "invalid")
    response = send(api, "post", plan_url(plan, "sign"), {"secret": TEST_PASSWORD})
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["review_due"] == (today() + datetime.timedelta(days=90)).isoformat()
    response = send(api, "post", plan_url(plan, "acknowledge"), {"partner": "a", "acknowledged_on":
                                                                  today().isoformat(), "method": "verbal"})
    assert response.status_code == 200 and response.json()["partner_a_ack_method"] == "verbal"
    revision = send(api, "post", plans_url(cast.couple)).json()
    assert revision["number"] == 2 and revision["supersedes"] == str(plan.pk)
    assert revision["problems"][0]["goals"][0]["objectives"][0]["lineage"] == \
        str(Objective.objects.get(goal__problem__plan=plan).lineage)


@pytest.mark.parametrize("status", ["active", "superseded"])
def test_signed_plan_cannot_be_edited_in_place_through_the_api(cast, login, status):
    plan = make_plan(cast.couple, by=cast.therapist, status=status)
    problem, goal = first(Problem, plan), first(Goal, plan)
    api = login(cast.therapist)
    attempts = [
        ("patch", plan_url(plan), {"version": 1, "formulation": "New"}),
        ("post", plan_url(plan, "sign"), {"secret": TEST_PASSWORD}),
        ("post", item_url(plan, "problem"), {"title": "New"}),
        ("patch", item_url(plan, "problem", problem), {"title": "Changed"}),
        ("delete", item_url(plan, "goal", goal), {}),
        ("post", item_url(plan, "objective"), {**OBJECTIVE, "goal": str(goal.pk)}),
    ]
    for method, url, data in attempts:
        error = error_of(send(api, method, url, data), 409, "plan_locked")
        assert "Revise plan" in error["message"]
    problem.refresh_from_db()
    assert problem.title == "Trust broken after a disclosed affair"
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_stale_version_is_a_409_with_the_current_version(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    api = login(cast.therapist)
    assert send(api, "patch", plan_url(plan), {"version": 1, "formulation": "One"}).status_code == 200
    error = error_of(send(api, "patch", plan_url(plan), {"version": 1, "formulation": "Two"}), 409, "conflict")
    assert error["current_version"] == 2
    error = error_of(send(api, "patch", plan_url(plan), {"formulation": "Two"}), 400, "invalid")
    assert "version" in error["fields"]
    plan.refresh_from_db()
    assert plan.formulation == "One"


def test_validation_errors_name_the_field_without_echoing_text(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    goal = first(Goal, plan)
    api = login(cast.therapist)
    error = error_of(send(api, "post", item_url(plan, "objective"), {**OBJECTIVE, "goal": str(goal.pk),
                                                                     "target": 15}), 400, "invalid")
    assert error["fields"]["target"][0].startswith("The target must be lower than the baseline")
    error = error_of(send(api, "post", item_url(plan, "problem"), {"title": "secret words " * 200}), 400, "invalid")
    assert error["fields"]["title"] == ["Keep this to 2,000 characters or fewer."]
    assert "secret words" not in json.dumps(error)
    error = error_of(send(api, "post", item_url(plan, "goal"), {"problem": str(goal.pk), "text": "x"}), 400,
                     "invalid")
    assert error["fields"]["problem"] == ["Choose a problem of this draft."]


def test_supervisor_and_stranger_cannot_write(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    for role, status in (("supervisor", 404), ("stranger", 404), ("manager", 403)):
        api = login(getattr(cast, role))
        assert send(api, "post", item_url(plan, "problem"), {"title": "X"}).status_code == status
        assert send(api, "post", plan_url(plan, "sign"), {"secret": TEST_PASSWORD}).status_code == status
    assert Problem.objects.filter(plan=plan).count() == 1


def test_items_of_another_plan_are_not_found(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    other = make_plan(cast.couple, by=cast.therapist, status="active")
    api = login(cast.therapist)
    assert send(api, "patch", item_url(plan, "problem", first(Problem, other)), {"title": "X"}).status_code == 404
    assert send(api, "delete", item_url(plan, "objective", first(Objective, other))).status_code == 404


def test_deleting_an_item_answers_204(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist, problems=2)
    response = send(login(cast.therapist), "delete", item_url(plan, "problem", first(Problem, plan)))
    assert response.status_code == 204
    assert Problem.objects.filter(plan=plan).count() == 1


# --- library -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 200), ("stranger", 200), ("outsider", 200), ("supervisor", 200), ("manager", 403), ("admin", 403),
])
def test_library_list_by_role(cast, login, role, status):
    response = login(getattr(cast, role)).get(reverse("library-item-list"))
    assert response.status_code == status
    if status == 200:
        assert response.json()["count"] == len(default_items())


def test_clinician_can_add_and_change_library_items(cast, login):
    api = login(cast.co_therapist)
    response = send(api, "post", reverse("library-item-list"), {
        "kind": "sign", "title": "Stonewalling", "objective_text": "Stay in hard talks for 10 minutes",
        "metric": "Minutes", "unit": "per talk", "direction": "increase",
    })
    assert response.status_code == 201, response.content
    item = LibraryItem.objects.get(pk=response.json()["id"])
    response = send(api, "patch", reverse("library-item-detail", args=[item.pk]), {"unit": "per conversation"})
    assert response.status_code == 200 and response.json()["unit"] == "per conversation"
    error = error_of(send(api, "patch", reverse("library-item-detail", args=[item.pk]), {"metric": ""}), 400,
                     "invalid")
    assert "metric" in error["fields"]
    ensure_practice_library(cast.other_practice)
    foreign = LibraryItem.objects.filter(practice=cast.other_practice).first()
    assert send(api, "patch", reverse("library-item-detail", args=[foreign.pk]), {"unit": "x"}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_library_list_query_count_does_not_grow(cast, login, django_assert_max_num_queries):
    api = login(cast.therapist)
    api.get(reverse("library-item-list"))
    with CaptureQueriesContext(connection) as queries:
        api.get(reverse("library-item-list"))
    LibraryItem.objects.bulk_create([
        LibraryItem(practice=cast.practice, kind="cause", slug=f"extra-{n}", title=f"Extra {n}") for n in range(20)
    ])
    with django_assert_max_num_queries(len(queries)):
        assert api.get(reverse("library-item-list")).json()["count"] == len(default_items()) + 20
