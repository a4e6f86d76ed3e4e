"""Helpers for the encryption tests: raw column access and key-file swaps (not a test module)."""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
from pathlib import Path

from django.db import connection

from keys import keyring
from keys.providers import reset_key_provider


def _pk_param(pk):
    return pk.hex if connection.vendor == "sqlite" else pk


def raw(table: str, column: str, pk) -> bytes:
    """A column's stored bytes, read with SQL (bypassing the ORM)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [_pk_param(pk)])
        return bytes(cursor.fetchone()[0])


def write_raw(table: str, column: str, pk, value: bytes) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, _pk_param(pk)])


def use_key_file(settings, path: Path) -> Path:
    """Point RAPPORT_KEY_FILE at `path` and forget every loaded key (the settings fixture restores it)."""
    settings.RAPPORT_KEY_FILE = path
    reset_key_provider()
    keyring.clear_cache()
    return path


def copy_key_file(settings, directory: Path) -> Path:
    """A private copy of the run's key file, so a test may add keys to it."""
    path = directory / "rapport.key"
    shutil.copy(settings.RAPPORT_KEY_FILE, path)
    os.chmod(path, 0o600)
    return use_key_file(settings, path)


def key_file_data(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def write_wrong_key_file(settings, directory: Path, *, same_id: bool) -> Path:
    """A key file holding a different key: under the same id as the run's key, or under a new id."""
    active = key_file_data(settings.RAPPORT_KEY_FILE)["active"]
    kek_id = active if same_id else "kek-wrong"
    path = directory / "wrong.key"
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    path.write_text(json.dumps({"active": kek_id, "keys": {kek_id: key}}))
    return use_key_file(settings, path)


def make_probe_model():
    """A test-only encrypted model in the clinic app, to prove new models are picked up automatically."""
    import uuid

    from django.db import models

    from keys.fields import EncryptedJSONField, EncryptedModel, EncryptedTextField

    class CryptoProbe(EncryptedModel):
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        couple_id = models.UUIDField(db_index=True)
        data = EncryptedJSONField(null=True, blank=True)
        text = EncryptedTextField(blank=True, default="")

        key_owner_kind = "couple"
        key_owner_field = "couple_id"

        class Meta:
            app_label = "clinic"
            db_table = "test_crypto_probe"

    return CryptoProbe


def create_probe_table():
    model = make_probe_model()
    with connection.schema_editor() as editor:
        editor.create_model(model)
    return model


def drop_probe_table(model) -> None:
    from django.apps import apps

    with connection.schema_editor() as editor:
        editor.delete_model(model)
    del apps.all_models["clinic"][model._meta.model_name]
    apps.clear_cache()
