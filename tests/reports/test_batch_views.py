"""Report batch pages: asking for a batch, the progress bar (htmx polling and without JavaScript), downloads
for the person who asked only, expiry (410), audit events, and query counts."""

from __future__ import annotations

import datetime
import io
import re
import time
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import CareTeamMember
from reports.models import GeneratedReport, ReportBatch
from reports.services import batch_state, files, generation
from tests.factories import CoupleFactory
from tests.reports.batch_helpers import fake_pdf, first_report, month_key, pdf_name, ready_batch

pytestmark = pytest.mark.django_db

OTHERS = ["co_therapist", "stranger", "supervisor", "manager", "admin", "outsider"]


@pytest.fixture
def stub_render(monkeypatch):
    monkeypatch.setattr(generation, "render_report", fake_pdf)


@pytest.fixture
def caseload(cast):
    return [cast.couple, *[CoupleFactory(practice=cast.practice, primary=cast.therapist) for _ in range(2)]]


def names_of(couples):
    return [name for c in couples for p in c.partners.all() for name in (p.client.first_name, p.client.last_name)]


# --- asking for a batch ---------------------------------------------------------------------------------


def test_therapist_can_see_the_batch_form_and_their_couple_count(cast, caseload, login):
    response = login(cast.therapist).get(reverse("reports:batch-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 couples today" in html
    assert f'<option value="{month_key()}"' in html
    assert 'name="include_notes"' in html
    assert "You have not asked for any batch yet." in html


def test_therapist_can_start_a_batch_and_is_sent_to_its_progress(cast, caseload, login):
    client = login(cast.therapist)
    response = client.post(reverse("reports:batch-list"), {"month": month_key(), "include_notes": "on"})
    batch = ReportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:batch-detail", args=[batch.pk])
    assert batch.requested_by == cast.therapist and batch.total == 3 and batch.options == {"include_notes": True}
    page = client.get(response["Location"]).content.decode()
    assert "Batch started: 3 files to generate." in page


def test_manager_can_start_the_practice_pack(cast, login):
    client = login(cast.manager)
    page = client.get(reverse("reports:batch-list")).content.decode()
    assert "practice pack" in page and 'name="include_notes"' not in page
    response = client.post(reverse("reports:batch-list"), {"month": month_key()})
    assert response.status_code == 302
    batch = ReportBatch.objects.get()
    assert batch.kind == "practice" and batch.total == 2


def test_admin_cannot_open_report_batches(cast, login):
    assert login(cast.admin).get(reverse("reports:batch-list")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("reports:batch-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("clinic:login"))


def test_month_outside_the_choices_is_refused_with_a_message(cast, caseload, login):
    response = login(cast.therapist).post(reverse("reports:batch-list"), {"month": "1999-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html and "Month: Select a valid choice" in html
    assert not ReportBatch.objects.exists()


def test_therapist_without_active_couples_is_told_why_nothing_started(cast, login):
    response = login(cast.stranger).post(reverse("reports:batch-list"), {"month": month_key()})
    assert response.status_code == 200
    assert "no active couples" in response.content.decode()
    assert not ReportBatch.objects.exists()


# --- progress ---------------------------------------------------------------------------------------------


def test_progress_bar_counts_reports_and_polls_until_done(cast, caseload, login, stub_render):
    client = login(cast.therapist)
    client.post(reverse("reports:batch-list"), {"month": month_key()})
    batch = ReportBatch.objects.get()
    progress_url = reverse("reports:batch-progress", args=[batch.pk])
    page = client.get(reverse("reports:batch-detail", args=[batch.pk])).content.decode()
    assert '<progress id="batch-bar-' in page and 'max="3" value="0"' in page
    assert "0 of 3 ready" in page
    since = re.search(r"since=(\d+)", page).group(1)
    assert f'hx-get="{progress_url}?seen=queued-0-0-0&amp;since={since}" hx-trigger="every 2s" hx-swap="outerHTML"' \
        in page
    assert '<p id="batch-announce" class="visually-hidden" role="status"></p>' in page
    # Without JavaScript: a plain link reloads the page.
    assert f'href="{reverse("reports:batch-detail", args=[batch.pk])}">Refresh to see the progress' in page
    assert "Download ZIP" not in page

    # Nothing changed since the page was drawn: nothing to swap.
    def poll(seen):
        return client.get(progress_url, {"seen": seen, "since": since}, HTTP_HX_REQUEST="true")

    unchanged = poll("queued-0-0-0")
    assert unchanged.status_code == 204 and unchanged.content == b""

    ids = list(GeneratedReport.objects.filter(batch=batch).values_list("pk", flat=True))
    generation.report_generate(report_id=ids[0])
    partial = poll("queued-0-0-0").content.decode()
    assert "<html" not in partial and partial.strip().startswith('<section id="batch-progress"')
    assert "1 of 3 ready" in partial and 'value="1"' in partial
    assert f'hx-get="{progress_url}?seen=running-1-0-0&amp;since={since}" hx-trigger="every 2s"' in partial
    assert '<p id="batch-announce" hx-swap-oob="innerHTML">1 of 3 ready.</p>' in partial

    for pk in ids[1:]:
        generation.report_generate(report_id=pk)
    partial = poll("running-1-0-0").content.decode()
    assert "3 of 3 ready" in partial
    assert "hx-trigger" not in partial  # polling stops
    assert f'href="{reverse("reports:batch-download", args=[batch.pk])}" download>Download ZIP' in partial
    assert "All done: 3 of 3 ready. The ZIP can be downloaded." in partial


def test_progress_stops_polling_after_the_idle_timeout_so_an_open_page_cannot_keep_a_session_alive(
        cast, caseload, login, settings):
    client = login(cast.therapist)
    client.post(reverse("reports:batch-list"), {"month": month_key()})
    batch = ReportBatch.objects.get()
    opened = int(time.time()) - settings.RAPPORT_IDLE_TIMEOUT_SECONDS - 1
    response = client.get(reverse("reports:batch-progress", args=[batch.pk]),
                          {"seen": "queued-0-0-0", "since": opened}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # no 204: the section comes back, without hx-trigger
    html = response.content.decode()
    assert "hx-trigger" not in html and "This page stopped checking by itself." in html
    assert "Refresh to see the progress" in html


def test_finished_batch_lists_what_failed(cast, caseload, login, monkeypatch):
    client = login(cast.therapist)
    client.post(reverse("reports:batch-list"), {"month": month_key()})
    batch = ReportBatch.objects.get()
    monkeypatch.setattr(generation, "render_report", lambda report: fake_pdf(report)
                        if report.couple_id != cast.couple.pk else 1 / 0)
    for _ in range(batch_state.MAX_ATTEMPTS):
        for pk in GeneratedReport.objects.filter(batch=batch).values_list("pk", flat=True):
            generation.report_generate(report_id=pk)
    page = client.get(reverse("reports:batch-detail", args=[batch.pk])).content.decode()
    assert "2 of 3 ready, 1 failed" in page
    assert "Not included" in page and cast.couple.reference in page and "ZeroDivisionError" in page
    assert "Download ZIP" in page


def test_pages_show_references_never_names(cast, caseload, login):
    batch = ready_batch(cast.therapist, caseload)
    client = login(cast.therapist)
    pages = [client.get(reverse("reports:batch-list")), client.get(reverse("reports:batch-detail", args=[batch.pk]))]
    for response in pages:
        html = response.content.decode()
        for name in names_of(caseload):
            assert name not in html
    assert all(c.reference in pages[1].content.decode() for c in caseload)


def test_a_stalled_batch_gets_a_new_finishing_step_when_its_page_is_polled(cast, caseload, login, settings):
    client = login(cast.therapist)
    client.post(reverse("reports:batch-list"), {"month": month_key()})
    batch = ReportBatch.objects.get()
    ReportBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=settings.RAPPORT_REPORT_STALE_SECONDS + 1))
    before = batch.finisher_task_id
    client.get(reverse("reports:batch-progress", args=[batch.pk]))
    assert ReportBatch.objects.get(pk=batch.pk).finisher_task_id != before


# --- downloads ----------------------------------------------------------------------------------------------


def test_requester_can_download_the_zip_and_it_is_audited(cast, caseload, login):
    batch = ready_batch(cast.therapist, caseload)
    response = login(cast.therapist).get(reverse("reports:batch-download", args=[batch.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="progress-reports-{month_key()}.zip"'
    assert "no-store" in response["Cache-Control"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == sorted(pdf_name(c) for c in caseload)
    event = AuditEvent.objects.get(action="report.download")
    assert (event.object_id, event.object_type, event.actor_id) == (str(batch.pk), "reports.reportbatch",
                                                                     cast.therapist.pk)


def test_requester_can_download_one_report_and_it_is_audited(cast, caseload, login):
    batch = ready_batch(cast.therapist, caseload)
    report = GeneratedReport.objects.get(batch=batch, couple=cast.couple)
    response = login(cast.therapist).get(reverse("reports:report-download", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{pdf_name(cast.couple)}"')
    assert response.content == fake_pdf(report)
    event = AuditEvent.objects.get(action="report.download")
    assert (event.object_id, event.couple_id) == (str(report.pk), cast.couple.pk)


@pytest.mark.parametrize("role", OTHERS)
def test_nobody_but_the_requester_can_reach_a_batch_or_its_files(cast, caseload, login, role):
    batch = ready_batch(cast.therapist, caseload)
    report = GeneratedReport.objects.get(batch=batch, couple=cast.couple)
    client = login(getattr(cast, role))
    urls = [reverse(f"reports:batch-{view}", args=[batch.pk]) for view in ("detail", "progress", "download")]
    for url in [*urls, reverse("reports:report-download", args=[report.pk])]:
        assert client.get(url).status_code == 404, url
    assert not AuditEvent.objects.filter(action="report.download").exists()
    assert AuditEvent.objects.filter(action="access.denied", actor_id=getattr(cast, role).pk).count() == 4


@pytest.mark.parametrize("role", ["therapist", "co_therapist", "supervisor", "stranger", "admin", "outsider"])
def test_nobody_but_the_manager_who_asked_can_reach_the_practice_pack(cast, login, role):
    batch = ready_batch(cast.manager)
    client = login(getattr(cast, role))
    assert client.get(reverse("reports:batch-download", args=[batch.pk])).status_code == 404
    assert client.get(reverse("reports:report-download", args=[first_report(batch).pk])).status_code == 404


def test_requester_who_left_the_care_team_cannot_download_that_couples_report(cast, caseload, login):
    batch = ready_batch(cast.therapist, caseload)
    report = GeneratedReport.objects.get(batch=batch, couple=cast.couple)
    CareTeamMember.objects.filter(couple=cast.couple, user=cast.therapist).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1))
    assert login(cast.therapist).get(reverse("reports:report-download", args=[report.pk])).status_code == 404


def test_unfinished_batch_has_nothing_to_download(cast, caseload, login):
    client = login(cast.therapist)
    client.post(reverse("reports:batch-list"), {"month": month_key()})
    batch = ReportBatch.objects.get()
    response = client.get(reverse("reports:batch-download", args=[batch.pk]))
    assert response.status_code == 404 and "Not ready yet" in response.content.decode()
    report = first_report(batch)
    assert client.get(reverse("reports:report-download", args=[report.pk])).status_code == 404


def test_expired_batch_and_files_are_gone_and_the_page_says_so(cast, caseload, login):
    batch = ready_batch(cast.therapist, caseload)
    report = first_report(batch)
    files.reports_expire(now=batch.expires_at + datetime.timedelta(seconds=1))
    client = login(cast.therapist)
    for url in (reverse("reports:batch-download", args=[batch.pk]),
                reverse("reports:report-download", args=[report.pk])):
        response = client.get(url)
        assert response.status_code == 410
        assert "has expired" in response.content.decode()
    page = client.get(reverse("reports:batch-detail", args=[batch.pk])).content.decode()
    assert "Expired" in page and "were deleted" in page and "Download ZIP" not in page
    assert "Deleted" in client.get(reverse("reports:batch-list")).content.decode()
    assert not AuditEvent.objects.filter(action="report.download").exists()


# --- query counts -------------------------------------------------------------------------------------------


def _count(client, url) -> int:
    client.get(url)  # warm-up: sessions, keys
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db(transaction=True)
def test_batch_list_query_count_does_not_grow_with_batches(cast, login, django_assert_max_num_queries):
    client = login(cast.therapist)
    ready_batch(cast.therapist, [cast.couple])
    small = _count(client, reverse("reports:batch-list"))
    for _ in range(6):
        ready_batch(cast.therapist, [cast.couple])
    with django_assert_max_num_queries(small):
        client.get(reverse("reports:batch-list"))


@pytest.mark.django_db(transaction=True)
def test_batch_detail_query_count_does_not_grow_with_reports(cast, login, django_assert_max_num_queries):
    client = login(cast.therapist)
    small_batch = ready_batch(cast.therapist, [cast.couple])
    small = _count(client, reverse("reports:batch-detail", args=[small_batch.pk]))
    couples = [cast.couple, *[CoupleFactory(practice=cast.practice, primary=cast.therapist) for _ in range(8)]]
    big_batch = ready_batch(cast.therapist, couples)
    with django_assert_max_num_queries(small):
        response = client.get(reverse("reports:batch-detail", args=[big_batch.pk]))
    assert len(re.findall(r"reports/files/[0-9a-f-]+/download/", response.content.decode())) == 9
