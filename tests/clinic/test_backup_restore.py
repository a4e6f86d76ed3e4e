"""Backups that restore: a restored practice reads every note with the KEK, and nothing without it.

The practice (the demo practice, plus a factory-built couple with a signed note, an addendum and an
active plan) is built once per module, backed up with `manage.py backup`, and flushed away; each test then
restores that file into the emptied database (transactional tests flush again afterwards).
"""

from __future__ import annotations

import base64
import datetime
import json
import threading
from decimal import Decimal
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from audit.chain import verify_chain
from audit.models import AuditEvent
from clinic.backup import archive
from clinic.backup.errors import RestoreRefused
from clinic.backup.load import restore_backup
from clinic.backup.tables import backup_tables
from clinic.models import Practice, User
from clinic.selectors.clients import find_clients_by_name
from keys import envelope, keyring
from keys.dek_rotation import encrypted_models
from keys.fields import EncryptedField, encrypted_fields
from keys.models import DataKey
from keys.providers import get_key_provider, reset_key_provider
from tests.clinic.backup_support import frame_offsets, header_bytes_of, with_header
from tests.keys.crypto_support import use_key_file, write_wrong_key_file

pytestmark = pytest.mark.django_db(transaction=True)

DISTINCT_NAME = ("Philippa", "Quenneville-Arbuthnot")
REPORT_BYTES = b"%PDF-1.7 progress report of Philippa Quenneville-Arbuthnot, session 12"


def _build_practice():
    """The demo practice, and one factory couple with a signed note (with a rating), an addendum, a plan."""
    from reports.models import GeneratedReport
    from tests.factories import ClientFactory, CoupleFactory, PracticeFactory, UserFactory
    from tests.notes.note_factories import SessionFactory, active_plan, make_addendum, screen_partners, signed_note

    call_command("seed_demo", force=True, stdout=StringIO())
    practice = PracticeFactory(name="Backup Test Practice")
    therapist = UserFactory(practice=practice, role="therapist", username="bea.backup")
    couple = CoupleFactory(practice=practice, primary=therapist)
    ClientFactory(practice=practice, first_name=DISTINCT_NAME[0], last_name=DISTINCT_NAME[1])
    screen_partners(couple)
    _, objective, _ = active_plan(couple, therapist)
    note = signed_note(session=SessionFactory(couple=couple, therapist=therapist),
                       ratings=[(objective.lineage, Decimal("4"))])
    addendum = make_addendum(note)
    GeneratedReport.objects.create(
        practice=practice, couple=couple, kind="progress", requested_by=therapist, status="ready",
        content=REPORT_BYTES, size_bytes=len(REPORT_BYTES), expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return practice, note, addendum


def _string_leaves(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _string_leaves(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _string_leaves(v)]
    return []


def encrypted_values() -> dict[tuple[str, str, str], object]:
    """Every encrypted value in the database, opened through the ORM."""
    values = {}
    for model in encrypted_models():
        fields = encrypted_fields(model)
        for row in model._base_manager.order_by("pk"):
            for field in fields:
                values[(model._meta.label, str(row.pk), field.attname)] = getattr(row, field.attname)
    return values


def plain_column_text() -> str:
    """Every string stored in a column that is not encrypted (library titles, references, usernames)."""
    parts = []
    for spec in backup_tables():
        fields = [f for f in spec.fields if not isinstance(f, EncryptedField)]
        for row in spec.model._base_manager.values_list(*[f.attname for f in fields]):
            parts.extend(s for value in row for s in _string_leaves(value))
    return "\x00".join(parts)


def signed_records_verify() -> dict[tuple[str, str], bool]:
    """Whether each signed note and addendum still matches the content hash stored when it was signed."""
    from notes.content_hash import addendum_content_hash, note_hash_matches
    from notes.models import Addendum, ProgressNote

    state = {("note", str(n.pk)): note_hash_matches(n) for n in ProgressNote.objects.exclude(signed_at=None)}
    for addendum in Addendum.objects.all():
        state[("addendum", str(addendum.pk))] = addendum.content_hash == addendum_content_hash(addendum)
    return state


@pytest.fixture(scope="module")
def practice_backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """Build the practice, back it up with the command, record what it held, then empty the database."""
    directory = tmp_path_factory.mktemp("backup")
    path = directory / "practice.backup"
    with django_db_blocker.unblock():
        reset_key_provider()
        keyring.clear_cache()
        keyring.ensure_check_key()
        practice, note, addendum = _build_practice()
        values = encrypted_values()
        plain_text = plain_column_text()
        signed = signed_records_verify()
        assert signed[("note", str(note.pk))] and signed[("addendum", str(addendum.pk))]
        assert all(signed.values())
        events_in_backup = AuditEvent.objects.count()
        last_hash_in_backup = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        out = StringIO()
        call_command("backup", output=path, stdout=out, stderr=StringIO())
        created = AuditEvent.objects.order_by("-id").first()
        expected = SimpleNamespace(
            path=path,
            values=values,
            plain_text=plain_text,
            signed=signed,
            practices=Practice.objects.count(),
            users=User.objects.count(),
            events=events_in_backup,
            last_hash=last_hash_in_backup,
            created_event=created,
            output=out.getvalue(),
            client_practice_id=practice.pk,
        )
        call_command("flush", interactive=False, verbosity=0)
    keyring.clear_cache()
    return expected


@pytest.fixture(autouse=True)
def _configured_key_provider_after():
    yield
    reset_key_provider()
    keyring.clear_cache()


def assert_database_empty():
    assert not Practice.objects.exists()
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def restore(path: Path) -> str:
    out = StringIO()
    call_command("restore", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


# --- the practice comes back whole, with the KEK -----------------------------------------------------


def test_backup_command_is_audited_and_names_its_key(practice_backup):
    event = practice_backup.created_event
    assert event.action == "backup.created"
    assert event.detail["rows"] > 1000 and event.detail["kek_id"] in practice_backup.output
    assert practice_backup.path.stat().st_mode & 0o777 == 0o600
    assert not practice_backup.path.with_name(practice_backup.path.name + ".partial").exists()


def test_restored_practice_reads_every_encrypted_value_identically(practice_backup):
    assert_database_empty()
    output = restore(practice_backup.path)

    assert "Restored backup" in output
    assert Practice.objects.count() == practice_backup.practices
    restored = encrypted_values()
    assert len(restored) == len(practice_backup.values) > 500
    assert restored == practice_backup.values
    assert signed_records_verify() == practice_backup.signed
    assert sum(practice_backup.signed.values()) >= 2


def test_restored_audit_chain_verifies_and_records_the_restore(practice_backup):
    restore(practice_backup.path)

    checked, broken = verify_chain()
    assert broken is None and checked == practice_backup.events + 1
    last = AuditEvent.objects.order_by("-id").first()
    assert last.action == "backup.restored"
    assert last.prev_hash == practice_backup.last_hash
    assert last.object_id == json.loads(_header_bytes(practice_backup.path))["backup_id"]
    call_command("verify_audit", stdout=StringIO())


def test_restored_practice_finds_a_client_by_name_and_takes_new_rows(practice_backup):
    restore(practice_backup.path)

    found = find_clients_by_name(practice_id=practice_backup.client_practice_id, name=" ".join(DISTINCT_NAME))
    assert [c.last_name for c in found] == [DISTINCT_NAME[1]]
    assert find_clients_by_name(practice_id=practice_backup.client_practice_id, name=DISTINCT_NAME[1].upper())
    # Sequences were reset: new audit events and new encrypted rows are written after the restored ones.
    from tests.factories import ClientFactory

    practice = Practice.objects.get(pk=practice_backup.client_practice_id)
    ClientFactory(practice=practice, first_name="Newton", last_name="Afterwards")
    call_command("check_keys", stdout=StringIO(), stderr=StringIO())
    assert verify_chain()[1] is None


def _record_event_from_another_connection() -> None:
    from django.db import connections

    from audit.services import record_event

    try:
        record_event("test.written_during_backup", object_type="clinic.practice")
    finally:
        connections.close_all()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQLite test database is in memory, one writer")
def test_backup_is_one_snapshot_while_another_process_writes(practice_backup, tmp_path):
    from clinic.backup.create import create_backup

    restore(practice_backup.path)
    events_before = AuditEvent.objects.count()
    written = []

    def write_meanwhile(done: int, total: int) -> None:
        if done and not written:
            writer = threading.Thread(target=_record_event_from_another_connection)
            writer.start()
            writer.join()
            written.append(AuditEvent.objects.count())

    result = create_backup(tmp_path / "during.backup", on_progress=write_meanwhile)

    assert written == [events_before]  # the snapshot does not see the event committed meanwhile...
    assert AuditEvent.objects.count() == events_before + 2  # ...which is there, with backup.created
    counts = {t["table"]: t["rows"] for t in result.header.tables}
    assert counts["clinic_auditevent"] == events_before
    with open(result.path, "rb") as stream:
        header, aad = archive.read_header(stream)
        key = archive.unwrap_backup_key(header, get_key_provider())
        records = archive.read_records(stream, key, aad)
        ends = {r["end"]: r["rows"] for r in records if isinstance(r, dict) and "end" in r}
    assert ends == counts


def test_restore_works_with_the_environment_key_provider(practice_backup, settings, monkeypatch):
    kek_id = get_key_provider().active_kek_id
    kek = get_key_provider().get_kek(kek_id)
    monkeypatch.setenv("RAPPORT_KEK", f"{kek_id}:{base64.b64encode(kek).decode()}")
    settings.RAPPORT_KEY_PROVIDER = "keys.providers.EnvironmentKeyProvider"
    reset_key_provider()

    restore(practice_backup.path)

    assert encrypted_values() == practice_backup.values


# --- nothing without the KEK --------------------------------------------------------------------------


def _header_bytes(path: Path) -> bytes:
    return header_bytes_of(path.read_bytes())


def _inner_stream(path: Path) -> bytes:
    """The decompressed dump, decrypted with the backup key (as only the KEK's holder can)."""
    with open(path, "rb") as stream:
        header, aad = archive.read_header(stream)
        key = archive.unwrap_backup_key(header, get_key_provider())
        return b"".join(archive.decrypted_stream(stream, key, aad))


def test_backup_file_holds_no_plaintext_and_no_kek(practice_backup):
    from tests.notes.note_factories import SOAP_TEXT

    raw_file = practice_backup.path.read_bytes()
    inner = _inner_stream(practice_backup.path)
    secret = {" ".join(DISTINCT_NAME), DISTINCT_NAME[1], *SOAP_TEXT.values()}
    # Every encrypted text, except where the same words are also stored in clear on purpose elsewhere
    # (a plan problem copies its title from the practice's trust-issue library, which is not clinical).
    texts = {s for value in practice_backup.values.values() for s in _string_leaves(value) if len(s) >= 8}
    texts = {t for t in texts if t not in practice_backup.plain_text} | secret
    assert len(texts) > 100
    assert REPORT_BYTES in practice_backup.values.values()
    forms = [REPORT_BYTES, base64.b64encode(REPORT_BYTES)]
    for text in texts:
        forms += [text.encode(), json.dumps(text, ensure_ascii=False)[1:-1].encode()]
    for form in forms:
        assert form not in raw_file
        assert form not in inner, f"plaintext of {len(form)} bytes found in the dump"
    kek = get_key_provider().get_kek(get_key_provider().active_kek_id)
    for form in (kek, base64.b64encode(kek), kek.hex().encode()):
        assert form not in raw_file and form not in inner


def test_every_encrypted_column_in_the_dump_is_a_sealed_value(practice_backup):
    with open(practice_backup.path, "rb") as stream:
        header, aad = archive.read_header(stream)
        key = archive.unwrap_backup_key(header, get_key_provider())
        records = list(archive.read_records(stream, key, aad))
    models = {t.table: t.model for t in backup_tables()}
    stored_key_ids, used_key_ids, sealed = set(), set(), 0
    model, encrypted = None, []
    for record in records:
        if isinstance(record, dict):
            if "table" in record:
                model = models[record["table"]]
                fields = {f.column: f for f in model._meta.local_concrete_fields}
                encrypted = [isinstance(fields[c], EncryptedField) for c in record["columns"]]
                id_column = record["columns"].index("id")
            continue
        if model is DataKey:
            stored_key_ids.add(record[id_column])
        for is_encrypted, value in zip(encrypted, record, strict=True):
            if is_encrypted and value is not None:
                used_key_ids.add(str(envelope.key_id_of(base64.b64decode(value))))  # else DecryptionError
                sealed += 1
    assert sealed == sum(1 for v in practice_backup.values.values() if v is not None)
    assert used_key_ids and used_key_ids <= stored_key_ids


@pytest.mark.parametrize("same_id", [True, False], ids=["same-kek-id", "other-kek-id"])
def test_restore_with_another_kek_refuses_and_leaves_the_database_empty(practice_backup, settings, tmp_path, same_id):
    kek_id = json.loads(_header_bytes(practice_backup.path))["kek_id"]
    write_wrong_key_file(settings, tmp_path, same_id=same_id)

    with pytest.raises(CommandError) as refused:
        restore(practice_backup.path)

    assert kek_id in str(refused.value)
    assert "RAPPORT_KEY_FILE" in str(refused.value)
    assert_database_empty()


def test_backup_refuses_without_the_kek_of_this_database(practice_backup, settings, tmp_path):
    restore(practice_backup.path)
    write_wrong_key_file(settings, tmp_path, same_id=True)
    target = tmp_path / "never.backup"

    with pytest.raises(CommandError, match="RAPPORT_KEY_FILE|cannot open"):
        call_command("backup", output=target, stdout=StringIO(), stderr=StringIO())

    assert not target.exists()
    use_key_file(settings, tmp_path / "missing.key")
    with pytest.raises(CommandError, match="create_key_file"):
        call_command("backup", output=target, stdout=StringIO(), stderr=StringIO())


def _tampered(data: bytes) -> dict[str, bytes]:
    header = header_bytes_of(data)
    fields = json.loads(header)
    fields["tables"][0]["rows"] += 1
    forged = json.dumps(fields, sort_keys=True).encode()
    middle = frame_offsets(data)[0] + 200
    return {
        "cut short": data[: len(data) - 1000],
        "flipped byte": data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :],
        "edited header": with_header(data, forged),
        "header only": data[: len(archive.MAGIC) + 4 + len(header)],
    }


def test_a_damaged_or_altered_backup_is_refused_and_changes_nothing(practice_backup, tmp_path):
    for name, data in _tampered(practice_backup.path.read_bytes()).items():
        path = tmp_path / f"{name.replace(' ', '-')}.backup"
        path.write_bytes(data)
        with pytest.raises(CommandError, match="damaged|truncated|altered|header"):
            restore(path)
        assert_database_empty()


def test_restore_refuses_a_database_that_is_not_empty(practice_backup):
    restore(practice_backup.path)

    with pytest.raises(RestoreRefused, match="not empty .*clinic_practice"):
        restore_backup(practice_backup.path)
    assert Practice.objects.count() == practice_backup.practices


def test_restore_refuses_a_database_migrated_differently(practice_backup):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, CURRENT_TIMESTAMP)",
            ["clinic", "9999_from_the_future"],
        )
    try:
        with pytest.raises(RestoreRefused, match="clinic.9999_from_the_future, which the backup lacks"):
            restore_backup(practice_backup.path)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_migrations WHERE name = %s", ["9999_from_the_future"])
    assert_database_empty()
