"""The backup file: a readable header, then the compressed dump sealed in authenticated chunks.

    magic (16 bytes) | header length (4 bytes, big-endian) | header (JSON, UTF-8)
    then frames:  length (4 bytes, big-endian) | AES-256-GCM(backup key, chunk) + tag

A fresh random 256-bit backup key seals the gzip-compressed record stream in chunks of CHUNK_BYTES.
Chunk i uses the nonce (i as 11 bytes | 1 if it is the last chunk else 0) and, as associated data, the
SHA-256 of magic and header, so an edited header, a reordered, dropped or repeated chunk, or a file cut
short (its last chunk was not sealed as the last) fails authentication (the STREAM construction). The
backup key is stored in the header only wrapped by the active key-encryption key, through the
KeyProvider: the KEK itself never enters the file. The header holds no clinical data: format, ids,
versions, the applied migrations, table names and row counts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from keys import envelope
from keys.errors import DecryptionError, KeyProviderError
from keys.providers import KeyProvider

from .errors import BackupError, RestoreRefused

MAGIC = b"RAPPORT-BACKUP\x00\x01"
FORMAT_VERSION = 1
CHUNK_BYTES = 1 << 20
KEY_BYTES = 32
_COMPRESS_BATCH_BYTES = 256 << 10
_LENGTH = struct.Struct(">I")
_MAX_HEADER_BYTES = 16 << 20
_GZIP = 16 + zlib.MAX_WBITS
KEY_SETTINGS = "RAPPORT_KEY_FILE (key file) or RAPPORT_KEK / RAPPORT_OLD_KEKS (environment)"


def _key_aad(backup_id: str, kek_id: str) -> bytes:
    return f"rapport-backup:v{FORMAT_VERSION}|{backup_id}|{kek_id}".encode()


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


@dataclass(frozen=True)
class Header:
    fields: dict[str, Any]

    @property
    def backup_id(self) -> str:
        return self.fields["backup_id"]

    @property
    def kek_id(self) -> str:
        return self.fields["kek_id"]

    @property
    def tables(self) -> list[dict[str, Any]]:
        return self.fields["tables"]

    @property
    def total_rows(self) -> int:
        return sum(t["rows"] for t in self.tables)


class ArchiveWriter:
    """Seal records into `stream` after writing the header; `close()` seals the last chunk."""

    def __init__(self, stream: BinaryIO, header: dict[str, Any], provider: KeyProvider) -> None:
        self._key = secrets.token_bytes(KEY_BYTES)
        kek_id = provider.active_kek_id
        wrapped = envelope.wrap_key(provider.get_kek(kek_id), self._key, _key_aad(header["backup_id"], kek_id))
        header = {
            "format": "rapport-backup",
            "format_version": FORMAT_VERSION,
            **header,
            "kek_id": kek_id,
            "wrapped_key": base64.b64encode(wrapped).decode("ascii"),
            "chunk_bytes": CHUNK_BYTES,
        }
        header_bytes = json.dumps(header, sort_keys=True).encode()
        self._stream = stream
        self._stream.write(MAGIC + _LENGTH.pack(len(header_bytes)) + header_bytes)
        self._aad = hashlib.sha256(MAGIC + header_bytes).digest()
        self._aead = AESGCM(self._key)
        # Level 1: the bulk of a dump is ciphertext, which no level compresses; level 1 still takes back
        # most of what base64 adds, several times faster than the default level.
        self._compressor = zlib.compressobj(1, zlib.DEFLATED, _GZIP)
        self._lines: list[bytes] = []
        self._lines_bytes = 0
        self._pending = bytearray()
        self._index = 0
        self.header = Header(header)

    def write_record(self, record: Any) -> None:
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        self._lines.append(line)
        self._lines_bytes += len(line)
        if self._lines_bytes >= _COMPRESS_BATCH_BYTES:
            self._compress_lines()

    def _compress_lines(self) -> None:
        self._pending += self._compressor.compress(b"".join(self._lines))
        self._lines.clear()
        self._lines_bytes = 0
        # Keep at least one byte back: the last chunk must be sealed as the last.
        while len(self._pending) > CHUNK_BYTES:
            self._seal(bytes(self._pending[:CHUNK_BYTES]), final=False)
            del self._pending[:CHUNK_BYTES]

    def close(self) -> None:
        self._compress_lines()
        self._pending += self._compressor.flush()
        while len(self._pending) > CHUNK_BYTES:
            self._seal(bytes(self._pending[:CHUNK_BYTES]), final=False)
            del self._pending[:CHUNK_BYTES]
        self._seal(bytes(self._pending), final=True)
        self._pending.clear()

    def _seal(self, chunk: bytes, *, final: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._index, final), chunk, self._aad)
        self._stream.write(_LENGTH.pack(len(sealed)) + sealed)
        self._index += 1


def read_header(stream: BinaryIO) -> tuple[Header, bytes]:
    """The header (readable without any key) and the associated data of the chunks that follow."""
    start = stream.read(len(MAGIC) + _LENGTH.size)
    if len(start) < len(MAGIC) + _LENGTH.size or start[: len(MAGIC)] != MAGIC:
        raise BackupError("This is not a Rapport backup file (or it is from an unknown format version).")
    (length,) = _LENGTH.unpack(start[len(MAGIC) :])
    if length > _MAX_HEADER_BYTES:
        raise BackupError("The backup file's header is damaged.")
    header_bytes = stream.read(length)
    try:
        fields = json.loads(header_bytes)
    except ValueError:
        raise BackupError("The backup file's header is damaged.") from None
    if len(header_bytes) != length or fields.get("format_version") != FORMAT_VERSION:
        raise BackupError("The backup file's header is damaged or from an unknown format version.")
    return Header(fields), hashlib.sha256(MAGIC + header_bytes).digest()


def unwrap_backup_key(header: Header, provider: KeyProvider) -> bytes:
    """The backup key, opened with the KEK the header names; refused with the setting to fix."""
    try:
        kek = provider.get_kek(header.kek_id)
    except KeyProviderError:
        raise RestoreRefused(
            f"This backup was made with key-encryption key {header.kek_id!r}, which is not in "
            f"{provider.describe()}. Configure the key file or key the backup was made with: {KEY_SETTINGS}."
        ) from None
    try:
        wrapped = base64.b64decode(header.fields["wrapped_key"])
        return envelope.unwrap_key(kek, wrapped, _key_aad(header.backup_id, header.kek_id))
    except (DecryptionError, ValueError):
        raise RestoreRefused(
            f"The key-encryption key {header.kek_id!r} from {provider.describe()} cannot open this backup: it is "
            f"another key under the same id, or the header was altered. Fix {KEY_SETTINGS}."
        ) from None


def _frames(stream: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    """Each sealed frame, and whether it is the last one in the file."""
    current = _read_frame(stream)
    if current is None:
        raise BackupError("The backup file is truncated: it holds no data after its header.")
    while True:
        following = _read_frame(stream)
        yield current, following is None
        if following is None:
            return
        current = following


def _read_frame(stream: BinaryIO) -> bytes | None:
    prefix = stream.read(_LENGTH.size)
    if not prefix:
        return None
    if len(prefix) < _LENGTH.size:
        raise BackupError("The backup file is truncated.")
    (length,) = _LENGTH.unpack(prefix)
    if length > CHUNK_BYTES + 16:
        raise BackupError("The backup file is damaged (a chunk has an impossible length).")
    frame = stream.read(length)
    if len(frame) != length:
        raise BackupError("The backup file is truncated.")
    return frame


def decrypted_stream(stream: BinaryIO, key: bytes, aad: bytes) -> Iterator[bytes]:
    """The decompressed record stream, piece by piece, refusing any altered, missing or extra chunk."""
    aead = AESGCM(key)
    decompressor = zlib.decompressobj(_GZIP)
    for index, (frame, final) in enumerate(_frames(stream)):
        try:
            chunk = aead.decrypt(_nonce(index, final), frame, aad)
        except InvalidTag:
            raise BackupError(
                f"The backup file is damaged, truncated or altered (chunk {index} fails authentication). "
                "Nothing from it can be trusted; use another backup."
            ) from None
        try:
            yield decompressor.decompress(chunk)
        except zlib.error:
            raise BackupError("The backup file is damaged: its data does not decompress.") from None
    if not decompressor.eof:
        raise BackupError("The backup file is damaged: its compressed data is incomplete.")


def read_records(stream: BinaryIO, key: bytes, aad: bytes) -> Iterator[Any]:
    """Parse the records of the decrypted stream, one JSON value per line."""
    partial = b""
    for piece in decrypted_stream(stream, key, aad):
        lines = (partial + piece).split(b"\n")
        partial = lines.pop()
        for line in lines:
            yield json.loads(line)
    if partial:
        raise BackupError("The backup file is damaged: its data ends in the middle of a record.")


def write_archive_atomically(path: Path) -> tuple[BinaryIO, Path]:
    """Open a private temporary file next to `path`; the caller renames it into place when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, "wb"), partial
