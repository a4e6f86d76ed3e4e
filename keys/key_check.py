"""The keyring check: prove that the configured KEK opens every live data key (manage.py check_keys)."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from . import keyring
from .batching import BATCH_SIZE, Progress, no_progress
from .errors import CryptoError
from .models import DataKey
from .providers import get_key_provider
from .signals import send_key_event


@dataclass
class KeyCheck:
    source: str
    opened_by_kind: Counter = field(default_factory=Counter)
    by_kek: Counter = field(default_factory=Counter)
    shredded: int = 0
    failures: list[tuple[uuid.UUID, str, str]] = field(default_factory=list)  # (key id, kind, message)

    @property
    def ok(self) -> bool:
        return not self.failures


def check_keys(*, batch_size: int = BATCH_SIZE, on_progress: Progress = no_progress) -> KeyCheck:
    """Unwrap every live data key with the configured KEK(s). Audited as `keys.check`."""
    provider = get_key_provider()
    result = KeyCheck(source=provider.describe())
    result.shredded = DataKey.objects.filter(state=DataKey.State.SHREDDED).count()
    live = DataKey.objects.exclude(state=DataKey.State.SHREDDED).order_by("pk")
    total = live.count()
    on_progress(0, total)
    for done, row in enumerate(live.iterator(chunk_size=batch_size), start=1):
        try:
            keyring.unwrap(row)
        except CryptoError as exc:
            result.failures.append((row.id, row.owner_kind, str(exc)))
        else:
            result.opened_by_kind[row.owner_kind] += 1
            result.by_kek[row.kek_id] += 1
        if done % batch_size == 0 or done == total:
            on_progress(done, total)
    send_key_event(
        "keys.check",
        object_id=result.failures[0][0] if result.failures else "",
        outcome="ok" if result.ok else "failed",
        detail={
            "opened": dict(result.opened_by_kind),
            "failed": len(result.failures),
            "shredded": result.shredded,
            "by_kek": dict(result.by_kek),
        },
    )
    return result
