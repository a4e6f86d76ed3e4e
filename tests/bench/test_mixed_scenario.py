"""The mixed scenario of `make bench` (issue 15): the page list and its targets, the PDF clients that ask for
reports through the Reports page, and the portal sessions the portal pages are measured with."""

from __future__ import annotations

import datetime
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django.urls import reverse

from bench import scale_env
from bench.load import PdfClients, cookie_value, csrf_token_from, download_link_from
from bench.pages import PAGES, by_name, met_text, verdict
from tests.factories import CoupleFactory, UserFactory
from tests.reports.batch_helpers import IMMEDIATE_TASKS


def test_targets_are_the_issues():
    assert by_name("couple").cpu_target_ms == 15 and by_name("notes_api").cpu_target_ms == 15
    assert by_name("home").cpu_target_ms == 20
    assert all(page.p95_target_ms == 150 for page in PAGES)
    assert {page.name for page in PAGES if page.who == "partner"} == {"portal_home", "portal_measure",
                                                                       "portal_entries"}


def test_verdicts():
    couple = by_name("couple")
    assert verdict(couple, 0.149, 0.015) == {"p95": True, "cpu": True}
    assert verdict(couple, 0.150, 0.0151) == {"p95": False, "cpu": False}
    assert verdict(by_name("portal_home"), 0.1, 0.05)["cpu"] is None  # no CPU budget
    assert verdict(couple, math.nan, math.nan) == {"p95": None, "cpu": None}
    assert (met_text(True), met_text(False), met_text(None)) == ("met", "**not met**", "—")


def test_page_helpers_read_what_the_pages_send():
    html = '<form><input type="hidden" name="csrfmiddlewaretoken" value="tok123"><a href="/reports/files/' \
           '0b7a8c2e-1f2a-4b3c-9d8e-1234567890ab/download/" download>x</a>'
    assert csrf_token_from(html) == "tok123" and csrf_token_from("<p>none</p>") is None
    assert download_link_from(html) == "/reports/files/0b7a8c2e-1f2a-4b3c-9d8e-1234567890ab/download/"
    assert cookie_value(["sessionid=a; Path=/", "csrftoken=xyz; Path=/; SameSite=Lax"], "csrftoken") == "xyz"
    assert cookie_value(["sessionid=a"], "csrftoken") is None


def test_the_database_prefix_keeps_two_benches_apart(monkeypatch):
    monkeypatch.setattr(scale_env, "DB_PREFIX", "rapport_benchq")
    database = scale_env.Database(100, "postgres://postgres@127.0.0.1:5432/x")
    assert database.url.endswith("/rapport_benchq_100")
    assert scale_env.Database(100, None).sqlite_path.name == "scale-rapport_benchq-100.sqlite3"


class _FakeRapport(BaseHTTPRequestHandler):
    """Answers as the Reports page, the report's page and the download do; the report is ready on the 2nd poll."""

    polls: dict[str, int] = {}
    asked: list[str] = []

    def _send(self, status, body=b"", headers=()):
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        if self.path == "/options/":
            self._send(200, b'<input name="csrfmiddlewaretoken" value="formtok">',
                       [("Set-Cookie", "csrftoken=cookietok; Path=/")])
        elif self.path.endswith("/status/"):
            count = self.polls[self.path] = self.polls.get(self.path, 0) + 1
            body = b'<a href="/reports/files/00000000-0000-0000-0000-000000000001/download/">' if count >= 2 else b""
            self._send(200, body)
        elif self.path.endswith("/download/"):
            self._send(200, b"%PDF-1.7 fake")
        else:
            self._send(404)

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        ok = "csrfmiddlewaretoken=formtok" in body and "csrftoken=cookietok" in self.headers.get("Cookie", "")
        self.asked.append(body)
        self._send(303 if ok else 403, headers=[("Location", f"/reports/files/{len(self.asked):08d}/")])

    def log_message(self, *args):
        pass


def test_pdf_clients_ask_poll_and_download_with_the_csrf_token():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _FakeRapport)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        clients = PdfClients("127.0.0.1", httpd.server_address[1], options_path="/options/", ask_path="/ask/",
                             cookies=["sessionid=s1", "sessionid=s2"],
                             forms=[{"start": "2026-01-01"}, {"start": "2026-01-02"}], poll_seconds=0.01)
        clients.start()
        time.sleep(0.5)
        result = clients.stop()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.errors == {}
    assert len(result.turnarounds) >= 2
    assert any("start=2026-01-01" in body for body in _FakeRapport.asked)
    assert any("start=2026-01-02" in body for body in _FakeRapport.asked)
    assert all(polls == 2 for polls in _FakeRapport.polls.values())


@pytest.mark.django_db
def test_bench_targets_sessions_and_pdf_forms_work_on_a_real_practice(settings):
    from bench.dataset import partner_session, pdf_forms, targets, verified_session
    from tests.portal.portal_factories import portal_account

    settings.TASKS = IMMEDIATE_TASKS
    therapist = UserFactory(role="therapist")
    couple = CoupleFactory(practice=therapist.practice, primary=therapist)
    account = portal_account(couple)
    found = targets(therapist, account)
    assert found["pages"]["couple"] == {"path": reverse("clinic:couple-detail", args=[couple.pk]),
                                        "who": "therapist"}
    assert found["pages"]["portal_home"]["who"] == "partner"
    # No measure sent to this partner: that page is named as not measured, with the reason.
    assert "portal_measure" in found["missing"]
    assert set(found["pages"]) | set(found["missing"]) == {page.name for page in PAGES}

    partner = Client()
    partner.cookies[settings.SESSION_COOKIE_NAME] = partner_session(account)
    for name in ("portal_home", "portal_entries"):
        assert partner.get(found["pages"][name]["path"]).status_code == 200, name

    forms = pdf_forms(couple.start_date.isoformat(), 2)
    assert forms[0]["start"] != forms[1]["start"]  # two clients, two jobs

    staff = Client()
    staff.cookies[settings.SESSION_COOKIE_NAME] = verified_session(therapist)
    asked = staff.post(found["pdf"]["ask"], forms[0])
    assert asked.status_code == 303 and "/reports/files/" in asked["Location"]
    assert staff.get(found["pdf"]["options"]).status_code == 200
    assert datetime.date.fromisoformat(forms[1]["end"]) == datetime.date.today()
