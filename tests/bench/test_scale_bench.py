"""The pieces of `make bench` that can be wrong without anyone noticing: the load generator's counting and
percentiles, the sessions it signs in with, and where each data set's database lives."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from bench.load import LoadResult, run_load
from bench.scale_env import BENCH_VAR, Database
from tests.factories import CoupleFactory, UserFactory


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        status = 503 if self.path == "/fail" else 200
        if self.path == "/cookie":
            status = 200 if self.headers.get("Cookie") == "sessionid=abc" else 403
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_load_counts_every_request_and_each_non_200_as_an_error(server):
    ok = run_load("127.0.0.1", server, "/", [""], clients=4, requests=20)
    failing = run_load("127.0.0.1", server, "/fail", [""], clients=4, requests=12)

    assert (ok.requests, len(ok.latencies), sum(ok.errors.values())) == (20, 20, 0)
    assert (failing.requests, len(failing.latencies), dict(failing.errors)) == (12, 0, {"503": 12})


def test_load_sends_each_client_its_cookie(server):
    result = run_load("127.0.0.1", server, "/cookie", ["sessionid=abc"], clients=2, requests=4)

    assert result.errors == {}


def test_load_for_a_duration_stops_in_time(server):
    result = run_load("127.0.0.1", server, "/", [""], clients=2, seconds=0.3)

    assert result.requests > 0
    assert result.seconds < 2


def test_percentiles_are_nearest_rank():
    result = LoadResult(path="/", clients=1, seconds=1.0, latencies=[i / 1000 for i in range(100, 0, -1)])

    assert result.p50 == pytest.approx(0.050)
    assert result.p95 == pytest.approx(0.095)
    assert result.percentile(1.0) == pytest.approx(0.100)


def test_each_size_has_its_own_database():
    postgres = Database(5000, "postgres://postgres@127.0.0.1:5432/anything")
    sqlite = Database(100, None)

    assert postgres.url == "postgres://postgres@127.0.0.1:5432/rapport_bench_5000"
    assert sqlite.url == f"sqlite:///{BENCH_VAR / 'scale-100.sqlite3'}"


@pytest.mark.django_db
def test_bench_session_passes_sign_in_and_second_factor(client):
    from bench.dataset import verified_session

    therapist = UserFactory(role="therapist")
    CoupleFactory(practice=therapist.practice, primary=therapist)
    client.cookies[settings.SESSION_COOKIE_NAME] = verified_session(therapist)

    home = client.get(reverse("notes:therapist-home"))
    notes = client.get(reverse("note-list"))

    assert home.status_code == 200
    assert notes.status_code == 200


@pytest.mark.django_db
def test_without_the_second_factor_the_same_session_is_refused(client):
    from bench.dataset import verified_session

    therapist = UserFactory(role="therapist")
    key = verified_session(therapist)
    session = SessionStore(session_key=key)
    del session[DEVICE_ID_SESSION_KEY]
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = key

    assert client.get(reverse("notes:therapist-home")).status_code == 302
