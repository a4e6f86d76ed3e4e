"""Single PDFs off the page workers (issue 15, item 2): the Reports page's button queues the report on the `pdf`
queue, the report's page polls until a task worker has made it, the download checks access again and is audited,
the file is encrypted at rest and expires."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit.models import AuditEvent
from clinic.models import CareTeamMember
from clinic.services.couples import care_team_end
from reports.models import GeneratedReport, ReportKind, ReportStatus
from reports.selectors.single import report_state
from reports.services import generation
from reports.services.files import reports_expire
from reports.services.finishing import reports_recover
from reports.services.single import progress_options, report_request
from tests.reports.batch_helpers import single_report
from tests.reports.pdf_support import pdf_text
from tests.reports.single_helpers import download_link

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def stub_pdf(monkeypatch):
    """The PDF builders replaced by a stand-in that records its options (a real PDF takes about a second)."""
    made = []

    def progress(**kwargs):
        made.append(("progress", kwargs))
        return b"%PDF-1.7 stand-in progress"

    def discharge(**kwargs):
        made.append(("discharge", kwargs))
        return b"%PDF-1.7 stand-in summary"

    monkeypatch.setattr(generation, "progress_report_pdf", progress)
    monkeypatch.setattr(generation, "discharge_summary_pdf", discharge)
    return made


def progress_url(cast) -> str:
    return reverse("reports:progress-pdf", args=[cast.couple.pk])


def run_pdf_worker() -> None:
    """What `make run`'s second worker does: run every task waiting on the `pdf` queue, then stop."""
    call_command("db_worker", "--queue-name", "pdf", "--batch", "--no-startup-delay", "--no-reload",
                 "--verbosity", "0")


def test_asking_queues_one_task_on_the_pdf_queue_and_renders_nothing_in_the_request(cast, login, stub_pdf):
    client = login(cast.therapist)
    response = client.post(progress_url(cast))
    assert response.status_code == 303
    report = GeneratedReport.objects.get()
    assert response["Location"] == reverse("reports:report-detail", args=[report.pk])
    assert stub_pdf == []  # nothing rendered by the web request
    assert report.status == ReportStatus.QUEUED and report.batch_id is None and report.content is None
    assert report.requested_by_id == cast.therapist.pk and report.couple_id == cast.couple.pk
    assert report.options == progress_options()
    task = DBTaskResult.objects.get(pk=report.task_id)
    assert task.queue_name == "pdf" and task.status == "READY"
    assert report.expires_at > timezone.now() + datetime.timedelta(hours=23)


# The worker's loop calls close_old_connections(), which on PostgreSQL closes a connection left inside the test's
# transaction: this test commits, as a real worker sees only committed rows anyway.
@pytest.mark.django_db(transaction=True)
def test_the_page_polls_accessibly_until_a_worker_has_made_it_then_offers_the_download(cast, login):
    client = login(cast.therapist)
    page = client.get(client.post(progress_url(cast))["Location"]).content.decode()
    report = GeneratedReport.objects.get()
    status_url = reverse("reports:report-status", args=[report.pk])
    assert "Preparing…" in page and 'role="status"' in page and 'aria-live="polite"' in page
    assert f'hx-get="{status_url}?seen=queued-0' in page and 'hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh"' in page  # without JavaScript the page refreshes itself
    assert "Refresh to see if it is ready" in page
    assert "/download/" not in page
    # Nothing changed: 204, nothing to swap.
    assert client.get(status_url, {"seen": "queued-0"}, **HTMX).status_code == 204
    # Downloading too early: not ready (404), nothing handed out.
    early = client.get(reverse("reports:report-download", args=[report.pk]))
    assert early.status_code == 404 and "See how far the report has got" in early.content.decode()

    run_pdf_worker()  # a real worker process's loop, on the pdf queue only; a real PDF

    report.refresh_from_db()
    assert report.status == ReportStatus.READY and report.attempts == 1
    section = client.get(status_url, {"seen": "queued-0"}, **HTMX).content.decode()
    assert "Ready to download" in section and 'hx-trigger' not in section
    assert 'id="report-announce" hx-swap-oob="innerHTML">The report is ready to download.' in section
    download = client.get(download_link(section))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="{report.file_name}"'
    assert cast.couple.partner_a.client.full_name in pdf_text(download.content)
    actions = list(AuditEvent.objects.filter(object_id=str(report.pk)).order_by("id").values_list("action", flat=True))
    assert actions == ["report.request", "report.generate", "report.download"]


def test_the_file_is_encrypted_at_rest(cast, login, stub_pdf, immediate_tasks):
    login(cast.therapist).post(progress_url(cast))
    report = GeneratedReport.objects.get()
    assert report.status == ReportStatus.READY and report.content == b"%PDF-1.7 stand-in progress"
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM reports_generatedreport WHERE id = %s", [report.pk.hex
                       if connection.vendor == "sqlite" else str(report.pk)])
        raw = bytes(cursor.fetchone()[0])
    assert b"%PDF" not in raw and b"stand-in" not in raw


def test_every_option_and_kind_reaches_the_worker(cast, login, stub_pdf, immediate_tasks):
    client = login(cast.therapist)
    client.post(progress_url(cast), {"start": "2026-01-01", "end": "2026-01-31", "audience": "couple",
                                     "full_scores": "on", "exclude_partner": "b"})
    client.post(reverse("reports:discharge-pdf", args=[cast.couple.pk]), {"full_scores": "on"})
    (kind1, progress), (kind2, discharge) = stub_pdf
    assert kind1 == "progress" and kind2 == "discharge"
    assert (progress["period_start"], progress["period_end"]) == (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    assert progress["audience"] == "couple" and progress["full_scores"] is True
    assert progress["exclude_partner"] == "b" and progress["include_notes"] is False
    assert progress["user"] == cast.therapist and discharge["full_scores"] is True
    names = set(GeneratedReport.objects.values_list("file_name", flat=True))
    assert f"{cast.couple.reference}_progress-for-couple_2026-01-01_2026-01-31.pdf" in names
    assert any("_treatment-summary_" in name for name in names)


def test_a_double_click_gives_the_same_job(cast, login):
    client = login(cast.therapist)
    first = client.post(progress_url(cast))["Location"]
    second = client.post(progress_url(cast))["Location"]
    assert first == second and GeneratedReport.objects.count() == 1
    other = client.post(progress_url(cast), {"start": "2026-01-01", "end": "2026-01-31"})["Location"]
    assert other != first and GeneratedReport.objects.count() == 2


def test_access_is_checked_again_at_download(cast, login, stub_pdf, immediate_tasks):
    client = login(cast.co_therapist)
    client.post(progress_url(cast))
    report = GeneratedReport.objects.get()
    url = reverse("reports:report-download", args=[report.pk])
    member = CareTeamMember.objects.get(couple=cast.couple, user=cast.co_therapist)
    care_team_end(member=member, by=cast.manager, end_date=timezone.localdate() - datetime.timedelta(days=1))
    for path in (url, reverse("reports:report-detail", args=[report.pk])):
        assert client.get(path).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor_id=cast.co_therapist.pk, object_id=str(report.pk),
                                     detail__reason="access_lost").exists()
    assert not AuditEvent.objects.filter(action="report.download").exists()


def test_access_lost_before_the_worker_ran_fails_the_report_without_retrying(cast, login):
    client = login(cast.co_therapist)
    client.post(progress_url(cast))
    report = GeneratedReport.objects.get()
    member = CareTeamMember.objects.get(couple=cast.couple, user=cast.co_therapist)
    care_team_end(member=member, by=cast.manager, end_date=timezone.localdate() - datetime.timedelta(days=1))
    assert generation.report_generate(report_id=report.pk) == "failed"
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.content is None
    assert "may no longer see this record" in report.error


def test_only_the_person_who_asked_sees_the_page(cast, login, client):
    report = single_report(cast.therapist, cast.couple)
    for user in (cast.co_therapist, cast.supervisor, cast.manager):
        login(user)
        assert client.get(reverse("reports:report-detail", args=[report.pk])).status_code == 404
        assert client.get(reverse("reports:report-status", args=[report.pk])).status_code == 404


def test_expired_files_are_gone(cast, login):
    report = single_report(cast.therapist, cast.couple, status=ReportStatus.READY)
    client = login(cast.therapist)
    GeneratedReport.objects.filter(pk=report.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    # Past its expiry before the sweep: already gone for the page and the download.
    page = client.get(reverse("reports:report-detail", args=[report.pk])).content.decode()
    assert "Expired" in page and "/download/" not in page
    gone = client.get(reverse("reports:report-download", args=[report.pk]))
    assert gone.status_code == 410 and reverse("reports:couple-reports", args=[cast.couple.pk]) in gone.content.decode()
    assert reports_expire().reports == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.EXPIRED and report.content is None
    assert client.get(reverse("reports:report-download", args=[report.pk])).status_code == 410


def test_a_report_left_running_by_a_dead_worker_is_requeued_on_the_pdf_queue(cast, settings):
    report = report_request(by=cast.therapist, couple=cast.couple, kind=ReportKind.DISCHARGE,
                            options={"full_scores": False})
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.RAPPORT_REPORT_STALE_SECONDS + 5)
    GeneratedReport.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING, started_at=long_ago, attempts=1,
                                                        created_at=long_ago)
    assert reports_recover() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED
    assert DBTaskResult.objects.get(pk=report.task_id).queue_name == "pdf"


def test_a_slow_queue_says_so(cast):
    report = single_report(cast.therapist, cast.couple)
    assert report_state(report).slow is False
    later = report.created_at + datetime.timedelta(minutes=1)
    state = report_state(report, now=later)
    assert state.slow is True and state.signature == "queued-1"


def test_the_reports_page_lists_the_reports_asked_for_recently(cast, login):
    mine = single_report(cast.therapist, cast.couple, status=ReportStatus.READY)
    theirs = single_report(cast.co_therapist, cast.couple)
    html = login(cast.therapist).get(reverse("reports:couple-reports", args=[cast.couple.pk])).content.decode()
    assert "Reports you asked for recently" in html
    assert reverse("reports:report-detail", args=[mine.pk]) in html
    assert reverse("reports:report-detail", args=[theirs.pk]) not in html


def test_polling_costs_a_fixed_few_queries(cast, login):
    client = login(cast.therapist)
    counts = []
    for status in (ReportStatus.QUEUED, ReportStatus.READY):
        report = single_report(cast.therapist, cast.couple, status=status)
        url = reverse("reports:report-status", args=[report.pk])
        client.get(url, **HTMX)  # warm: the session's first read
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"seen": "queued-0"}, **HTMX)
        assert response.status_code == (204 if status == ReportStatus.QUEUED else 200)
        counts.append(len(queries))
    # Session, user, the report (with its couple), the access check: nothing grows with the practice's size.
    assert counts[0] == counts[1] and counts[0] <= 8, counts


def test_no_names_in_urls_or_events(cast, login, stub_pdf, immediate_tasks):
    client = login(cast.therapist)
    location = client.post(progress_url(cast))["Location"]
    names = [cast.couple.partner_a.client.last_name, cast.couple.partner_b.client.last_name]
    events = " ".join(str(event.detail) for event in AuditEvent.objects.all())
    page = client.get(location).content.decode()
    link = download_link(page)
    for name in names:
        assert name not in location and name not in link and name not in events
    assert re.search(r"/reports/files/[0-9a-f-]+/download/", link)
