"""What other apps report to the audit trail through signals (connected in AuditConfig.ready())."""

from __future__ import annotations

from typing import Any

from .models import AuditEvent
from .services import record_event


def on_decryption_failed(sender: Any, *, table: str, column: str, row_id: Any, **kwargs: Any) -> None:
    """A stored value failed to open: tampering, a moved ciphertext, or a wrong key."""
    record_event(
        "crypto.decrypt_failed",
        object_type=table,
        object_id=row_id,
        outcome=AuditEvent.Outcome.FAILED,
        detail={"column": column},
    )


def on_key_event(
    sender: Any, *, action: str, outcome: str, object_type: str, object_id: Any, couple_id: Any, detail: dict,
    **kwargs: Any,
) -> None:
    record_event(
        action, object_type=object_type, object_id=object_id, couple_id=couple_id, outcome=outcome, detail=detail
    )
