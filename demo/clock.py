"""Running part of the demo at a moment in the past.

The demo's history lies in the past, but the services stamp signatures, co-signatures and acknowledgements
with the current time. While a past step runs, `clock_at` freezes the process's clock at that moment with
time-machine, which replaces the clock functions of `time` and `datetime` underneath Python: production code
is not touched, and every reader of the time (a service, a model's default, the audit event) sees the same
moment, so a plan signed six months ago says so and its audit event agrees. For the seed commands only,
never while the same process serves requests.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

import time_machine
from django.utils import timezone

__all__ = ["clock_at"]


@contextmanager
def clock_at(moment: datetime.datetime) -> Iterator[None]:
    """Make `moment` the current time, standing still, until the block ends. Refuses a moment in the future
    (the demo only ever dates things when they would have happened)."""
    if moment > timezone.now():
        raise ValueError("The demo's clock cannot be set in the future.")
    with time_machine.travel(moment, tick=False):
        yield
