"""Health checks: /healthz (alive) and /healthz/ready (database and key usable). Both answer without a session,
over plain HTTP even where HTTPS is enforced, and say "ok" or "unavailable", nothing more."""

from __future__ import annotations

import base64
import logging

import pytest
from django.db import OperationalError
from django.urls import reverse

from keys import keyring
from keys.providers import reset_key_provider
from tests.deploy.production import kek_from_test_key_file

pytestmark = pytest.mark.django_db


def test_liveness_and_readiness_answer_ok(client):
    for name in ("healthz", "healthz-ready"):
        response = client.get(reverse(name))
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        assert response["Cache-Control"].startswith("no-store")


def test_load_balancers_probing_over_http_are_not_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz-ready")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("clinic:login")).status_code == 301


def test_signed_in_user_without_second_factor_still_gets_the_answer(client, cast):
    client.force_login(cast.therapist)
    assert client.get(reverse("healthz-ready")).json() == {"status": "ok"}


def test_not_ready_when_the_database_does_not_answer(client, monkeypatch, caplog):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("could not connect to server at db.internal:5432 as rapport")

    monkeypatch.setattr("rapport.health.connection.cursor", broken_cursor)
    with caplog.at_level(logging.WARNING, logger="rapport.health"):
        response = client.get(reverse("healthz-ready"))
    assert response.status_code == 503 and response.json() == {"status": "unavailable"}
    assert "db.internal" not in response.content.decode()
    assert "OperationalError" in caplog.text and "db.internal" not in caplog.text
    assert client.get(reverse("healthz")).status_code == 200  # alive, just not ready


def test_not_ready_when_the_key_cannot_open_the_keyring(client, settings, monkeypatch, keyring_check_value):
    right = kek_from_test_key_file()
    wrong = right.split(":")[0] + ":" + base64.b64encode(b"\x01" * 32).decode()  # same id, other key
    settings.RAPPORT_KEY_PROVIDER = "keys.providers.EnvironmentKeyProvider"
    answers = []
    try:
        for kek in (right, wrong):
            monkeypatch.setenv("RAPPORT_KEK", kek)
            reset_key_provider()
            keyring.clear_cache()
            answers.append(client.get(reverse("healthz-ready")))
    finally:
        reset_key_provider()
    assert [answer.status_code for answer in answers] == [200, 503]
    assert answers[1].content == b'{"status": "unavailable"}'


def test_health_checks_accept_only_reads(client):
    assert client.post(reverse("healthz-ready")).status_code == 405
    assert client.head(reverse("healthz")).status_code == 200
