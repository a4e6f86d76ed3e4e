"""What the keys app tells the rest of the project, without importing it.

The audit app connects to both in its AppConfig.ready(); the keys app imports no other app of ours.

decryption_failed(table, column, row_id)
    A stored value failed to open: tampering, a ciphertext moved to another row, or a wrong key.
key_event(action, outcome, object_type, object_id, couple_id, detail)
    A key operation finished (`keys.rotate_kek`, `keys.add_kek`, `keys.retire_kek`, `keys.rotate_dek`,
    `keys.check`). `outcome` is "ok" or "failed"; `detail` holds ids and counts, never key material.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

decryption_failed = Signal()
key_event = Signal()


def send_key_event(
    action: str,
    *,
    outcome: str = "ok",
    object_type: str = "clinic.datakey",
    object_id: Any = "",
    couple_id: Any = None,
    detail: dict | None = None,
) -> None:
    key_event.send(
        sender=None, action=action, outcome=outcome, object_type=object_type, object_id=object_id,
        couple_id=couple_id, detail=detail or {},
    )


def send_decryption_failed(*, table: str, column: str, row_id: Any) -> None:
    decryption_failed.send(sender=None, table=table, column=column, row_id=row_id)
