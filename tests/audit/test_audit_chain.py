"""The audit chain: verify_audit finds edited and deleted events; PostgreSQL refuses to change them at all."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit.chain import GENESIS_HASH, compute_hash, verify_chain
from audit.models import AuditEvent
from audit.services import record_event

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")


@contextmanager
def append_only_trigger_disabled():
    """Let a test play the attacker with direct database access (on PostgreSQL, one who can drop triggers)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE clinic_auditevent DISABLE TRIGGER clinic_auditevent_append_only")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE clinic_auditevent ENABLE TRIGGER clinic_auditevent_append_only")


def five_events(user) -> list[AuditEvent]:
    return [record_event("couple.view", actor=user, object_type="clinic.couple", object_id=str(n)) for n in range(5)]


def verify_audit() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_verify_audit_reports_an_intact_chain(cast):
    five_events(cast.therapist)
    assert verify_audit().splitlines()[0] == f"{AuditEvent.objects.count()} events verified, chain intact"


def test_verify_audit_passes_an_empty_trail():
    assert verify_audit().splitlines()[0] == "0 events verified, chain intact"


def test_verify_audit_catches_an_edited_event(cast):
    events = five_events(cast.therapist)
    with append_only_trigger_disabled():
        AuditEvent.objects.filter(pk=events[2].pk).update(action="couple.update")
    with pytest.raises(CommandError) as caught:
        verify_audit()
    assert caught.value.returncode == 1
    assert f"event {events[2].pk}:" in str(caught.value)
    assert "was edited" in str(caught.value)


def test_verify_audit_catches_an_edited_event_whose_hash_was_recomputed(cast):
    events = five_events(cast.therapist)
    forged = AuditEvent.objects.get(pk=events[2].pk)
    forged.object_id = "someone-else"
    with append_only_trigger_disabled():
        AuditEvent.objects.filter(pk=forged.pk).update(
            object_id=forged.object_id, hash=compute_hash(forged.prev_hash, forged)
        )
    with pytest.raises(CommandError) as caught:
        verify_audit()
    assert f"event {events[3].pk}:" in str(caught.value)
    assert "deleted or edited" in str(caught.value)


def test_verify_audit_catches_a_deleted_event(cast):
    events = five_events(cast.therapist)
    with append_only_trigger_disabled():
        AuditEvent.objects.filter(pk=events[2].pk).delete()
    with pytest.raises(CommandError) as caught:
        verify_audit()
    assert f"event {events[3].pk}:" in str(caught.value)
    assert "deleted" in str(caught.value)


def test_verify_audit_exits_1_from_the_command_line(cast, capsys):
    from django.core.management import ManagementUtility

    events = five_events(cast.therapist)
    with append_only_trigger_disabled():
        AuditEvent.objects.filter(pk=events[1].pk).delete()
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "verify_audit"]).execute()
    assert exited.value.code == 1
    assert f"Audit chain broken at event {events[2].pk}" in capsys.readouterr().err


@postgresql_only
def test_database_refuses_to_update_an_audit_event(cast):
    event = record_event("couple.view", actor=cast.therapist)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="couple.update")
    assert AuditEvent.objects.get(pk=event.pk).action == "couple.view"


@postgresql_only
def test_database_refuses_to_delete_an_audit_event(cast):
    event = record_event("couple.view", actor=cast.therapist)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM clinic_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def assert_linear(events: list[AuditEvent]) -> None:
    previous = GENESIS_HASH
    for event in events:
        assert event.prev_hash == previous
        assert compute_hash(event.prev_hash, event) == event.hash
        previous = event.hash


def test_interleaved_writes_keep_the_chain_linear(cast):
    for number in range(10):
        record_event("couple.view", actor=cast.therapist, object_id=str(number))
        record_event("couple.view", actor=cast.co_therapist, object_id=str(number))
        with transaction.atomic():
            record_event("couple.update", actor=cast.therapist, object_id=str(number))
            record_event("partner.update", actor=cast.therapist, object_id=str(number))
    events = list(AuditEvent.objects.order_by("id"))
    assert_linear(events)
    assert len({event.prev_hash for event in events}) == len(events)
    assert verify_chain() == (len(events), None)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_the_chain_linear():
    """Four connections write at once; the advisory lock must stop two events claiming the same predecessor."""
    from django.db import connections

    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def write(worker: int) -> None:
        try:
            start.wait()
            for number in range(15):
                with transaction.atomic():
                    record_event("couple.view", object_type="test", object_id=f"{worker}-{number}")
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    events = list(AuditEvent.objects.filter(object_type="test").order_by("id"))
    assert len(events) == 60
    assert_linear(list(AuditEvent.objects.order_by("id")))
    assert verify_chain()[1] is None
