"""Optimistic concurrency, shared by every app: each versioned record carries an edit counter, every write
names the version it started from, and a stale one is refused, never silently applied."""

from __future__ import annotations


class StaleVersion(Exception):
    """The record changed since the caller loaded it; nothing was written.

    Pages show both texts in the conflict panel; the API answers 409 with `current_version`."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"The record was changed by someone else (now version {current_version}).")
        self.current_version = current_version
