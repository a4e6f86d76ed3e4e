"""/api/v1/couples/{id}/progress-points/: listing (all, or one objective's) and manual values."""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from keys import keyring
from plans.models import ProgressPoint
from tests.plans.cbt_factories import ProgressPointFactory, days_ago, make_objective, make_plan

pytestmark = pytest.mark.django_db


def points_url(couple):
    return reverse("couple-progress-point-list", kwargs={"couple_pk": couple.pk})


def send(api, url, data):
    return api.post(url, data=json.dumps(data), content_type="application/json")


@pytest.fixture
def as_role(cast, login, client):
    def _as(role):
        return client if role == "anonymous" else login(getattr(cast, role))

    return _as


@pytest.fixture
def objectives(cast):
    plan = make_plan(cast.couple, by=cast.therapist)
    return make_objective(plan, position=0), make_objective(plan, metric="minutes listening", position=1)


def add_point(objective, *, days, value="5", source="manual"):
    return ProgressPointFactory(couple_id=objective.couple_id, objective_lineage=objective.lineage,
                                recorded_on=days_ago(days), value=Decimal(value), source=source)


def test_list_is_oldest_first_and_filters_by_objective(cast, as_role, objectives):
    first, second = objectives
    add_point(first, days=3, value="4")
    add_point(first, days=9, value="8.5", source="log")
    add_point(second, days=5)
    api = as_role("supervisor")
    body = api.get(points_url(cast.couple)).json()
    assert body["count"] == 3
    assert [row["recorded_on"] for row in body["results"]] == sorted(row["recorded_on"] for row in body["results"])
    only_first = api.get(points_url(cast.couple), {"objective_lineage": str(first.lineage)}).json()
    assert [row["value"] for row in only_first["results"]] == [8.5, 4.0]
    assert only_first["results"][0]["source"] == "log"
    assert set(only_first["results"][0]) == {"id", "objective_lineage", "recorded_on", "value", "partner",
                                             "client_reported", "source",
                                             "source_id", "note", "recorded_by", "recorded_at"}
    bad = api.get(points_url(cast.couple), {"objective_lineage": "nope"})
    assert bad.status_code == 400 and "objective_lineage" in bad.json()["error"]["fields"]


def test_therapist_can_record_a_manual_value(cast, as_role, objectives):
    first, _ = objectives
    response = send(as_role("co_therapist"), points_url(cast.couple), {
        "objective_lineage": str(first.lineage), "recorded_on": days_ago(1).isoformat(), "value": 3.5,
        "note": "From the diary.",
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["source"] == "manual" and body["value"] == 3.5 and body["source_id"] is None
    assert body["recorded_by"] == str(cast.co_therapist.pk)
    assert ProgressPoint.objects.get().note == "From the diary."


@pytest.mark.parametrize(("changes", "field"), [
    ({"recorded_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}, "recorded_on"),
    ({"value": "a lot"}, "value"),
    ({"value": 1.234}, "value"),
    ({"objective_lineage": str(uuid.uuid4())}, "objective"),
    ({"objective_lineage": "not-a-uuid"}, "objective_lineage"),
])
def test_bad_values_are_refused_naming_the_field(cast, as_role, objectives, changes, field):
    data = {"objective_lineage": str(objectives[0].lineage), "recorded_on": days_ago(1).isoformat(), "value": 2}
    response = send(as_role("therapist"), points_url(cast.couple), {**data, **changes})
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()
    assert not ProgressPoint.objects.exists()


@pytest.mark.parametrize(("role", "read", "write"), [
    ("therapist", 200, 201), ("co_therapist", 200, 201), ("supervisor", 200, 404), ("stranger", 404, 404),
    ("outsider", 404, 404), ("manager", 403, 403), ("admin", 403, 403), ("anonymous", 401, 401),
])
def test_roles(cast, as_role, objectives, role, read, write):
    api = as_role(role)
    assert api.get(points_url(cast.couple)).status_code == read
    response = send(api, points_url(cast.couple), {"objective_lineage": str(objectives[0].lineage),
                                                   "recorded_on": days_ago(1).isoformat(), "value": 2})
    assert response.status_code == write


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [2, 50])
def test_list_query_count_is_constant(cast, as_role, django_assert_max_num_queries, count):
    plan = make_plan(cast.couple, by=cast.therapist)
    objective = make_objective(plan)
    for n in range(count):
        add_point(objective, days=n + 1)
    api = as_role("therapist")
    keyring.clear_cache()
    # session, user, OTP device; couple, partners, clients, care team with users; count, page; the
    # couple's data key (notes); the audit event (BEGIN, last hash, INSERT, COMMIT); the session's save.
    with django_assert_max_num_queries(19):
        response = api.get(points_url(cast.couple), {"page_size": 100})
    assert response.json()["count"] == count
