"""An audit chain a database writer cannot forge (issue 16, item 6): hashes keyed with the audit key from the key
provider, events from before keying still verified, and a keyed checkpoint outside the database that catches a
rewritten chain and a cut tail. PostgreSQL also refuses TRUNCATE of the trail and of signed notes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from audit import checkpoint as checkpoints
from audit.chain import GENESIS_HASH, KEYED_PREFIX, _canonical, compute_hash, walk_chain
from audit.models import AuditEvent
from audit.services import record_event
from keys.providers import StaticKeyProvider, derive_audit_key, get_key_provider
from tests.audit.test_audit_chain import append_only_trigger_disabled, postgresql_only

pytestmark = pytest.mark.django_db


def events(user, n: int = 5) -> list[AuditEvent]:
    return [record_event("couple.view", actor=user, object_type="clinic.couple", object_id=str(i)) for i in range(n)]


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def refused_by_verify(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        verify(*args)
    assert caught.value.returncode == 1
    return str(caught.value)


def rewrite_chain(from_event: AuditEvent, *, edit: dict, key_id: str = "", key: bytes | None = None) -> None:
    """The attacker's move: edit an event and recompute every later hash, unkeyed (key_id "") or with `key`."""
    prev = from_event.prev_hash
    with append_only_trigger_disabled():
        for event in AuditEvent.objects.filter(pk__gte=from_event.pk).order_by("id"):
            if event.pk == from_event.pk:
                for name, value in edit.items():
                    setattr(event, name, value)
            event.key_id, event.prev_hash = key_id, prev
            if key is None:
                event.hash = compute_hash(prev, event)
            else:
                event.hash = hmac.new(key, KEYED_PREFIX + prev.encode() + b"|" + _canonical(event),
                                      hashlib.sha256).hexdigest()
            AuditEvent.objects.filter(pk=event.pk).update(key_id=event.key_id, prev_hash=prev, hash=event.hash,
                                                          **edit if event.pk == from_event.pk else {})
            prev = event.hash


# --- keyed hashes ----------------------------------------------------------------------------------------


def test_new_events_are_keyed_with_the_providers_audit_key(cast):
    event = events(cast.therapist, 1)[0]
    provider = get_key_provider()
    assert event.key_id == provider.active_audit_key_id
    expected = hmac.new(derive_audit_key(provider.get_kek(event.key_id)),
                        KEYED_PREFIX + GENESIS_HASH.encode() + b"|" + _canonical(event), hashlib.sha256).hexdigest()
    assert event.hash == expected
    assert event.hash != hashlib.sha256(GENESIS_HASH.encode() + b"|" + _canonical(event)).hexdigest()


def test_audit_key_is_derived_apart_from_the_kek():
    provider = get_key_provider()
    kek = provider.get_kek(provider.active_kek_id)
    assert provider.get_audit_key(provider.active_audit_key_id) not in (kek, b"")
    assert len(provider.get_audit_key(provider.active_audit_key_id)) == 32


def test_chain_rewritten_with_recomputed_unkeyed_hashes_is_caught(cast):
    written = events(cast.therapist)
    rewrite_chain(AuditEvent.objects.get(pk=written[2].pk), edit={"object_id": "someone-else"})
    message = refused_by_verify()
    assert f"event {written[2].pk}:" in message and "without the audit key" in message


def test_chain_rewritten_with_a_wrong_key_is_caught(cast):
    written = events(cast.therapist)
    rewrite_chain(AuditEvent.objects.get(pk=written[1].pk), edit={"action": "couple.update"},
                  key_id=written[1].key_id, key=os.urandom(32))
    message = refused_by_verify()
    assert f"event {written[1].pk}:" in message and "recomputed without the audit key" in message


def test_whole_chain_rewritten_unkeyed_is_caught_by_the_checkpoint(cast):
    """Rewriting every event as if written before keying leaves a chain that links up: the checkpoint notices."""
    written = events(cast.therapist)
    checkpoints.write_checkpoint()
    rewrite_chain(AuditEvent.objects.get(pk=written[0].pk), edit={"object_id": "someone-else"})
    assert walk_chain().broken is None
    assert "Audit chain rewritten" in refused_by_verify()


def test_events_from_before_keying_still_verify_and_keyed_ones_follow(cast):
    """Events written before this change have no key id and a plain SHA-256 hash; the migration left them so."""
    prev = GENESIS_HASH
    with append_only_trigger_disabled():
        for n in range(3):
            old = AuditEvent(action="couple.view", object_type="clinic.couple", object_id=f"old-{n}", detail={})
            old.prev_hash, old.key_id = prev, ""
            old.hash = prev = compute_hash(prev, old)
            old.save(force_insert=True)
    events(cast.therapist, 2)
    output = verify()
    assert output.splitlines()[0] == "5 events verified, chain intact"
    assert "2 keyed with the audit key, 3 from before keying" in output


def test_an_unkeyed_event_after_keyed_ones_is_refused(cast):
    written = events(cast.therapist, 3)
    with append_only_trigger_disabled():
        forged = AuditEvent(action="couple.view", object_type="clinic.couple", object_id="x", detail={})
        forged.prev_hash, forged.key_id = written[-1].hash, ""
        forged.hash = compute_hash(forged.prev_hash, forged)
        forged.save(force_insert=True)
    assert "not keyed although events before it are" in refused_by_verify()


def test_events_keyed_under_a_retired_kek_verify_with_the_kept_audit_key():
    old = os.urandom(32)
    provider = StaticKeyProvider({"kek-new": os.urandom(32)}, "kek-new",
                                 audit_keys={"kek-old": derive_audit_key(old)})
    assert provider.get_audit_key("kek-old") == derive_audit_key(old)
    with_both = StaticKeyProvider({"kek-new": b"n" * 32, "kek-old": old}, "kek-new")
    assert with_both.audit_keys_to_keep(["kek-old"]) == {"kek-old": base64.b64encode(derive_audit_key(old)).decode()}


# --- the checkpoint --------------------------------------------------------------------------------------


def test_checkpoint_file_is_owner_only_and_keyed(cast):
    written = events(cast.therapist)
    checkpoint = checkpoints.write_checkpoint()
    path = checkpoints.path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert (data["event_id"], data["hash"]) == (written[-1].pk, written[-1].hash) == (checkpoint.event_id,
                                                                                      checkpoint.hash)
    assert checkpoints.check_mac(checkpoint)
    assert f"Checkpoint of {checkpoint.written_at} (event {written[-1].pk}) matches" in verify("--require-checkpoint")


def test_cut_tail_is_caught(cast):
    written = events(cast.therapist, 6)
    checkpoints.write_checkpoint()
    with append_only_trigger_disabled():
        AuditEvent.objects.filter(pk__gte=written[3].pk).delete()
    assert walk_chain().broken is None  # what is left links up: the chain alone cannot tell
    message = refused_by_verify()
    assert "Audit chain cut" in message and f"event {written[-1].pk}" in message


def test_events_after_the_checkpoint_are_fine(cast):
    events(cast.therapist, 2)
    checkpoints.write_checkpoint()
    events(cast.therapist, 2)
    assert verify().splitlines()[0] == "4 events verified, chain intact"


def test_forged_checkpoint_is_refused(cast):
    written = events(cast.therapist, 4)
    checkpoints.write_checkpoint()
    data = json.loads(checkpoints.path().read_text())
    data["event_id"] = written[1].pk  # the attacker cut two events and moves the checkpoint back with them
    data["hash"] = written[1].hash
    checkpoints.path().write_text(json.dumps(data))
    assert "was not made with the audit key" in refused_by_verify()


def test_checkpoint_never_moves_back(cast):
    events(cast.therapist, 3)
    newest = checkpoints.write_checkpoint()
    with append_only_trigger_disabled():
        AuditEvent.objects.filter(pk=newest.event_id).delete()
    assert checkpoints.write_checkpoint().event_id == newest.event_id


def test_missing_checkpoint_is_reported_and_can_be_required(cast):
    events(cast.therapist, 1)
    assert "No checkpoint at" in verify()
    assert "No audit checkpoint" in refused_by_verify("--require-checkpoint")


def test_checkpoint_is_written_after_commit_every_n_events(cast, settings, django_capture_on_commit_callbacks):
    settings.RAPPORT_AUDIT_CHECKPOINT_EVERY = 3
    settings.RAPPORT_AUDIT_CHECKPOINT_SECONDS = 3600
    checkpoints.schedule()  # counts as "just written" for the interval
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        written = events(cast.therapist, 7)
    due = [event.pk for event in written if event.pk % 3 == 0]
    assert len(callbacks) == len(due) >= 2  # seven ids in a row hold two or three multiples of three
    # Each runs after the commit and records the newest committed event.
    assert checkpoints.read_checkpoint().event_id == written[-1].pk


def test_audit_checkpoint_command(cast):
    written = events(cast.therapist, 2)
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    assert f"Checkpoint at event {written[-1].pk}" in out.getvalue()


# --- PostgreSQL: TRUNCATE and the key-rotation flag -----------------------------------------------------


def refused(sql: str, params=None) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except Exception:  # noqa: BLE001 (the database's refusal: IntegrityError or another DatabaseError)
        return True
    return False


@postgresql_only
def test_database_refuses_truncate_of_the_audit_trail(cast):
    events(cast.therapist, 2)
    assert refused("TRUNCATE clinic_auditevent")
    assert refused("TRUNCATE clinic_auditevent CASCADE")
    assert AuditEvent.objects.count() == 2
