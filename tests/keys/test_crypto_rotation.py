"""Key rotation (KEK and DEK), crypto-shredding and the keyring check."""

import base64
import datetime
import io
import re
import secrets

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import Client, Couple, Partner
from clinic.services import retention
from keys import dek_rotation, envelope, kek_rotation, keyring
from keys.errors import KeyProviderError, KeyShreddedError, RotationError
from keys.fields import SHREDDED_TEXT, encrypted_fields
from keys.models import DataKey
from keys.providers import EnvironmentKeyProvider, get_key_provider, reset_key_provider
from tests.factories import ClientFactory, CoupleFactory, PracticeFactory
from tests.keys.crypto_support import (
    copy_key_file,
    create_probe_table,
    drop_probe_table,
    key_file_data,
    raw,
    write_raw,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keyring_check_value")]


class Interrupted(Exception):
    pass


@pytest.fixture(scope="module")
def probe(django_db_setup, django_db_blocker):
    """A test-only encrypted model registered in the clinic app, as a later issue's model would be."""
    with django_db_blocker.unblock():
        model = create_probe_table()
        yield model
        drop_probe_table(model)


@pytest.fixture
def key_file(settings, tmp_path):
    path = copy_key_file(settings, tmp_path)
    yield path
    reset_key_provider()
    keyring.clear_cache()


def make_couples(n, practice=None, **kwargs):
    practice = practice or PracticeFactory()
    return [CoupleFactory(practice=practice, presenting_concerns=f"concern {i}", **kwargs) for i in range(n)]


def every_value():
    """Every decrypted value of every encrypted model, opened with an empty key cache."""
    keyring.clear_cache()
    values = {}
    for model in dek_rotation.encrypted_models():
        for row in model._base_manager.all():
            for f in encrypted_fields(model):
                values[(model._meta.db_table, f.attname, row.pk)] = getattr(row, f.attname)
    return values


def key_id_in(table, column, pk):
    return envelope.key_id_of(raw(table, column, pk))


def index_and_check_keys():
    return set(DataKey.objects.filter(owner_kind__in=["index", "check"]).values_list("pk", "wrapped_key"))


def owner_keys(owner_id, **filters):
    return DataKey.objects.filter(owner_id=owner_id, **filters)


# --- rotate_kek -----------------------------------------------------------------------------------


def test_rotate_kek_with_new_key_rewraps_every_data_key(key_file, capsys):
    couples = make_couples(3)
    before = every_value()
    old_kek = key_file_data(key_file)["active"]

    call_command("rotate_kek", "--new-key")

    data = key_file_data(key_file)
    assert data["active"] != old_kek and old_kek in data["keys"]
    assert set(DataKey.objects.values_list("kek_id", flat=True)) == {data["active"]}
    assert DataKey.objects.filter(rewrapped_at__isnull=False).count() == DataKey.objects.count()
    assert every_value() == before
    assert before[("clinic_couple", "presenting_concerns", couples[0].pk)] == "concern 0"
    event = AuditEvent.objects.get(action="keys.rotate_kek")
    assert event.detail["rewrapped"] == DataKey.objects.count()
    assert "No clinical row was touched" in capsys.readouterr().out


def test_rotate_kek_touches_the_key_table_only(key_file):
    make_couples(2)
    kek_rotation.add_new_kek()
    with CaptureQueriesContext(connection) as queries:
        result = kek_rotation.rotate_kek()
    assert result.rewrapped > 0
    pattern = r"(clinic_\w+|plans_\w+|notes_\w+|reports_\w+)"
    tables = {t for q in queries.captured_queries for t in re.findall(pattern, q["sql"])}
    assert tables <= {"clinic_datakey", "clinic_auditevent"}, tables


def test_interrupted_rotate_kek_keeps_every_value_open_and_resumes(key_file):
    make_couples(4)
    before = every_value()
    kek_rotation.add_new_kek()
    new_kek = get_key_provider().active_kek_id
    total = DataKey.objects.count()

    def crash_after_first_batch(done, total):
        if done:
            raise Interrupted

    with pytest.raises(Interrupted):
        kek_rotation.rotate_kek(batch_size=2, on_progress=crash_after_first_batch)
    assert DataKey.objects.filter(kek_id=new_kek).count() == 2
    assert every_value() == before

    call_command("rotate_kek", "--batch-size", "2")
    assert DataKey.objects.filter(kek_id=new_kek).count() == total
    assert every_value() == before


def test_rotate_kek_retire_old_removes_old_keys_once_unused(key_file):
    make_couples(1)
    old_kek = key_file_data(key_file)["active"]
    kek_rotation.add_new_kek()
    with pytest.raises(RotationError, match="still wrapped by old key"):
        kek_rotation.retire_old_keks()
    assert old_kek in key_file_data(key_file)["keys"]

    call_command("rotate_kek", "--retire-old")

    data = key_file_data(key_file)
    assert list(data["keys"]) == [data["active"]]
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert AuditEvent.objects.filter(action="keys.retire_kek").exists()
    call_command("check_keys")


def test_audit_events_keyed_under_a_retired_kek_still_verify(key_file):
    """Retiring a KEK keeps its derived audit key in the key file ("audit_keys"), never the KEK itself."""
    from audit.services import record_event

    make_couples(1)
    old_kek = key_file_data(key_file)["active"]
    before = record_event("couple.view", object_type="clinic.couple", object_id="before-rotation")
    assert before.key_id == old_kek
    kek_rotation.add_new_kek()
    call_command("rotate_kek", "--retire-old")
    data = key_file_data(key_file)
    assert old_kek not in data["keys"] and set(data["audit_keys"]) == {old_kek}
    after = record_event("couple.view", object_type="clinic.couple", object_id="after-rotation")
    assert after.key_id == data["active"] != old_kek
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "chain intact" in out.getvalue()


def test_rotate_kek_with_the_environment_provider(settings, monkeypatch):
    old = base64.b64encode(secrets.token_bytes(32)).decode()
    new = base64.b64encode(secrets.token_bytes(32)).decode()
    file_data = key_file_data(settings.RAPPORT_KEY_FILE)  # the run's check and index keys are under it
    file_kek = f"{file_data['active']}:{file_data['keys'][file_data['active']]}"
    settings.RAPPORT_KEY_PROVIDER = "keys.providers.EnvironmentKeyProvider"
    monkeypatch.setenv("RAPPORT_KEK", f"env-old:{old}")
    monkeypatch.setenv("RAPPORT_OLD_KEKS", file_kek)
    reset_key_provider()
    keyring.clear_cache()
    try:
        couple = CoupleFactory(presenting_concerns="under the environment key")
        assert set(owner_keys(couple.pk).values_list("kek_id", flat=True)) == {"env-old"}
        monkeypatch.setenv("RAPPORT_KEK", f"env-new:{new}")
        monkeypatch.setenv("RAPPORT_OLD_KEKS", f"env-old:{old},{file_kek}")
        reset_key_provider()
        with pytest.raises(CommandError, match="RAPPORT_KEK"):
            call_command("rotate_kek", "--new-key")
        call_command("rotate_kek")
        monkeypatch.delenv("RAPPORT_OLD_KEKS")
        reset_key_provider()
        keyring.clear_cache()
        assert isinstance(get_key_provider(), EnvironmentKeyProvider)
        assert Couple.objects.get(pk=couple.pk).presenting_concerns == "under the environment key"
        assert set(DataKey.objects.values_list("kek_id", flat=True)) == {"env-new"}
        call_command("check_keys")
    finally:
        reset_key_provider()
        keyring.clear_cache()


def test_rotate_kek_without_the_old_key_fails_naming_the_key(key_file, settings):
    make_couples(1)
    kek_rotation.add_new_kek()
    data = key_file_data(key_file)
    old = [k for k in data["keys"] if k != data["active"]][0]
    del data["keys"][old]
    key_file.write_text(__import__("json").dumps(data))
    reset_key_provider()
    with pytest.raises(CommandError, match=re.escape(old)):
        call_command("rotate_kek")


# --- rotate_dek -----------------------------------------------------------------------------------


def test_rotate_dek_gives_a_couple_a_new_key_and_reseals_its_rows(probe):
    couple, other = make_couples(2)
    probe.objects.create(couple_id=couple.pk, data={"mood": "anxious"}, text="probe text")
    partner = couple.partners.get(position="a")
    partner.ipv_notes = "screened"
    partner.save()
    before = every_value()
    old_key = owner_keys(couple.pk, state="active").get().pk
    other_blob = raw("clinic_couple", "presenting_concerns", other.pk)
    index_and_check = index_and_check_keys()

    call_command("rotate_dek", "--couple", str(couple.pk), "--grace-seconds", "0")

    new_key = owner_keys(couple.pk).get()
    assert new_key.pk != old_key and new_key.state == "active"
    assert key_id_in("clinic_couple", "presenting_concerns", couple.pk) == new_key.pk
    assert key_id_in("clinic_partner", "ipv_notes", partner.pk) == new_key.pk
    assert key_id_in("test_crypto_probe", "data", probe.objects.get().pk) == new_key.pk
    assert raw("clinic_couple", "presenting_concerns", other.pk) == other_blob
    assert index_and_check_keys() == index_and_check
    assert every_value() == before
    event = AuditEvent.objects.get(action="keys.rotate_dek")
    assert event.couple_id == couple.pk and event.detail["values_resealed"] == 5  # couple 1, partners 2, probe 2


def test_rotate_dek_picks_up_every_encrypted_model(probe):
    found = set(dek_rotation.encrypted_models())
    assert {Client, Couple, Partner, probe} <= found
    assert DataKey not in found


def test_interrupted_rotate_dek_keeps_every_value_open_and_resumes(probe, monkeypatch):
    (couple,) = make_couples(1)
    for i in range(5):
        probe.objects.create(couple_id=couple.pk, data=[i], text=f"entry {i}")
    before = every_value()
    original = dek_rotation.write_sealed
    calls = []

    def crash_on_second_batch(model, changed):
        calls.append(model)
        if len(calls) == 2:
            raise Interrupted
        original(model, changed)

    monkeypatch.setattr(dek_rotation, "write_sealed", crash_on_second_batch)
    with pytest.raises(Interrupted):
        call_command("rotate_dek", "--couple", str(couple.pk), "--batch-size", "2", "--grace-seconds", "0")
    monkeypatch.setattr(dek_rotation, "write_sealed", original)

    assert set(owner_keys(couple.pk).values_list("state", flat=True)) == {"active", "retiring"}
    assert every_value() == before  # old and new keys both still open their values

    call_command("rotate_dek", "--couple", str(couple.pk), "--batch-size", "2", "--grace-seconds", "0")

    new_key = owner_keys(couple.pk).get()
    for row in probe.objects.all():
        assert key_id_in("test_crypto_probe", "text", row.pk) == new_key.pk
    assert every_value() == before
    assert AuditEvent.objects.get(action="keys.rotate_dek").detail["resumed"] is True


def test_rotate_dek_all_rotates_couples_and_practice_identity_keys():
    couples = make_couples(2)
    before = every_value()
    old = {k.owner_id: k.pk for k in DataKey.objects.filter(owner_kind__in=["couple", "practice"])}
    index_and_check = index_and_check_keys()

    call_command("rotate_dek", "--all", "--grace-seconds", "0")

    new = {k.owner_id: k.pk for k in DataKey.objects.filter(owner_kind__in=["couple", "practice"])}
    assert set(new) == set(old) and not set(new.values()) & set(old.values())
    assert couples[0].practice_id in new
    assert index_and_check_keys() == index_and_check
    assert every_value() == before
    assert AuditEvent.objects.filter(action="keys.rotate_dek").count() == len(old)


def test_rotate_dek_all_reseals_many_identity_rows_in_chunks():
    practice = PracticeFactory()
    clients = [ClientFactory(practice=practice, phone=f"0700 {i:04d}") for i in range(60)]
    before = every_value()
    call_command("rotate_dek", "--all", "--grace-seconds", "0")
    practice_key = DataKey.objects.get(owner_kind="practice", owner_id=practice.pk)
    assert {key_id_in("clinic_client", "phone", c.pk) for c in clients} == {practice_key.pk}
    assert every_value() == before


def test_rotate_dek_reseals_values_written_with_the_old_key_during_the_grace_period():
    (couple,) = make_couples(1)
    owner = keyring.KeyOwner("couple", couple.pk)
    old_id, old_dek = keyring.active_key(owner)
    rot = dek_rotation.begin_dek_rotation(owner)
    dek_rotation.reseal_owner_rows(rot)
    # Another process whose cache still says the old key is active writes a value with it.
    aad = envelope.value_aad("clinic_couple", "presenting_concerns", couple.pk, str(owner))
    write_raw("clinic_couple", "presenting_concerns", couple.pk,
              envelope.seal_value(old_dek, old_id, b"written by a stale worker", aad))
    waited = []
    dek_rotation.rotate_dek([owner], grace_seconds=300, sleep=waited.append)
    assert 0 < waited[0] <= 300
    assert not owner_keys(couple.pk, pk=old_id).exists()
    keyring.clear_cache()
    assert Couple.objects.get(pk=couple.pk).presenting_concerns == "written by a stale worker"


def test_rotate_dek_keeps_the_old_key_when_a_value_cannot_be_opened():
    (couple,) = make_couples(1)
    blob = bytearray(raw("clinic_couple", "presenting_concerns", couple.pk))
    blob[-1] ^= 1
    write_raw("clinic_couple", "presenting_concerns", couple.pk, bytes(blob))
    with pytest.raises(CommandError, match=f"clinic_couple row {couple.pk}"):
        call_command("rotate_dek", "--couple", str(couple.pk), "--grace-seconds", "0")
    assert owner_keys(couple.pk, state="retiring").exists()
    assert AuditEvent.objects.filter(action="crypto.decrypt_failed", object_id=str(couple.pk)).exists()


def test_rotate_dek_refuses_unknown_and_shredded_couples():
    with pytest.raises(CommandError, match="No couple"):
        call_command("rotate_dek", "--couple", "not-a-uuid")
    couple = discharged_couple(years_ago=8)
    retention.shred_couple(couple=couple, confirmation=couple.reference)
    with pytest.raises(CommandError, match="shredded"):
        call_command("rotate_dek", "--couple", str(couple.pk))


# --- shred_couple ---------------------------------------------------------------------------------


def discharged_couple(years_ago, **kwargs):
    end = timezone.localdate() - datetime.timedelta(days=int(365.25 * years_ago))
    (couple,) = make_couples(1, status="discharged", start_date=end - datetime.timedelta(days=200), end_date=end,
                             **kwargs)
    return couple


def test_shred_couple_destroys_its_keys_and_keeps_the_record(probe):
    couple = discharged_couple(years_ago=8)
    other = CoupleFactory(practice=couple.practice, presenting_concerns="someone else's")
    partner = couple.partners.get(position="a")
    partner.ipv_notes = "private screen answers"
    partner.save()
    probe.objects.create(couple_id=couple.pk, data={"x": 1}, text="probe")

    call_command("shred_couple", str(couple.pk), "--confirm", couple.reference)

    keyring.clear_cache()
    shredded = Couple.objects.get(pk=couple.pk)
    assert shredded.shredded_at is not None and shredded.reference == couple.reference
    assert shredded.end_date == couple.end_date
    assert shredded.presenting_concerns == SHREDDED_TEXT
    assert Partner.objects.get(pk=partner.pk).ipv_notes == SHREDDED_TEXT
    assert probe.objects.get().data is None and probe.objects.get().text == SHREDDED_TEXT
    assert Couple.objects.get(pk=other.pk).presenting_concerns == "someone else's"
    assert Client.objects.get(pk=partner.client_id).first_name  # identity is under the practice key
    keys = owner_keys(couple.pk)
    assert keys.exists() and all(k.state == "shredded" and bytes(k.wrapped_key) == b"" for k in keys)
    event = AuditEvent.objects.get(action="couple.shred")
    assert event.couple_id == couple.pk and event.detail == {"keys_destroyed": keys.count()}


def test_nothing_new_can_be_written_to_a_shredded_couple():
    couple = discharged_couple(years_ago=8)
    retention.shred_couple(couple=couple, confirmation=couple.reference)
    loaded = Couple.objects.get(pk=couple.pk)
    assert loaded.presenting_concerns == SHREDDED_TEXT
    loaded.status = "discharged"
    loaded.full_clean(exclude=["created_by"])
    loaded.save()  # unchanged ciphertext is kept: the record itself stays editable
    loaded.presenting_concerns = "new text"
    with pytest.raises(KeyShreddedError), transaction.atomic():
        loaded.save()
    partner = loaded.partners.get(position="a")
    partner.ipv_notes = "new"
    with pytest.raises(KeyShreddedError), transaction.atomic():
        partner.save()
    keyring.clear_cache()
    assert Couple.objects.get(pk=couple.pk).presenting_concerns == SHREDDED_TEXT


def test_shred_of_a_couple_without_keys_leaves_a_destroyed_marker():
    couple = discharged_couple(years_ago=8)
    DataKey.objects.filter(owner_id=couple.pk).delete()  # as if nothing had ever been encrypted
    retention.shred_couple(couple=couple, confirmation=couple.reference)
    assert owner_keys(couple.pk).get().state == "shredded"
    loaded = Couple.objects.get(pk=couple.pk)
    loaded.presenting_concerns = "new"
    with pytest.raises(KeyShreddedError), transaction.atomic():
        loaded.save()


@pytest.mark.parametrize(
    ("status", "years_ago", "message"),
    [("active", 8, "not discharged"), ("discharged", 6, "must be kept until")],
)
def test_shred_refuses_a_couple_still_in_retention(status, years_ago, message):
    couple = discharged_couple(years_ago=years_ago)
    Couple.objects.filter(pk=couple.pk).update(status=status)
    with pytest.raises(CommandError, match=message):
        call_command("shred_couple", str(couple.pk), "--confirm", couple.reference)
    assert owner_keys(couple.pk, state="active").exists()
    assert not AuditEvent.objects.filter(action="couple.shred").exists()


def test_shred_respects_the_retention_setting(settings):
    settings.RAPPORT_RETENTION_YEARS = 10
    couple = discharged_couple(years_ago=8)
    with pytest.raises(CommandError, match="RAPPORT_RETENTION_YEARS"):
        call_command("shred_couple", str(couple.pk), "--confirm", couple.reference)


def test_shred_refuses_a_wrong_confirmation_and_a_second_shred():
    couple = discharged_couple(years_ago=8)
    with pytest.raises(CommandError, match="does not match"):
        call_command("shred_couple", str(couple.pk), "--confirm", "C-9999")
    assert owner_keys(couple.pk, state="active").exists()
    call_command("shred_couple", str(couple.pk), "--confirm", couple.reference)
    with pytest.raises(CommandError, match="already shredded"):
        call_command("shred_couple", str(couple.pk), "--confirm", couple.reference)


def test_shred_asks_for_the_reference_at_a_terminal(monkeypatch):
    from clinic.management.commands import shred_couple

    couple = discharged_couple(years_ago=8)
    monkeypatch.setattr(shred_couple.Command, "_stdin_is_tty", staticmethod(lambda: True))
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or couple.reference)
    call_command("shred_couple", str(couple.pk))
    assert couple.reference in prompts[0]
    assert Couple.objects.get(pk=couple.pk).shredded_at is not None


def test_shred_without_a_terminal_needs_confirm(monkeypatch):
    from clinic.management.commands import shred_couple

    couple = discharged_couple(years_ago=8)
    monkeypatch.setattr(shred_couple.Command, "_stdin_is_tty", staticmethod(lambda: False))
    with pytest.raises(CommandError, match="--confirm"):
        call_command("shred_couple", str(couple.pk))
    assert Couple.objects.get(pk=couple.pk).shredded_at is None


# --- check_keys -----------------------------------------------------------------------------------


def test_check_keys_counts_the_keys_it_opens(capsys):
    make_couples(2)
    call_command("check_keys")
    out = capsys.readouterr().out
    assert "couple: 2" in out and "practice: 1" in out and "check: 1" in out
    event = AuditEvent.objects.get(action="keys.check")
    assert event.outcome == "ok" and event.detail["opened"]["couple"] == 2


def test_check_keys_fails_naming_the_first_bad_key_and_the_setting():
    (couple,) = make_couples(1)
    key = owner_keys(couple.pk).get()
    wrapped = bytearray(key.wrapped_key)
    wrapped[-1] ^= 1
    DataKey.objects.filter(pk=key.pk).update(wrapped_key=bytes(wrapped))
    with pytest.raises(CommandError) as caught:
        call_command("check_keys")
    assert str(key.pk) in str(caught.value) and "RAPPORT_KEY_FILE" in str(caught.value)
    assert AuditEvent.objects.get(action="keys.check").outcome == "failed"


# --- progress bar ---------------------------------------------------------------------------------


def test_progress_bar_redraws_on_a_terminal_and_prints_one_line_otherwise():
    import io

    from rapport.progress_bar import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        bar = ProgressBar(stream, "Re-wrapping", width=10)
        bar.update(0, 4)
        bar.update(4, 4)
        bar.finish()
    assert "\rRe-wrapping [##########] 4/4 (100%)" in terminal.getvalue()
    assert log.getvalue().startswith("Re-wrapping [##########] 4/4 (100%) in ")
    assert log.getvalue().count("\n") == 1


def test_check_keys_still_runs_when_the_start_up_check_fails(settings, tmp_path, capsys):
    from django.core.management import execute_from_command_line

    from tests.keys.crypto_support import write_wrong_key_file

    make_couples(1)
    write_wrong_key_file(settings, tmp_path, same_id=True)
    try:
        with pytest.raises(SystemExit) as caught:  # as from the shell: system checks included
            execute_from_command_line(["manage.py", "check_keys"])
    finally:
        reset_key_provider()
        keyring.clear_cache()
    assert caught.value.code == 1
    err = capsys.readouterr().err
    assert "cannot be opened. First:" in err and "RAPPORT_KEY_FILE" in err and "rapport.E001" not in err


def test_the_environment_provider_reads_mounted_secret_files(monkeypatch, tmp_path):
    active, old = (base64.b64encode(secrets.token_bytes(32)).decode() for _ in range(2))
    (tmp_path / "kek").write_text(f"env-file:{active}\n")
    (tmp_path / "old").write_text(f"env-older:{old}\n")
    monkeypatch.delenv("RAPPORT_KEK", raising=False)
    monkeypatch.setenv("RAPPORT_KEK_FILE", str(tmp_path / "kek"))
    monkeypatch.setenv("RAPPORT_OLD_KEKS_FILE", str(tmp_path / "old"))
    provider = EnvironmentKeyProvider()
    assert provider.active_kek_id == "env-file"
    assert sorted(provider.kek_ids()) == ["env-file", "env-older"]
    assert provider.get_kek("env-older") == base64.b64decode(old)
    monkeypatch.setenv("RAPPORT_KEK_FILE", str(tmp_path / "missing"))
    with pytest.raises(KeyProviderError, match="RAPPORT_KEK_FILE names .*missing, which cannot be read"):
        EnvironmentKeyProvider()
