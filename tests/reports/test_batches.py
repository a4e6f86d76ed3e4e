"""Report batches, service level: creating a batch, generating its reports (claims, attempts, failures, workers
presumed dead), the ZIP, expiry. Tasks run inline (immediate backend) or are called directly; the real worker
processes are in test_worker.py."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit.models import AuditEvent
from clinic.models import CareTeamMember
from reports.models import GeneratedReport, ReportBatch, ReportKind, ReportStatus
from reports.selectors import batches as batch_selectors
from reports.services import batch_state, batches, files, finishing, generation
from tests.factories import CoupleFactory
from tests.reports.batch_helpers import (
    IMMEDIATE_TASKS,
    downloaded_zip,
    fake_pdf,
    last_month,
    month_key,
    pdf_name,
    ready_batch,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate(settings):
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def stub_render(monkeypatch):
    """Replace the PDF builders with fake_pdf; returns the list of reports rendered, in order."""
    rendered = []

    def render(report):
        rendered.append(report.pk)
        return fake_pdf(report)

    monkeypatch.setattr(generation, "render_report", render)
    return rendered


@pytest.fixture
def caseload(cast):
    """The therapist's active couples (cast.couple and two more), plus couples that must not be in the batch."""
    extra = [CoupleFactory(practice=cast.practice, primary=cast.therapist) for _ in range(2)]
    CoupleFactory(practice=cast.practice, primary=cast.therapist, status="discharged")
    CoupleFactory(practice=cast.practice, primary=cast.stranger)
    return [cast.couple, *extra]


def raw_column(table: str, column: str, pk) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk.hex if connection.vendor == "sqlite"
                                                                       else pk])
        return bytes(cursor.fetchone()[0])


def events(action: str, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


# --- asking for a batch ---------------------------------------------------------------------------------


def test_therapist_can_get_a_progress_report_for_each_active_couple_in_one_zip(
        cast, caseload, immediate, stub_render):
    batch = batches.batch_create(by=cast.therapist, month_start=last_month())
    batch.refresh_from_db()
    assert batch.kind == ReportKind.PROGRESS
    assert (batch.status, batch.total, batch.completed, batch.failed) == (ReportStatus.READY, 3, 3, 0)
    assert batch.archive_name == f"progress-reports-{month_key()}.zip"
    start, end = batches.month_bounds(last_month())
    assert (batch.period_start, batch.period_end) == (start, end)
    reports = list(GeneratedReport.objects.filter(batch=batch).order_by("file_name"))
    assert sorted(r.couple_id for r in reports) == sorted(c.pk for c in caseload)
    entries = downloaded_zip(batch)
    assert sorted(entries) == sorted(pdf_name(c) for c in caseload)
    for report in reports:
        assert report.status == ReportStatus.READY and report.attempts == 1
        assert entries[report.file_name] == report.content == fake_pdf(report)
        assert report.size_bytes == len(report.content)
    assert len(stub_render) == 3


def test_generated_files_are_stored_encrypted(cast, caseload, immediate, stub_render):
    batch = batches.batch_create(by=cast.therapist, month_start=last_month())
    report = GeneratedReport.objects.filter(batch=batch).first()
    assert b"%PDF" not in raw_column("reports_generatedreport", "content", report.pk)
    # No ZIP is stored at all (none under the practice's key to outlive a couple's shredding).
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "reports_reportbatch")}
    assert "archive" not in columns and ReportBatch.objects.filter(pk=batch.pk).exists()


def test_batch_creation_writes_tasks_and_an_audit_event_without_names(cast, caseload):
    batch = batches.batch_create(by=cast.therapist, month_start=last_month(), include_notes=False)
    reports = list(GeneratedReport.objects.filter(batch=batch))
    assert all(r.status == ReportStatus.QUEUED and r.task_id for r in reports)
    tasks = DBTaskResult.objects.filter(queue_name="reports")
    assert {str(t.id) for t in tasks if t.task_path.endswith("generate_report")} == {r.task_id for r in reports}
    finisher = tasks.get(task_path="reports.tasks.finish_batch")
    assert str(finisher.id) == ReportBatch.objects.get(pk=batch.pk).finisher_task_id
    assert finisher.run_after > timezone.now()  # it looks in a little later, after the first reports
    event = events("report.batch_create").get()
    assert event.object_id == str(batch.pk) and event.actor_id == cast.therapist.pk
    assert event.detail == {"kind": "progress", "reports": 3, "period": month_key()}
    assert all(r.options == {"include_notes": False} for r in reports)


def test_practice_manager_gets_the_practice_pack(cast, immediate, monkeypatch):
    monkeypatch.setattr(generation, "render_report", lambda report: b"%PDF" if report.content_type == batch_state.PDF
                        else b"section,count\n")
    batch = batches.batch_create(by=cast.manager, month_start=last_month())
    batch.refresh_from_db()
    assert batch.kind == ReportKind.PRACTICE and batch.status == ReportStatus.READY
    assert batch.archive_name == f"practice-report-{month_key()}.zip"
    assert sorted(downloaded_zip(batch)) == [f"practice-report-{month_key()}.csv", f"practice-report-{month_key()}.pdf"]
    assert not GeneratedReport.objects.filter(batch=batch, couple__isnull=False).exists()


@pytest.mark.parametrize("role", ["admin"])
def test_admin_cannot_ask_for_a_batch(cast, role):
    with pytest.raises(ValidationError):
        batches.batch_create(by=getattr(cast, role), month_start=last_month())
    assert not ReportBatch.objects.exists()


def test_therapist_without_active_couples_cannot_ask_for_a_batch(cast):
    with pytest.raises(ValidationError, match="no active couples"):
        batches.batch_create(by=cast.stranger, month_start=last_month())


def test_nobody_can_ask_for_a_month_that_has_not_started(cast):
    next_month = (timezone.localdate().replace(day=28) + datetime.timedelta(days=5)).replace(day=1)
    with pytest.raises(ValidationError):
        batches.batch_create(by=cast.therapist, month_start=next_month)


# --- generating: claims, idempotency, attempts ---------------------------------------------------------


def test_progress_numbers_follow_each_report(cast, caseload, stub_render):
    batch = batches.batch_create(by=cast.therapist, month_start=last_month())
    ids = list(GeneratedReport.objects.filter(batch=batch).order_by("file_name").values_list("pk", flat=True))
    assert (batch.status, batch.completed) == (ReportStatus.QUEUED, 0)
    assert generation.report_generate(report_id=ids[0]) == "ready"
    batch.refresh_from_db()
    assert (batch.status, batch.completed, batch.failed, batch.total) == (ReportStatus.RUNNING, 1, 0, 3)
    generation.report_generate(report_id=ids[1])
    batch.refresh_from_db()
    assert (batch.status, batch.completed) == (ReportStatus.RUNNING, 2)
    generation.report_generate(report_id=ids[2])
    batch.refresh_from_db()
    assert (batch.status, batch.completed) == (ReportStatus.READY, 3)
    assert events("report.batch_ready").get().detail["ready"] == 3


def test_a_report_is_generated_once_however_often_its_task_runs(cast, caseload, stub_render):
    batch = batches.batch_create(by=cast.therapist, month_start=last_month())
    report = GeneratedReport.objects.filter(batch=batch).first()
    assert generation.report_generate(report_id=report.pk) == "ready"
    assert generation.report_generate(report_id=report.pk) == "skipped"
    report.refresh_from_db()
    assert report.attempts == 1 and len(stub_render) == 1
    assert events("report.generate", object_id=str(report.pk)).count() == 1


def test_a_report_another_worker_is_generating_is_left_alone(cast, caseload, stub_render):
    batches.batch_create(by=cast.therapist, month_start=last_month())
    report = GeneratedReport.objects.first()
    assert generation._claim(report.pk) == 1  # worker 1 takes it
    assert generation.report_generate(report_id=report.pk) == "skipped"  # worker 2 finds it taken
    assert stub_render == []


def test_a_worker_presumed_dead_loses_its_claim_and_its_late_result(cast, caseload, stub_render, settings):
    batches.batch_create(by=cast.therapist, month_start=last_month())
    report = GeneratedReport.objects.first()
    assert generation._claim(report.pk) == 1  # worker 1 takes it, then goes quiet
    GeneratedReport.objects.filter(pk=report.pk).update(
        started_at=timezone.now() - datetime.timedelta(seconds=settings.RAPPORT_REPORT_STALE_SECONDS + 1))
    assert generation.report_generate(report_id=report.pk) == "ready"  # worker 2 takes over (attempt 2)
    report.refresh_from_db()
    delivered = report.content
    assert report.attempts == 2
    # Worker 1 wakes up and tries to store its copy: refused, the report stays as delivered.
    assert generation._store(report, 1, b"%PDF late copy") == "skipped"
    report.refresh_from_db()
    assert report.content == delivered
    assert events("report.generate", object_id=str(report.pk)).count() == 1


def test_failing_report_is_tried_three_times_then_reported_without_clinical_text(
        cast, caseload, immediate, monkeypatch):
    calls = []

    def render(report):
        calls.append(report.couple_id)
        if report.couple_id == cast.couple.pk:
            raise RuntimeError("Partner disclosed the lighthouse secret")
        return fake_pdf(report)

    monkeypatch.setattr(generation, "render_report", render)
    batch = batches.batch_create(by=cast.therapist, month_start=last_month())
    batch.refresh_from_db()
    failed = GeneratedReport.objects.get(batch=batch, couple=cast.couple)
    assert calls.count(cast.couple.pk) == 3
    assert (failed.status, failed.attempts, failed.content) == (ReportStatus.FAILED, 3, None)
    assert "RuntimeError" in failed.error and "lighthouse" not in failed.error
    # The batch still completes, with a note of what failed, in the page data and in the ZIP.
    assert (batch.status, batch.completed, batch.failed) == (ReportStatus.READY, 2, 1)
    entries = downloaded_zip(batch)
    assert len([name for name in entries if name.endswith(".pdf")]) == 2
    note = entries[files.FAILURES_FILE].decode()
    assert cast.couple.reference in note and "lighthouse" not in note
    audit = AuditEvent.objects.filter(action="report.generate", outcome="failed").get()
    assert "lighthouse" not in str(audit.detail)


def test_batch_where_every_report_fails_is_failed_without_a_zip(cast, immediate, monkeypatch):
    monkeypatch.setattr(generation, "render_report", lambda report: 1 / 0)
    batch = batches.batch_create(by=cast.therapist, month_start=last_month())
    batch.refresh_from_db()
    assert (batch.status, batch.failed) == (ReportStatus.FAILED, 1)


def test_report_for_a_couple_the_requester_left_fails_at_once(cast, caseload, immediate, monkeypatch):
    real = generation.render_report
    CareTeamMember.objects.filter(couple=cast.couple, user=cast.therapist).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1))
    monkeypatch.setattr(generation, "render_report",
                        lambda r: real(r) if r.couple_id == cast.couple.pk else fake_pdf(r))
    # The batch was asked for while on the team; the team changed before a worker got to it.
    monkeypatch.setattr(batches, "batch_couples", lambda user: caseload)
    batch = batches.batch_create(by=cast.therapist, month_start=last_month())
    left = GeneratedReport.objects.get(batch=batch, couple=cast.couple)
    assert (left.status, left.attempts) == (ReportStatus.FAILED, 1)
    assert "no longer see" in left.error


# --- recovery: dead workers, lost tasks, the finishing step ----------------------------------------------


def _age(report_ids, seconds):
    moment = timezone.now() - datetime.timedelta(seconds=seconds)
    GeneratedReport.objects.filter(pk__in=report_ids).update(started_at=moment, created_at=moment)


def test_report_left_running_by_a_dead_worker_is_requeued(cast, caseload, settings, stub_render):
    batches.batch_create(by=cast.therapist, month_start=last_month())
    report = GeneratedReport.objects.first()
    generation._claim(report.pk)
    assert finishing.reports_recover() == 0  # still within the time a live worker is given
    _age([report.pk], settings.RAPPORT_REPORT_STALE_SECONDS + 5)
    old_task = GeneratedReport.objects.get(pk=report.pk).task_id
    assert finishing.reports_recover() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED and report.task_id != old_task
    assert DBTaskResult.objects.filter(pk=report.task_id, status="READY").exists()
    assert generation.report_generate(report_id=report.pk) == "ready"


def test_report_whose_worker_died_three_times_is_failed_and_the_batch_completes(cast, settings, stub_render):
    batch = batches.batch_create(by=cast.therapist, month_start=last_month())
    report = GeneratedReport.objects.get(batch=batch)
    GeneratedReport.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING, attempts=3)
    _age([report.pk], settings.RAPPORT_REPORT_STALE_SECONDS + 5)
    assert generation.report_generate(report_id=report.pk) == "skipped"  # no fourth attempt
    finishing.reports_recover()
    report.refresh_from_db()
    batch.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "stopped" in report.error
    assert batch.status == ReportStatus.FAILED


def test_queued_report_whose_task_was_lost_is_requeued(cast, caseload, settings):
    batch = batches.batch_create(by=cast.therapist, month_start=last_month())
    reports = list(GeneratedReport.objects.filter(batch=batch))
    _age([r.pk for r in reports], settings.RAPPORT_REPORT_STALE_SECONDS + 5)
    DBTaskResult.objects.filter(pk=reports[0].task_id).delete()  # lost
    DBTaskResult.objects.filter(pk=reports[1].task_id).update(status="SUCCESSFUL")  # ran, found nothing to do
    assert finishing.reports_recover(batch_id=batch.pk) == 2
    assert GeneratedReport.objects.get(pk=reports[2].pk).task_id == reports[2].task_id  # still waiting: left alone


def test_finishing_step_assembles_when_done_and_waits_otherwise(cast, caseload, stub_render):
    batch = batches.batch_create(by=cast.therapist, month_start=last_month())
    batch.refresh_from_db()
    first_finisher = batch.finisher_task_id
    assert finishing.batch_finish(batch_id=batch.pk, finisher_id=first_finisher) == "waiting"
    batch.refresh_from_db()
    assert batch.finisher_task_id != first_finisher  # it rescheduled itself
    assert finishing.batch_finish(batch_id=batch.pk, finisher_id=first_finisher) == "superseded"
    # Reports done, but the last one's worker died before building the ZIP: the finishing step builds it.
    for report in GeneratedReport.objects.filter(batch=batch):
        report.content, report.status = fake_pdf(report), ReportStatus.READY
        report.save()
    assert finishing.batch_finish(batch_id=batch.pk, finisher_id=batch.finisher_task_id) == "assembled"
    assert ReportBatch.objects.get(pk=batch.pk).status == ReportStatus.READY
    assert finishing.batch_finish(batch_id=batch.pk) == "done"


def test_batch_on_which_nothing_moved_gets_a_new_finishing_step(cast, caseload, settings):
    batch = batches.batch_create(by=cast.therapist, month_start=last_month())
    batch.refresh_from_db()
    assert finishing.batch_nudge(batch=batch) is False
    ReportBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=settings.RAPPORT_REPORT_STALE_SECONDS + 1))
    batch.refresh_from_db()
    assert batch_selectors.stalled_batches() == [batch]
    before = batch.finisher_task_id
    assert finishing.batch_nudge(batch=batch) is True
    batch.refresh_from_db()
    assert batch.finisher_task_id != before and batch_selectors.stalled_batches() == []


# --- expiry ---------------------------------------------------------------------------------------------------


def test_expired_files_lose_their_content(cast, caseload):
    batch = ready_batch(cast.therapist, caseload)
    later = batch.expires_at + datetime.timedelta(seconds=1)
    assert files.reports_expire(now=batch.expires_at - datetime.timedelta(minutes=1)).reports == 0
    result = files.reports_expire(now=later)
    assert (result.reports, result.batches) == (3, 1)
    batch.refresh_from_db()
    assert batch.status == ReportStatus.EXPIRED
    assert all(r.status == ReportStatus.EXPIRED and r.content is None
               for r in GeneratedReport.objects.filter(batch=batch))
    assert events("report.expire").get().detail == {"reports": 3, "batches": 1}
    assert files.reports_expire(now=later).reports == 0  # nothing twice


def test_files_expire_after_the_configured_hours(cast, caseload, settings):
    settings.RAPPORT_REPORT_EXPIRY_HOURS = 2
    batch = ready_batch(cast.therapist, caseload)
    assert datetime.timedelta(hours=1, minutes=59) < batch.expires_at - timezone.now() <= datetime.timedelta(hours=2)


def test_expire_reports_command_deletes_expired_files(cast, caseload, settings):
    batch = ready_batch(cast.therapist, caseload)
    ReportBatch.objects.filter(pk=batch.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    out = io.StringIO()
    call_command("expire_reports", stdout=out)
    assert "Expired 3 report file(s) and 1 batch ZIP(s)" in out.getvalue()
    assert ReportBatch.objects.get(pk=batch.pk).status == ReportStatus.EXPIRED


# --- the real builders ------------------------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_real_builders_make_the_progress_reports_and_the_practice_pack(cast, immediate):
    partner_names = [p.client.last_name for p in cast.couple.partners.all()]
    progress = batches.batch_create(by=cast.therapist, month_start=last_month())
    report = GeneratedReport.objects.get(batch=progress)
    assert report.status == ReportStatus.READY, report.error
    text = _pdf_text(report.content)
    assert cast.couple.reference in text and "Confidential" in text
    pack = batches.batch_create(by=cast.manager, month_start=last_month())
    pack.refresh_from_db()
    assert pack.status == ReportStatus.READY
    entries = downloaded_zip(pack)
    csv_text = entries[f"practice-report-{month_key()}.csv"].decode("utf-8-sig")
    pdf_text = _pdf_text(entries[f"practice-report-{month_key()}.pdf"])
    for name in partner_names:
        assert name not in csv_text and name not in pdf_text


def test_workers_expire_files_and_requeue_orphans_now_and_then(cast, caseload, monkeypatch, settings):
    batch = ready_batch(cast.therapist, caseload)
    ReportBatch.objects.filter(pk=batch.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    monkeypatch.setattr(finishing, "_last_sweep", 0.0)
    finishing.sweep_if_due()
    assert ReportBatch.objects.get(pk=batch.pk).status == ReportStatus.EXPIRED
    other = ready_batch(cast.therapist, caseload)
    ReportBatch.objects.filter(pk=other.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    finishing.sweep_if_due()  # too soon after the last sweep: nothing happens
    assert ReportBatch.objects.get(pk=other.pk).status == ReportStatus.READY
