"""A group practice in miniature: two gunicorn app servers and two task workers on one PostgreSQL, run exactly
as docs/deployment.md describes (rapport/gunicorn.conf.py, production settings, the KEK from the environment).

A therapist signs in on one server, asks for a batch of progress reports, one worker is killed with SIGKILL in
the middle of it, and the batch, watched through the other server, still finishes with every report delivered
exactly once. Along the way: the readiness check answers on both servers, static files come from the
collectstatic manifest, and every log line of every process is JSON carrying no client name.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import Counter

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse
from django_otp.oath import totp

from audit.models import AuditEvent
from reports.models import GeneratedReport, ReportBatch, ReportStatus
from tests.deploy import production
from tests.factories import CoupleFactory, totp_device_for
from tests.reports.batch_helpers import month_key

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="several app servers and workers share one PostgreSQL; run with DATABASE_URL=postgres://…"),
]

COUPLES = 6
PASSWORD = "correct horse battery staple 2026"
STALE_SECONDS = 3


def ready_count(batch) -> int:
    return GeneratedReport.objects.filter(batch=batch, status=ReportStatus.READY).count()


def running_count(batch) -> int:
    return GeneratedReport.objects.filter(batch=batch, status=ReportStatus.RUNNING).count()


def sign_in(browser: production.Browser, base: str, user) -> None:
    """Password, then the six-digit code, through the real sign-in pages of one app server."""
    device = totp_device_for(user)
    login_url = base + reverse("clinic:login")
    answer = browser.post_form(login_url, {"username": user.username, "password": PASSWORD})
    assert answer.status == 302 and reverse("clinic:two-factor") in answer.headers["Location"], answer.text[:500]
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    answer = browser.post_form(base + reverse("clinic:two-factor"), {"otp_token": code})
    assert answer.status == 302, answer.text[:500]


def client_names(couples) -> set[str]:
    names = set()
    for couple in couples:
        for partner in couple.partners.select_related("client"):
            names.update({partner.client.first_name, partner.client.last_name})
    return {name for name in names if len(name) >= 4}


def test_batch_survives_a_killed_worker_across_two_app_servers(cast, tmp_path):
    therapist = cast.therapist
    therapist.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    therapist.save(update_fields=["password"])
    couples = [cast.couple] + [CoupleFactory(practice=cast.practice, primary=therapist) for _ in range(COUPLES - 1)]

    env = production.production_env(tmp_path, secret_key=production.new_secret_key(),
                                    RAPPORT_REPORT_STALE_SECONDS=str(STALE_SECONDS))
    processes: list[production.Process] = []
    try:
        worker_1 = production.start_task_worker("worker-1", env, tmp_path)
        worker_2 = production.start_task_worker("worker-2", env, tmp_path)
        processes += [worker_1, worker_2]
        # Static files with the manifest and compression of production. Swagger UI's and DRF's bundles, which no
        # page of this test loads, are left out only to keep it quick; the documented collectstatic takes all.
        production.run_manage(env, "collectstatic", "--noinput", "-v", "0",
                              "--ignore", "drf_spectacular_sidecar", "--ignore", "rest_framework")
        ports = production.free_port(), production.free_port()
        server_a = production.start_app_server("web-a", env, tmp_path, port=ports[0], workers=2)
        server_b = production.start_app_server("web-b", env, tmp_path, port=ports[1], workers=1)
        processes += [server_a, server_b]
        a, b = (f"http://127.0.0.1:{port}" for port in ports)
        production.wait_for(lambda: production.answers(a + "/healthz/ready") and
                            production.answers(b + "/healthz/ready"),
                            timeout=30, what="both app servers to be ready", processes=processes)

        browser = production.Browser()
        sign_in(browser, a, therapist)
        home = browser.get(b + reverse("clinic:couple-list"))  # the session is good on the other server too
        assert home.status == 200, home.text[:300]
        stylesheet = re.search(r'href="(/static/rapport/[^"]+\.css)"', home.text)
        assert stylesheet and re.search(r"\.[0-9a-f]{12}\.css$", stylesheet.group(1)), "not a manifest name"
        assert browser.get(b + stylesheet.group(1)).status == 200

        answer = browser.post_form(a + reverse("reports:batch-list"), {"month": month_key()})
        assert answer.status == 302, answer.text[:500]
        batch = ReportBatch.objects.get()
        assert batch.total == COUPLES and answer.headers["Location"].endswith(
            reverse("reports:batch-detail", args=[batch.pk]))

        # Both workers busy (each runs one task at a time), so the one killed dies holding a report.
        production.wait_for(lambda: ready_count(batch) >= 1 and running_count(batch) == 2, timeout=40,
                            what="both workers in the middle of the batch", processes=processes)
        worker_1.kill()
        held = set(GeneratedReport.objects.filter(batch=batch, status=ReportStatus.RUNNING)
                   .values_list("pk", flat=True))

        progress_url = b + reverse("reports:batch-progress", args=[batch.pk])
        progress: list[str] = []
        production.wait_for(lambda: progress.append(browser.get(progress_url).text) or
                            "Download ZIP" in progress[-1], timeout=45, interval=0.5,
                            what="the batch to finish, watched through the other server", processes=processes)
        assert f"{COUPLES} of {COUPLES} ready" in progress[-1]

        download = browser.get(b + reverse("reports:batch-download", args=[batch.pk]))
        assert download.status == 200 and download.headers["Content-Type"] == "application/zip"
    finally:
        for process in processes:
            process.stop()

    # Every report delivered exactly once: one row per couple, one generation event each, one ZIP entry each.
    reports = list(GeneratedReport.objects.filter(batch=batch))
    assert sorted(r.couple_id for r in reports) == sorted(c.pk for c in couples)
    assert all(r.status == ReportStatus.READY for r in reports)
    generated = Counter(AuditEvent.objects.filter(action="report.generate", outcome="ok")
                        .values_list("object_id", flat=True))
    assert generated == Counter({str(r.pk): 1 for r in reports})
    with zipfile.ZipFile(io.BytesIO(download.body)) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(r.file_name for r in reports)
        for report in reports:
            content = archive.read(report.file_name)
            assert content.startswith(b"%PDF") and content == report.content
    # What the killed worker held was claimed again once stale: a second attempt, by the survivor.
    assert any(r.attempts == 2 for r in reports if r.pk in held)

    # Logs: one JSON object per line from every process, no client name anywhere, PDFs found their styles.
    names = client_names(couples)
    for process in processes:
        for line in process.log_lines():
            entry = json.loads(line)
            assert {"time", "level", "logger", "message", "request_id"} <= set(entry), line
            assert not any(name in line for name in names), f"a client name in {process.name}'s log"
            assert "refused to fetch" not in entry["message"], line
    access = [json.loads(line) for line in server_b.log_lines() if '"gunicorn.access"' in line]
    assert any(entry["message"].startswith(f"GET {reverse('reports:batch-progress', args=[batch.pk])} 200 ")
               for entry in access)
    # Static files are answered by WhiteNoise before the request gets an id; every other line carries one.
    assert all(re.fullmatch(r"[0-9a-f]{32}", entry["request_id"]) for entry in access
               if " /static/" not in entry["message"])
    assert all("?" not in entry["message"] for entry in access)
