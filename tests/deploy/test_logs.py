"""Structured logs (RAPPORT_LOG_FORMAT=json): one JSON object per line, the request id on each, and never a
client's name or a note's text, whatever the app logs while a note is written, refused and signed."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

import pytest
from django.urls import reverse

from rapport.logging import AccessLogRequestIdFilter, JsonFormatter, RequestIdFilter
from tests.deploy.production import ROOT
from tests.notes.note_factories import SessionFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
NOTE_TEXT = "Partner A described checking the phone nightly since the affair disclosure"


@pytest.fixture
def json_log():
    """Every record any logger emits during the test, formatted as production's JSON handler would."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lambda: [line for line in stream.getvalue().splitlines() if line.strip()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def record(message="hello %s", args=("world",), **attributes) -> logging.LogRecord:
    entry = logging.LogRecord("clinic.test", logging.WARNING, __file__, 1, message, args, None)
    entry.__dict__.update(attributes)
    return entry


def test_a_record_is_one_line_of_json_with_the_agreed_fields():
    line = JsonFormatter().format(record(request_id="abc123"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "clinic.test" and entry["message"] == "hello world"
    assert entry["request_id"] == "abc123" and entry["time"].endswith("+00:00")


def test_extra_attributes_never_reach_the_line():
    line = JsonFormatter().format(record(client_name="Dana Okafor", body="note text", request_id="r1"))
    assert "Okafor" not in line and "note text" not in line


def test_a_logged_exception_stays_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        entry = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(entry)
    assert "\n" not in line and "ValueError: boom" in json.loads(line)["exception"]


def test_gunicorn_access_line_takes_the_request_id_of_the_response():
    atoms = {"{x-request-id}o": "f" * 32, "m": "GET"}
    entry = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(m)s", (atoms,), None)
    assert AccessLogRequestIdFilter().filter(entry) and entry.request_id == "f" * 32


@pytest.mark.django_db
def test_a_request_logs_json_lines_carrying_its_request_id(cast, login, json_log):
    response = login(cast.therapist).get("/no-such-page/")
    assert response.status_code == 404
    lines = [json.loads(line) for line in json_log()]
    not_found = [entry for entry in lines if entry["logger"] == "django.request"]
    assert not_found and not_found[0]["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_writing_refusing_and_signing_a_note_logs_no_client_data(cast, login, json_log):
    from tests.notes.test_note_editor import editor_data, open_editor, sign_data

    cast.therapist.supervisor = None
    cast.therapist.save()
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    client = login(cast.therapist)
    note = open_editor(client, session)
    stale = editor_data(note)
    saved = client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(note, plan=NOTE_TEXT), **HTMX)
    conflict = client.post(reverse("notes:note-autosave", args=[note.pk]), {**stale, "plan": NOTE_TEXT + " (old)"},
                           **HTMX)
    too_long = client.post(reverse("notes:note-autosave", args=[note.pk]),
                           editor_data(note, subjective=NOTE_TEXT * 400), **HTMX)
    wrong_secret = client.post(reverse("notes:note-sign", args=[note.pk]),
                               sign_data(note, plan=NOTE_TEXT, secret="not the password"))
    signed = client.post(reverse("notes:note-sign", args=[note.pk]), sign_data(note, plan=NOTE_TEXT))
    assert (saved.status_code, conflict.status_code, too_long.status_code) == (200, 409, 400)
    assert wrong_secret.status_code != 302 and signed.status_code == 302
    note.refresh_from_db()
    assert note.signed_at is not None

    lines = json_log()
    assert any(json.loads(line)["logger"] == "django.request" for line in lines)  # the 409 and the 400
    clients = [partner.client for partner in cast.couple.partners.select_related("client")]
    names = {client.first_name for client in clients} | {client.last_name for client in clients}
    assert len(clients) == 2 and all(len(name) >= 3 for name in names)
    for line in lines:
        json.loads(line)
        assert "checking the phone" not in line
        assert not any(name in line for name in names), line


def test_rapport_log_format_json_switches_the_settings_handler(tmp_path):
    script = ("import django, logging; django.setup(); "
              "logging.getLogger('rapport.deploy').warning('json please')")
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "rapport.settings", "RAPPORT_DEBUG": "1",
           "RAPPORT_VAR_DIR": str(tmp_path), "RAPPORT_LOG_FORMAT": "json"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["message"] == "json please" and entry["logger"] == "rapport.deploy" and entry["request_id"] == "-"
