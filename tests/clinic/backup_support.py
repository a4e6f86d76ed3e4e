"""Helpers for the backup tests: take a backup file apart (not a test module)."""

from __future__ import annotations

import struct

from clinic.backup import archive


def header_bytes_of(data: bytes) -> bytes:
    (length,) = struct.unpack(">I", data[len(archive.MAGIC) : len(archive.MAGIC) + 4])
    return data[len(archive.MAGIC) + 4 : len(archive.MAGIC) + 4 + length]


def with_header(data: bytes, header: bytes) -> bytes:
    rest = data[len(archive.MAGIC) + 4 + len(header_bytes_of(data)) :]
    return archive.MAGIC + struct.pack(">I", len(header)) + header + rest


def frame_offsets(data: bytes) -> list[int]:
    offset = len(archive.MAGIC) + 4 + len(header_bytes_of(data))
    offsets = []
    while offset < len(data):
        offsets.append(offset)
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        offset += 4 + length
    return offsets


# --- the file format on its own -------------------------------------------------------------------------
