"""Benchmark: our encrypted field vs a plain TextField vs django-fernet-encrypted-fields, and KEK rotation.

Run: .venv/bin/python bench/crypto_bench.py [--notes 10000] [--couples 1000] [--values 50000]
Not a test. Uses bench/bench_settings.py (a temporary SQLite file; BENCH_DATABASE_URL for PostgreSQL),
prints a Markdown table and writes it to bench/results-crypto.md.

1. Write then read N note-sized values (2 KB) through the ORM with each field. Writes: one `save()` per
   row, (a) all in one transaction, so commit costs do not hide the field's own cost, and (b) each in its
   own transaction, as the app writes notes. Reads: every row loaded and its text read. Best of several
   rounds, the three fields interleaved within each round.
2. KEK rotation for C couples holding V values: ours re-wraps C data keys (`kek_rotation.rotate_kek`); the
   peer must decrypt and re-encrypt every value with the new key (load, then `bulk_update` in batches,
   the fastest the peer allows).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import string
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench.benchapp.models import OurNote, PeerNote, PlainNote  # noqa: E402
from keys import kek_rotation, keyring  # noqa: E402
from keys.providers import reset_key_provider, write_key_file  # noqa: E402

NOTE_CHARS = 2048
RESULTS = Path(__file__).resolve().parent / "results-crypto.md"


def note_texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(500)]
    texts = []
    for _ in range(n):
        text = ""
        while len(text) < NOTE_CHARS:
            text += rng.choice(words) + " "
        texts.append(text[:NOTE_CHARS])
    return texts


def reset_peer_keys() -> None:
    field = PeerNote._meta.get_field("body")
    for name in ("keys", "f"):
        field.__dict__.pop(name, None)


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def write_rows(model, couples: list[uuid.UUID], texts: list[str]) -> None:
    """One save() per row, all in one transaction: the field's own cost, nothing hiding it."""
    with transaction.atomic():
        for i, text in enumerate(texts):
            model(couple_id=couples[i % len(couples)], body=text).save(force_insert=True)


def write_rows_autocommit(model, couples: list[uuid.UUID], texts: list[str]) -> None:
    """One save() per row, each its own transaction, as the app's services write notes."""
    for i, text in enumerate(texts):
        with transaction.atomic():
            model(couple_id=couples[i % len(couples)], body=text).save(force_insert=True)


def checkpoint() -> None:
    """Fold SQLite's write-ahead log back into the file, so no timing pays for an earlier bulk load."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def read_rows(model) -> int:
    total = 0
    for row in model.objects.all().iterator(chunk_size=2000):
        total += len(row.body)
    return total


def bench_fields(n_notes: int, rounds: int) -> dict[str, dict[str, float]]:
    texts = note_texts(n_notes)
    couples = [uuid.uuid4() for _ in range(100)]
    for couple_id in couples:  # data keys exist before the notes are written, as in the app
        keyring.active_key(keyring.KeyOwner("couple", couple_id))
    models = {"plain TextField": PlainNote, "Rapport EncryptedTextField": OurNote,
              "django-fernet-encrypted-fields": PeerNote}
    phases = {"write": write_rows, "write_autocommit": write_rows_autocommit}
    best = {name: {phase: float("inf") for phase in [*phases, "read"]} for name in models}
    expected = n_notes * NOTE_CHARS
    for _ in range(rounds):
        for phase, writer in phases.items():
            for name, model in models.items():
                model.objects.all().delete()
                checkpoint()
                keyring.clear_cache()  # each round opens the data keys again (100 unwraps)
                elapsed, _ = timed(lambda m=model, w=writer: w(m, couples, texts))
                best[name][phase] = min(best[name][phase], elapsed)
                keyring.clear_cache()
                checkpoint()
                elapsed, chars = timed(lambda m=model: read_rows(m))
                best[name]["read"] = min(best[name]["read"], elapsed)
                assert chars == expected, (name, chars, expected)
    return best


def bench_cipher(n_notes: int, rounds: int) -> float:
    """AES-256-GCM alone on the same values: a random 12-byte nonce, encrypt with associated data of the field's
    shape, then decrypt; no ORM, no database. The part of the field's cost no implementation can remove."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(AESGCM.generate_key(bit_length=256))
    values = [text.encode() for text in note_texts(n_notes)]
    aads = [f"rapport:v1|benchapp_ournote|text|{uuid.uuid4()}|couple:{uuid.uuid4()}".encode() for _ in values]
    best = float("inf")
    for _ in range(rounds):
        began = time.perf_counter()
        for value, aad in zip(values, aads, strict=True):
            nonce = os.urandom(12)
            aead.decrypt(nonce, aead.encrypt(nonce, value, aad), aad)
        best = min(best, time.perf_counter() - began)
    return best


def bench_rotation(n_couples: int, n_values: int) -> dict[str, float]:
    texts = note_texts(200, seed=11)
    couples = [uuid.uuid4() for _ in range(n_couples)]
    OurNote.objects.all().delete()
    PeerNote.objects.all().delete()
    for model in (OurNote, PeerNote):
        with transaction.atomic():
            for i in range(n_values):
                model(couple_id=couples[i % n_couples], body=texts[i % len(texts)]).save(force_insert=True)
    keys_before = kek_rotation.kek_ids_in_use()
    result = {"ours": float("inf"), "peer": float("inf")}

    # Ours: a new active KEK in the key file, then re-wrap every data key.
    for _ in range(3):
        write_key_file(settings.RAPPORT_KEY_FILE, add_new_active=True)
        reset_key_provider()
        keyring.clear_cache()
        checkpoint()
        elapsed, done = timed(kek_rotation.rotate_kek)
        result["ours"] = min(result["ours"], elapsed)
        result["ours_keys"] = done.rewrapped

    # Peer: a new salt first in SALT_KEY; every row decrypted with the old key and saved with the new one.
    def peer_rotate() -> None:
        batch = []
        with transaction.atomic():
            for row in PeerNote.objects.all().iterator(chunk_size=2000):
                row.body = row.body  # decrypted on load; re-encrypted with the first key on write
                batch.append(row)
                if len(batch) == 1000:
                    PeerNote.objects.bulk_update(batch, ["body"])
                    batch = []
            if batch:
                PeerNote.objects.bulk_update(batch, ["body"])

    for salt in ("bench-salt-second", "bench-salt-third"):
        settings.SALT_KEY = [salt, settings.SALT_KEY[0]]
        reset_peer_keys()
        checkpoint()
        result["peer"] = min(result["peer"], timed(peer_rotate)[0])
    result["values"] = n_values
    result["couples"] = n_couples
    assert sum(keys_before.values()) >= n_couples

    # Both still read: ours through the new KEK, the peer's with only the new salt.
    keyring.clear_cache()
    assert OurNote.objects.filter(couple_id=couples[0]).first().body in texts
    settings.SALT_KEY = settings.SALT_KEY[:1]
    reset_peer_keys()
    assert PeerNote.objects.first().body in texts
    return result


def table(fields: dict[str, dict[str, float]], rot: dict[str, float], n_notes: int, cipher: float) -> str:
    plain = fields["plain TextField"]
    db = connection.vendor + (f" {connection.Database.sqlite_version}" if connection.vendor == "sqlite" else "")
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}, "
        f"Django {django.get_version()}, {db} (file in a temp dir, WAL). Best of the rounds for each cell.",
        "",
        f"**{n_notes:,} note-sized values ({NOTE_CHARS:,} characters): write, then read every row through "
        "the ORM**",
        "",
        "| field | write, one transaction | write, a transaction per save | read | write + read "
        "(one transaction) | write + read (per save) |",
        "|---|---:|---:|---:|---:|---:|",
    ]

    def ratio(value: float, base: float) -> str:
        return f"{value / base:.2f}x"

    for name, t in fields.items():
        strict = t["write"] + t["read"]
        per_save = t["write_autocommit"] + t["read"]
        lines.append(
            f"| {name} | {t['write']:.2f} s ({ratio(t['write'], plain['write'])}) "
            f"| {t['write_autocommit']:.2f} s ({ratio(t['write_autocommit'], plain['write_autocommit'])}) "
            f"| {t['read']:.2f} s ({ratio(t['read'], plain['read'])}) "
            f"| {strict:.2f} s (**{ratio(strict, plain['write'] + plain['read'])}**) "
            f"| {per_save:.2f} s (**{ratio(per_save, plain['write_autocommit'] + plain['read'])}**) |"
        )
    ours = fields["Rapport EncryptedTextField"]
    plain_total = plain["write"] + plain["read"]
    ours_total = ours["write"] + ours["read"]
    lines += [
        "",
        f"**The cipher apart**: AES-256-GCM alone (a random nonce, encrypt with the field's associated data, "
        f"decrypt; no ORM, no database) takes {cipher:.3f} s for the same {n_notes:,} values. Plain text plus the "
        f"cipher alone is the floor of an encrypted field: {plain_total + cipher:.2f} s, "
        f"**{(plain_total + cipher) / plain_total:.2f}x** plain text (write + read, one transaction). "
        f"Rapport's field adds {max(ours_total - plain_total - cipher, 0.0):.2f} s beyond plain text and the cipher "
        f"({max(ours_total - plain_total - cipher, 0.0) / n_notes * 1e6:.0f} µs per value written and read: the "
        "header, the associated data, the key lookup and Django's field hooks).",
    ]
    lines += [
        "",
        f"**KEK rotation, {rot['couples']:,} couples holding {rot['values']:,} values ({NOTE_CHARS:,} characters "
        "each)**",
        "",
        "| rotation | what it rewrites | time | speed-up |",
        "|---|---|---:|---:|",
        f"| Rapport `rotate_kek` | {rot['ours_keys']:,} data-key rows (every data key in the database) "
        f"| {rot['ours']:.3f} s | **{rot['peer'] / rot['ours']:.0f}x** |",
        f"| django-fernet-encrypted-fields: decrypt and re-save every row | {rot['values']:,} note rows "
        f"| {rot['peer']:.2f} s | 1x |",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--couples", type=int, default=1_000)
    parser.add_argument("--values", type=int, default=50_000)
    parser.add_argument("--no-write", action="store_true", help="Print the table without writing the results file.")
    args = parser.parse_args()

    write_key_file(settings.RAPPORT_KEY_FILE)
    reset_key_provider()
    call_command("migrate", run_syncdb=True, verbosity=0)
    print(f"Benchmark database: {connection.settings_dict['NAME']}", file=sys.stderr)
    fields = bench_fields(args.notes, args.rounds)
    cipher = bench_cipher(args.notes, args.rounds)
    rot = bench_rotation(args.couples, args.values)
    text = table(fields, rot, args.notes, cipher)
    print(text)
    if not args.no_write:
        RESULTS.write_text("# Encryption benchmark (bench/crypto_bench.py)\n\n" + text)
        print(f"Written to {RESULTS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
