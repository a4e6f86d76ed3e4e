"""What the key commands share: they work in committed batches and report progress as they go."""

from __future__ import annotations

from collections.abc import Callable

BATCH_SIZE = 500

Progress = Callable[[int, int], None]  # (done, total)


def no_progress(done: int, total: int) -> None:
    return None
