"""Encrypted fields: round trips, binding to row/column/owner, and refusal of tampered values."""

import pytest
from django.db import connection

from clinic.crypto.errors import DecryptionError, EncryptionContextError
from clinic.models import AuditEvent, Client, Couple, Partner
from tests.factories import ClientFactory, CoupleFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def raw(table: str, column: str, pk) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk.hex if connection.vendor == "sqlite" else pk])
        return bytes(cursor.fetchone()[0])


def write_raw(table: str, column: str, pk, value: bytes) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s",
                       [value, pk.hex if connection.vendor == "sqlite" else pk])


def test_text_round_trips_and_is_not_stored_in_clear():
    couple = CoupleFactory(presenting_concerns="She reads his messages every night")
    assert Couple.objects.get(pk=couple.pk).presenting_concerns == "She reads his messages every night"
    assert b"messages" not in raw("clinic_couple", "presenting_concerns", couple.pk)


def test_value_copied_to_another_row_fails_and_is_audited():
    first = CoupleFactory(presenting_concerns="first couple's secret")
    second = CoupleFactory(practice=first.practice, presenting_concerns="second")
    write_raw("clinic_couple", "presenting_concerns", second.pk, raw("clinic_couple", "presenting_concerns", first.pk))
    with pytest.raises(DecryptionError):
        Couple.objects.get(pk=second.pk).presenting_concerns  # noqa: B018
    assert AuditEvent.objects.filter(action="crypto.decrypt_failed", object_id=str(second.pk)).exists()


def test_flipped_bit_fails():
    couple = CoupleFactory()
    blob = bytearray(raw("clinic_couple", "presenting_concerns", couple.pk))
    blob[-1] ^= 1
    write_raw("clinic_couple", "presenting_concerns", couple.pk, bytes(blob))
    with pytest.raises(DecryptionError):
        Couple.objects.get(pk=couple.pk).presenting_concerns  # noqa: B018


def test_queryset_update_of_encrypted_field_is_refused():
    CoupleFactory()
    with pytest.raises(EncryptionContextError):
        Couple.objects.update(presenting_concerns="x")


def test_unchanged_value_keeps_its_ciphertext_on_save():
    practice = PracticeFactory()
    client = ClientFactory(practice=practice)
    before = raw("clinic_client", "first_name", client.pk)
    loaded = Client.objects.get(pk=client.pk)
    loaded.phone = "01234"
    loaded.save()
    assert raw("clinic_client", "first_name", client.pk) == before
    assert Partner.objects.count() == 0
