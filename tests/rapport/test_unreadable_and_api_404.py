"""A record that cannot be decrypted gets a plain 500 page (or the API's JSON error), never a traceback; API paths
with a malformed id or no endpoint answer in the API's JSON error format, in debug mode too (issue 16, item 8)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from clinic.models import Client

pytestmark = pytest.mark.django_db

UNREADABLE = "This record could not be opened; the incident is logged."


def move_first_name(cast) -> None:
    """Copy partner B's sealed first name onto partner A's row, as someone who can write the database could."""
    a, b = (cast.couple.partners.get(position=p).client for p in ("a", "b"))
    to_db = (lambda pk: pk.hex) if connection.vendor == "sqlite" else (lambda pk: pk)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Client._meta.db_table} SET first_name = (SELECT first_name FROM "
                       f"{Client._meta.db_table} WHERE id = %s) WHERE id = %s", [to_db(b.pk), to_db(a.pk)])


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_moved_ciphertext_gives_a_plain_500_page(cast, login, settings, debug):
    settings.DEBUG = debug
    move_first_name(cast)
    response = login(cast.therapist).get(reverse("clinic:couple-detail", args=[cast.couple.pk]))
    assert response.status_code == 500
    page = response.content.decode()
    assert UNREADABLE in page and "<h1>This record could not be opened</h1>" in page
    for leak in ("Traceback", "DecryptionError", "failed authentication", "keys/fields.py", "clinic_client"):
        assert leak not in page
    assert "no-store" in response["Cache-Control"] and response["X-Request-ID"]
    event = AuditEvent.objects.get(action="crypto.decrypt_failed")
    assert event.detail == {"column": "first_name"} and event.outcome == "failed"


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_the_api_answers_a_moved_ciphertext_in_its_error_format(cast, login, settings, debug):
    settings.DEBUG = debug
    move_first_name(cast)
    response = login(cast.therapist).get(reverse("client-detail", args=[
        cast.couple.partners.get(position="a").client_id]))
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "record_unreadable", "message": UNREADABLE}}


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("path", [
    "/api/v1/couples/not-an-id/", "/api/v1/couples/12345/", "/api/v1/plans/not-an-id/objectives/",
    "/api/v1/couples/not-an-id/risks/not-an-id/close/", "/api/v1/no-such-endpoint/", "/api/v1/couples",
    "/api/nothing",
])
def test_api_paths_that_match_nothing_answer_404_json(cast, login, settings, debug, path):
    settings.DEBUG = debug
    client = login(cast.therapist)
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(path)
        assert response.status_code == 404, (method, response.status_code)
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "not_found"


def test_anonymous_callers_get_the_json_404_too(client, db, settings):
    settings.DEBUG = True
    response = client.get("/api/v1/couples/not-an-id/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
