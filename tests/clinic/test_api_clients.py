"""/api/v1/clients/: identity is clinical data, so only clinicians who can see a client get it."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from clinic.models import Client, Couple
from keys import keyring
from tests.factories import ClientFactory, CoupleFactory

pytestmark = pytest.mark.django_db

LIST_KEYS = {"id", "first_name", "last_name", "preferred_name", "pronouns"}


@pytest.fixture(autouse=True)
def _records_have_creators(cast):
    """Records made by the API have a creator; full_clean() refuses an empty created_by (null, not blank)."""
    Couple.objects.filter(pk=cast.couple.pk).update(created_by=cast.therapist)
    for partner in cast.couple.partners.all():
        Client.objects.filter(pk=partner.client_id).update(created_by=cast.therapist)


@pytest.fixture
def as_role(cast, login, client):
    def _as(role: str):
        return client if role == "anonymous" else login(getattr(cast, role))

    return _as


@pytest.fixture
def partner_client(cast) -> Client:
    return Client.objects.get(partnerships__couple=cast.couple, partnerships__position="a")


def client_url(client_record=None) -> str:
    return reverse("client-detail", args=[client_record.pk]) if client_record else reverse("client-list")


def send(api, method: str, url: str, data: dict):
    return getattr(api, method)(url, data=json.dumps(data), content_type="application/json")


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code
    return error


# --- List and retrieve --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status", "count"),
    [
        ("therapist", 200, 2),
        ("co_therapist", 200, 2),
        ("stranger", 200, 0),
        ("supervisor", 200, 2),
        ("manager", 403, None),
        ("admin", 403, None),
        ("outsider", 200, 0),
        ("anonymous", 401, None),
    ],
)
def test_client_list_by_role(cast, as_role, role, status, count):
    response = as_role(role).get(client_url())
    if status != 200:
        error = assert_error(response, status)
        assert "Okafor" not in response.content.decode() and error["code"]
        return
    body = response.json()
    assert body["count"] == count
    assert all(set(row) == LIST_KEYS for row in body["results"])


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("therapist", 200),
        ("co_therapist", 200),
        ("stranger", 404),
        ("supervisor", 200),
        ("manager", 403),
        ("admin", 403),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_client_retrieve_by_role(cast, as_role, partner_client, role, status):
    response = as_role(role).get(client_url(partner_client))
    views = AuditEvent.objects.filter(action="client.view", object_id=str(partner_client.pk))
    if status != 200:
        assert_error(response, status)
        assert partner_client.last_name not in response.content.decode()
        assert not views.exists()
        return
    body = response.json()
    assert (body["first_name"], body["last_name"], body["date_of_birth"]) == (
        partner_client.first_name, partner_client.last_name, "1988-04-12")
    assert views.get().actor_id == getattr(cast, role).pk


def test_client_registered_by_a_therapist_is_visible_to_them_only(cast, as_role, login):
    mine = ClientFactory(practice=cast.practice, created_by=cast.stranger)
    assert as_role("stranger").get(client_url(mine)).status_code == 200
    assert login(cast.therapist).get(client_url(mine)).status_code == 404


# --- Search by name -----------------------------------------------------------------------------
def test_name_search_matches_full_or_last_name_folding_case_accents_and_spaces(cast, as_role, partner_client):
    target = ClientFactory(practice=cast.practice, created_by=cast.therapist, first_name="Zoë", last_name="Dupré")
    api = as_role("therapist")
    for typed in ("  zoe   DUPRE ", "ZOË DUPRÉ", "dupre"):
        response = api.get(client_url(), {"name": typed})
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [str(target.pk)], typed
    for typed in ("Zo", "Zoe Dupr", "Zoe"):  # exact match only: no prefixes, not the first name alone
        assert api.get(client_url(), {"name": typed}).json()["count"] == 0, typed


def test_name_search_never_returns_clients_the_caller_cannot_see(cast, as_role):
    ClientFactory(practice=cast.practice, created_by=cast.stranger, first_name="Hidden", last_name="Person")
    ClientFactory(practice=cast.other_practice, first_name="Hidden", last_name="Person")
    assert as_role("therapist").get(client_url(), {"name": "Hidden Person"}).json()["count"] == 0
    assert as_role("stranger").get(client_url(), {"name": "hidden person"}).json()["count"] == 1


def test_name_search_sends_no_name_to_the_database(cast, as_role, partner_client):
    api = as_role("therapist")
    with CaptureQueriesContext(connection) as queries:
        response = api.get(client_url(), {"name": partner_client.full_name})
    assert response.json()["count"] == 1
    for query in queries.captured_queries:
        assert partner_client.last_name not in query["sql"]
    event = AuditEvent.objects.get(action="client.search")
    assert partner_client.last_name not in json.dumps(event.detail)


def test_blank_name_search_is_400(cast, as_role):
    error = assert_error(as_role("therapist").get(client_url(), {"name": ""}), 400, "invalid")
    assert list(error["fields"]) == ["name"]


@pytest.mark.django_db(transaction=True)  # see the query-count note in test_api_couples
@pytest.mark.parametrize("count", [3, 30])
def test_client_list_query_count_is_constant(cast, as_role, django_assert_max_num_queries, count):
    for _ in range(count - 2):
        ClientFactory(practice=cast.practice, created_by=cast.therapist)
    api = as_role("therapist")
    keyring.clear_cache()
    # session, user, OTP device; count, page; the practice's data key; the session's idle-time save
    # (UPDATE, plus BEGIN and COMMIT on SQLite).
    with django_assert_max_num_queries(9):
        response = api.get(client_url())
    assert response.json()["count"] == count


# --- Create and update --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("therapist", 201),
        ("co_therapist", 201),
        ("stranger", 201),
        ("supervisor", 201),
        ("manager", 403),
        ("admin", 403),
        ("outsider", 201),
        ("anonymous", 401),
    ],
)
def test_client_create_by_role(cast, as_role, role, status):
    before = Client.objects.count()
    response = send(as_role(role), "post", client_url(), {
        "first_name": "Priya", "last_name": "Raman", "date_of_birth": "1990-06-01", "email": "priya@example.org",
    })
    if status != 201:
        assert_error(response, status)
        assert Client.objects.count() == before
        return
    assert response.status_code == 201
    created = Client.objects.get(pk=response.json()["id"])
    user = getattr(cast, role)
    assert (created.full_name, created.practice_id, created.created_by) == ("Priya Raman", user.practice_id, user)
    assert AuditEvent.objects.filter(action="client.create", object_id=str(created.pk)).exists()


def test_client_create_validation_names_fields_without_echo(cast, as_role):
    response = send(as_role("therapist"), "post", client_url(), {
        "first_name": "Priya", "email": "priya at her work address", "date_of_birth": "next tuesday",
    })
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"last_name", "email", "date_of_birth"}
    content = response.content.decode()
    assert "priya at her work address" not in content
    assert "next tuesday" not in content


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("therapist", 200),
        ("co_therapist", 200),
        ("stranger", 404),
        ("supervisor", 404),  # reads the case, does not edit identities
        ("manager", 403),
        ("admin", 403),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_client_partial_update_by_role(cast, as_role, partner_client, role, status):
    response = send(as_role(role), "patch", client_url(partner_client), {"phone": "07700 900123"})
    stored = Client.objects.get(pk=partner_client.pk)
    if status != 200:
        assert_error(response, status)
        assert stored.phone == ""
        return
    assert response.status_code == 200
    assert response.json()["phone"] == "07700 900123"
    assert stored.phone == "07700 900123"
    assert stored.first_name == partner_client.first_name
    assert AuditEvent.objects.get(action="client.update").detail == {"fields": ["phone"]}


def test_renamed_client_is_found_under_the_new_name(cast, as_role, partner_client):
    api = as_role("therapist")
    assert send(api, "patch", client_url(partner_client), {"last_name": "Fairweather"}).status_code == 200
    results = api.get(client_url(), {"name": "fairweather"}).json()["results"]
    assert [row["id"] for row in results] == [str(partner_client.pk)]


def test_blanking_a_required_name_is_refused(cast, as_role, partner_client):
    response = send(as_role("therapist"), "patch", client_url(partner_client), {"first_name": ""})
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["first_name"]
    assert Client.objects.get(pk=partner_client.pk).first_name == partner_client.first_name


def test_partner_of_a_couple_the_caller_only_supervises_is_readable_not_editable(cast, login):
    other = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    person = other.partners.get(position="b").client
    api = login(cast.supervisor)
    assert api.get(client_url(person)).status_code == 200
    assert send(api, "patch", client_url(person), {"phone": "1"}).status_code == 404
