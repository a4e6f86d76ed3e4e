"""The instruments a practice may record: the built-in ones and the practice's own (CustomInstrument rows)."""

from __future__ import annotations

from typing import Any

from plans.instruments import BUILTIN, Instrument, custom_instrument
from plans.models import CustomInstrument


def instruments_for(practice_id: Any) -> dict[str, Instrument]:
    """Built-in instruments, then the practice's own (one query), by code."""
    instruments = dict(BUILTIN)
    for row in CustomInstrument.objects.filter(practice_id=practice_id).order_by("code"):
        instrument = custom_instrument(row)
        if instrument is not None:
            instruments[instrument.code] = instrument
    return instruments


def get_instrument(code: str, practice_id: Any) -> Instrument | None:
    """One instrument by code: built-in ones without a query, a practice's own with one."""
    if code in BUILTIN:
        return BUILTIN[code]
    row = CustomInstrument.objects.filter(practice_id=practice_id, code=code).first()
    return custom_instrument(row) if row is not None else None
