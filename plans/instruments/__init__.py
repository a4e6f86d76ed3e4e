"""The outcome-measure registry: built-in instruments plus those a practice added as data.

    get_instrument("phq9", practice_id)       -> Instrument or None
    instruments_for(practice_id)              -> every instrument the practice may record
    instrument.score(answers)                 -> Score(total, band, risk_flag, ...) or InvalidAnswers
    classify_change(instrument, first, last)  -> Change (reliable improvement / none / deterioration)
"""

from __future__ import annotations

from typing import Any

from .base import (
    CHANGE_LABELS,
    DETERIORATION,
    IMPROVEMENT,
    NO_CHANGE,
    NO_THRESHOLD,
    SINGLE,
    Band,
    Change,
    Instrument,
    InvalidAnswers,
    Item,
    Option,
    ReliableChange,
    Score,
    classify_change,
    shorten,
)
from .builtin import BUILTIN
from .custom import InvalidDefinition, to_definition, validate_definition

__all__ = [
    "BUILTIN", "CHANGE_LABELS", "DETERIORATION", "IMPROVEMENT", "NO_CHANGE", "NO_THRESHOLD", "SINGLE", "Band",
    "Change", "Instrument", "InvalidAnswers", "InvalidDefinition", "Item", "Option", "ReliableChange", "Score",
    "classify_change", "custom_instrument", "get_instrument", "instruments_for", "shorten", "to_definition",
    "validate_definition",
]


def custom_instrument(row: Any) -> Instrument | None:
    """The Instrument of a CustomInstrument row (None if its stored definition no longer validates)."""
    try:
        return validate_definition(row.code, row.definition, reserved_codes=frozenset(BUILTIN))
    except InvalidDefinition:
        return None


def instruments_for(practice_id: Any) -> dict[str, Instrument]:
    """Built-in instruments, then the practice's own (one query), by code."""
    from plans.models import CustomInstrument

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
    from plans.models import CustomInstrument

    row = CustomInstrument.objects.filter(practice_id=practice_id, code=code).first()
    return custom_instrument(row) if row is not None else None
