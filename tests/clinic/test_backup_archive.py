"""The backup file format on its own (no database): chunks, keys, tampering; and which tables are backed up."""

from __future__ import annotations

import io
import json

import pytest

from clinic.backup import archive
from clinic.backup.errors import BackupError, RestoreRefused
from clinic.backup.tables import EXCLUDED_APPS, EXCLUDED_MODELS, backed_up_models, backup_tables
from keys.providers import StaticKeyProvider
from tests.clinic.backup_support import frame_offsets, header_bytes_of, with_header


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(archive, "CHUNK_BYTES", 64)


def _write(records, provider, *, backup_id="b-1") -> bytes:
    stream = io.BytesIO()
    writer = archive.ArchiveWriter(stream, {"backup_id": backup_id, "tables": []}, provider)
    for record in records:
        writer.write_record(record)
    writer.close()
    return stream.getvalue()


def _read(data: bytes, provider) -> list:
    stream = io.BytesIO(data)
    header, aad = archive.read_header(stream)
    return list(archive.read_records(stream, archive.unwrap_backup_key(header, provider), aad))


PROVIDER = StaticKeyProvider({"kek-a": b"a" * 32}, "kek-a")
RECORDS = [{"table": "t"}, *[[i, "x" * (i % 50), None] for i in range(300)], {"done": 1}]


def test_archive_round_trip_in_many_chunks(small_chunks):
    data = _write(RECORDS, PROVIDER)
    assert len(frame_offsets(data)) > 10
    assert _read(data, PROVIDER) == RECORDS


def test_archive_refuses_reordered_dropped_or_appended_chunks(small_chunks):
    data = _write(RECORDS, PROVIDER)
    offsets = frame_offsets(data) + [len(data)]
    frames = [data[a:b] for a, b in zip(offsets, offsets[1:], strict=False)]
    start = data[: offsets[0]]
    variants = {
        "swapped": start + frames[1] + frames[0] + b"".join(frames[2:]),
        "last dropped": start + b"".join(frames[:-1]),
        "middle dropped": start + frames[0] + b"".join(frames[2:]),
        "repeated": start + frames[0] + b"".join(frames),
        "appended": data + frames[-1],
    }
    for name, variant in variants.items():
        with pytest.raises(BackupError, match="fails authentication"):
            _read(variant, PROVIDER)
        assert name


def test_archive_keys_are_per_backup_and_bound_to_the_header():
    first, second = _write(RECORDS, PROVIDER, backup_id="b-1"), _write(RECORDS, PROVIDER, backup_id="b-2")
    assert json.loads(header_bytes_of(first))["wrapped_key"] != json.loads(header_bytes_of(second))["wrapped_key"]
    header = json.loads(header_bytes_of(first))
    header["backup_id"] = "b-2"  # the wrapped key no longer matches: its associated data names the backup
    forged = json.dumps(header, sort_keys=True).encode()
    with pytest.raises(RestoreRefused, match="cannot open this backup"):
        _read(with_header(first, forged), PROVIDER)
    with pytest.raises(BackupError, match="not a Rapport backup"):
        _read(b"PK\x03\x04" + first, PROVIDER)


# --- what is backed up ---------------------------------------------------------------------------------


def test_every_practice_table_is_backed_up_children_before_parents():
    from django.apps import apps

    backed_up = {m._meta.label_lower for m in backed_up_models()}
    for app in ("clinic", "plans", "notes", "reports"):
        for model in apps.get_app_config(app).get_models():
            label = model._meta.label_lower
            assert label in backed_up or label in EXCLUDED_MODELS, label
    assert {"otp_totp.totpdevice", "otp_static.staticdevice", "otp_static.statictoken"} <= backed_up
    assert not any(label.split(".")[0] in EXCLUDED_APPS for label in backed_up)
    order = [t.table for t in backup_tables()]
    assert order.index("notes_objectiverating") < order.index("notes_progressnote") < order.index("clinic_couple")
    assert order.index("clinic_couple") < order.index("clinic_practice")
