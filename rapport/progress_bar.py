"""A dependency-free progress bar for the key commands (on a terminal; one final line otherwise)."""

from __future__ import annotations

import time
from typing import TextIO

from django.core.management.base import OutputWrapper


class ProgressBar:
    """Call `update(done, total)` as often as you like; the bar redraws at most ten times a second."""

    def __init__(self, stream: TextIO, label: str, width: int = 30) -> None:
        self.stream = stream
        self.label = label
        self.width = width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.done = 0
        self.total = 0
        self._drawn_at = 0.0
        self._started = time.monotonic()

    def update(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if self.tty and (now - self._drawn_at >= 0.1 or done >= total):
            self._drawn_at = now
            self._write("\r" + self._line())

    def finish(self) -> None:
        elapsed = time.monotonic() - self._started
        line = f"{self._line()} in {elapsed:.1f}s"
        self._write(("\r" + line + "\n") if self.tty else line + "\n")

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()

    def _line(self) -> str:
        fraction = self.done / self.total if self.total else 1.0
        filled = int(self.width * fraction)
        bar = "#" * filled + "." * (self.width - filled)
        return f"{self.label} [{bar}] {self.done}/{self.total} ({fraction:.0%})"
