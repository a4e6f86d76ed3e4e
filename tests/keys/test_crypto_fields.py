"""Encrypted fields: round trips, binding to row/column/owner, and refusal of tampered values."""

import base64

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from clinic.models import NOTE_TEXT_MAX, Client, Couple, Partner
from keys import envelope, keyring
from keys.errors import (
    CryptoError,
    DecryptionError,
    EncryptionContextError,
    KeyProviderError,
    KeyringError,
)
from keys.fields import EncryptedJSONField, Sealed
from keys.models import DataKey
from keys.providers import get_key_provider
from tests.factories import ClientFactory, CoupleFactory, PracticeFactory
from tests.keys.crypto_support import (
    create_probe_table,
    drop_probe_table,
    key_file_data,
    raw,
    write_raw,
    write_wrong_key_file,
)

pytestmark = pytest.mark.django_db

EXAMPLES = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def probe(django_db_setup, django_db_blocker):
    """A test-only model with an EncryptedJSONField (no app model uses one yet)."""
    with django_db_blocker.unblock():
        model = create_probe_table()
        yield model
        drop_probe_table(model)


def decrypt_failures(row_id) -> int:
    return AuditEvent.objects.filter(action="crypto.decrypt_failed", object_id=str(row_id), outcome="failed").count()


# --- round trips ----------------------------------------------------------------------------------


def test_text_round_trips_and_is_not_stored_in_clear():
    couple = CoupleFactory(presenting_concerns="She reads his messages every night")
    assert Couple.objects.get(pk=couple.pk).presenting_concerns == "She reads his messages every night"
    assert b"messages" not in raw("clinic_couple", "presenting_concerns", couple.pk)


@EXAMPLES
@given(text=st.text())
def test_any_unicode_text_round_trips_through_the_database(text):
    couple = CoupleFactory.build(practice=PracticeFactory(), reference="C-HYP")
    couple.presenting_concerns = text
    couple.save()
    keyring.clear_cache()
    assert Couple.objects.get(pk=couple.pk).presenting_concerns == text
    stored = raw("clinic_couple", "presenting_concerns", couple.pk)
    if len(text) >= 4:
        assert text.encode() not in stored


@EXAMPLES
@given(value=json_values)
def test_any_json_value_round_trips_through_the_database(probe, value):
    row = probe.objects.create(couple_id=PracticeFactory().pk, data=value)
    keyring.clear_cache()
    assert probe.objects.get(pk=row.pk).data == value


def test_json_field_methods_use_json_not_pickle():
    field = EncryptedJSONField()
    data = field.to_bytes({"moods": [{"mood": "anxious", "before": 80}], "when": None})
    assert data == b'{"moods":[{"before":80,"mood":"anxious"}],"when":null}'
    assert field.from_bytes(data) == {"moods": [{"mood": "anxious", "before": 80}], "when": None}


def test_empty_strings_round_trip_and_are_still_sealed():
    couple = CoupleFactory(presenting_concerns="")
    stored = raw("clinic_couple", "presenting_concerns", couple.pk)
    assert len(stored) == 1 + 16 + 12 + 16  # header + GCM tag: even an empty value is authenticated
    assert Couple.objects.get(pk=couple.pk).presenting_concerns == ""


def test_null_stays_null(probe):
    row = probe.objects.create(couple_id=PracticeFactory().pk, data=None)
    assert probe.objects.get(pk=row.pk).data is None


# --- the documented length limit ------------------------------------------------------------------


def test_note_at_the_limit_round_trips():
    text = "é" * NOTE_TEXT_MAX
    couple = CoupleFactory(presenting_concerns=text)
    couple.full_clean(exclude=["created_by"])
    assert Couple.objects.get(pk=couple.pk).presenting_concerns == text


def test_note_over_the_limit_is_refused_with_a_message():
    couple = CoupleFactory()
    couple.presenting_concerns = "x" * (NOTE_TEXT_MAX + 1)
    with pytest.raises(ValidationError) as caught:
        couple.full_clean(exclude=["created_by"])
    message = " ".join(caught.value.message_dict["presenting_concerns"])
    assert f"{NOTE_TEXT_MAX:,}" in message or str(NOTE_TEXT_MAX) in message
    assert "x" * 50 not in message


def test_length_limit_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "keys-and-encryption.md").read_text()
    assert "20,000" in doc and "NOTE_TEXT_MAX" in doc


# --- tampering, moved values, wrong keys ------------------------------------------------------------


def test_value_copied_to_another_row_fails_and_is_audited():
    first = CoupleFactory(presenting_concerns="first couple's secret")
    second = CoupleFactory(practice=first.practice, presenting_concerns="second")
    write_raw("clinic_couple", "presenting_concerns", second.pk, raw("clinic_couple", "presenting_concerns", first.pk))
    with pytest.raises(DecryptionError):
        Couple.objects.get(pk=second.pk).presenting_concerns  # noqa: B018
    assert decrypt_failures(second.pk) == 1


def test_flipped_bit_fails_and_is_audited():
    couple = CoupleFactory()
    blob = bytearray(raw("clinic_couple", "presenting_concerns", couple.pk))
    blob[-1] ^= 1
    write_raw("clinic_couple", "presenting_concerns", couple.pk, bytes(blob))
    with pytest.raises(DecryptionError):
        Couple.objects.get(pk=couple.pk).presenting_concerns  # noqa: B018
    assert decrypt_failures(couple.pk) == 1


@pytest.mark.parametrize("keep", [5, 1 + 16 + 12 + 3, -1])
def test_truncated_value_fails_and_is_audited(keep):
    couple = CoupleFactory()
    blob = raw("clinic_couple", "presenting_concerns", couple.pk)
    write_raw("clinic_couple", "presenting_concerns", couple.pk, blob[:keep])
    with pytest.raises(DecryptionError):
        Couple.objects.get(pk=couple.pk).presenting_concerns  # noqa: B018
    assert decrypt_failures(couple.pk) == 1


def test_value_copied_to_another_column_fails_and_is_audited():
    client = ClientFactory(first_name="Robin", last_name="Okafor")
    write_raw("clinic_client", "last_name", client.pk, raw("clinic_client", "first_name", client.pk))
    loaded = Client.objects.get(pk=client.pk)
    assert loaded.first_name == "Robin"
    with pytest.raises(DecryptionError):
        loaded.last_name  # noqa: B018
    event = AuditEvent.objects.get(action="crypto.decrypt_failed", object_id=str(client.pk))
    assert event.detail == {"column": "last_name"}


def test_value_copied_to_another_couple_fails_and_is_audited():
    first = CoupleFactory()
    second = CoupleFactory(practice=first.practice)
    source, target = first.partners.get(position="a"), second.partners.get(position="a")
    source.ipv_notes = "Disclosed being pushed during an argument"
    source.save()
    write_raw("clinic_partner", "ipv_notes", target.pk, raw("clinic_partner", "ipv_notes", source.pk))
    with pytest.raises(DecryptionError) as caught:
        Partner.objects.get(pk=target.pk).ipv_notes  # noqa: B018
    assert "pushed" not in str(caught.value)
    assert decrypt_failures(target.pk) == 1


def test_ciphertext_is_never_returned_as_text():
    couple = CoupleFactory()
    write_raw("clinic_couple", "presenting_concerns", couple.pk, b"plain text someone wrote in SQL")
    with pytest.raises(DecryptionError):
        Couple.objects.get(pk=couple.pk).presenting_concerns  # noqa: B018


@pytest.mark.parametrize("same_id", [True, False], ids=["same-key-id", "unknown-key-id"])
def test_wrong_kek_fails_and_is_audited(settings, tmp_path, same_id):
    couple = CoupleFactory(presenting_concerns="written under the right key")
    write_wrong_key_file(settings, tmp_path, same_id=same_id)
    expected = KeyringError if same_id else KeyProviderError
    with pytest.raises(expected) as caught:
        Couple.objects.get(pk=couple.pk).presenting_concerns  # noqa: B018
    assert "RAPPORT_KEY_FILE" in str(caught.value)
    assert decrypt_failures(couple.pk) == 1


def test_queryset_update_of_encrypted_field_is_refused():
    CoupleFactory()
    with pytest.raises(EncryptionContextError):
        Couple.objects.update(presenting_concerns="x")


def test_lookups_on_encrypted_fields_are_refused():
    with pytest.raises(Exception, match="Unsupported lookup"):
        list(Couple.objects.filter(presenting_concerns__icontains="affair"))


def test_unchanged_value_keeps_its_ciphertext_on_save():
    practice = PracticeFactory()
    client = ClientFactory(practice=practice)
    before = raw("clinic_client", "first_name", client.pk)
    loaded = Client.objects.get(pk=client.pk)
    loaded.phone = "01234"
    loaded.save()
    assert raw("clinic_client", "first_name", client.pk) == before
    assert Partner.objects.count() == 0


def test_full_clean_keeps_the_ciphertext_of_unchanged_values():
    client = ClientFactory()
    before = raw("clinic_client", "first_name", client.pk)
    loaded = Client.objects.get(pk=client.pk)
    loaded.phone = "01234"
    loaded.full_clean(exclude=["created_by"])
    loaded.save()
    assert raw("clinic_client", "first_name", client.pk) == before
    assert isinstance(loaded.__dict__["first_name"], Sealed)


# --- key material never leaks -----------------------------------------------------------------------


def test_key_material_never_appears_in_repr_str_or_errors(settings, tmp_path):
    couple = CoupleFactory(presenting_concerns="text")
    kek_b64 = next(iter(key_file_data(settings.RAPPORT_KEY_FILE)["keys"].values()))
    key_id, dek = keyring.active_key(keyring.KeyOwner("couple", couple.pk))
    row = DataKey.objects.get(pk=key_id)
    secrets_b64 = [kek_b64, base64.b64encode(dek).decode(), base64.b64encode(bytes(row.wrapped_key)).decode()]
    secrets_raw = [base64.b64decode(kek_b64), dek]
    texts = [repr(row), str(row), repr(get_key_provider()), get_key_provider().describe()]

    blob = bytearray(raw("clinic_couple", "presenting_concerns", couple.pk))
    blob[-1] ^= 1
    write_raw("clinic_couple", "presenting_concerns", couple.pk, bytes(blob))
    with pytest.raises(CryptoError) as tampered:
        Couple.objects.get(pk=couple.pk).presenting_concerns  # noqa: B018
    write_wrong_key_file(settings, tmp_path, same_id=True)
    with pytest.raises(CryptoError) as wrong_kek:
        keyring.unwrap(row)
    texts += [str(tampered.value), repr(tampered.value), str(wrong_kek.value), repr(get_key_provider())]
    texts += [repr(event.detail) for event in AuditEvent.objects.all()]

    for text in texts:
        for secret in secrets_b64:
            assert secret not in text
            assert secret.rstrip("=")[:20] not in text
        for secret in secrets_raw:
            assert secret.hex() not in text
            assert repr(secret)[2:30] not in text


def test_keys_are_not_derived_from_secret_key(settings):
    couple = CoupleFactory(presenting_concerns="written under one SECRET_KEY")
    settings.SECRET_KEY = "a-completely-different-secret-key-for-this-test-0123456789"
    settings.SECRET_KEY_FALLBACKS = []
    keyring.clear_cache()
    assert Couple.objects.get(pk=couple.pk).presenting_concerns == "written under one SECRET_KEY"
    other = CoupleFactory(practice=couple.practice, presenting_concerns="written under the other")
    keyring.clear_cache()
    assert Couple.objects.get(pk=other.pk).presenting_concerns == "written under the other"


def test_values_are_bytes_in_the_database():
    couple = CoupleFactory()
    with connection.cursor() as cursor:
        cursor.execute("SELECT presenting_concerns FROM clinic_couple")
        (value,) = cursor.fetchone()
    assert isinstance(value, bytes | memoryview)
    assert couple.pk


def test_associated_data_keeps_the_documented_format():
    partner = CoupleFactory().partners.get(position="a")
    field = Partner._meta.get_field("ipv_notes")
    owner = keyring.KeyOwner("couple", partner.couple_id)
    expected = envelope.value_aad("clinic_partner", "ipv_notes", partner.pk, str(owner))
    assert field.aad_for(partner) == expected
    assert field.aad_for(Partner.objects.get(pk=partner.pk)) == expected


def test_a_key_created_in_a_rolled_back_transaction_is_not_used_afterwards():
    practice = PracticeFactory()
    owner = keyring.KeyOwner("practice", practice.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        keyring.active_key(owner)
        raise RuntimeError
    assert not DataKey.objects.filter(owner_id=practice.pk).exists()
    key_id, _ = keyring.active_key(owner)
    assert DataKey.objects.filter(pk=key_id, owner_id=practice.pk).exists()


def test_json_edited_in_place_is_saved(probe):
    row = probe.objects.create(couple_id=PracticeFactory().pk, data={"moods": [{"mood": "anxious", "before": 80}]})
    loaded = probe.objects.get(pk=row.pk)
    loaded.data["moods"].append({"mood": "calm", "before": 20})
    loaded.save()
    keyring.clear_cache()
    assert probe.objects.get(pk=row.pk).data["moods"][-1] == {"mood": "calm", "before": 20}
    again = probe.objects.get(pk=row.pk)
    before = raw("test_crypto_probe", "data", row.pk)
    assert again.data["moods"]  # read, not changed
    again.save()
    assert raw("test_crypto_probe", "data", row.pk) == before
