"""The outcome-measure registry: built-in instruments plus those a practice added as data (no queries here:
plans.selectors.instruments looks up what a practice may record).

    BUILTIN["phq9"]                           -> the built-in Instrument
    custom_instrument(row)                    -> a practice's own, from its stored definition
    instrument.score(answers)                 -> Score(total, band, risk_flag, ...) or InvalidAnswers
    classify_change(instrument, first, last)  -> Change (reliable improvement / none / deterioration)
"""

from __future__ import annotations

from typing import Any

from .base import (
    CHANGE_LABELS,
    DETERIORATION,
    IMPROVEMENT,
    INDIVIDUAL,
    NO_CHANGE,
    NO_THRESHOLD,
    RELATIONSHIP,
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
    "BUILTIN", "CHANGE_LABELS", "DETERIORATION", "IMPROVEMENT", "INDIVIDUAL", "NO_CHANGE", "NO_THRESHOLD",
    "RELATIONSHIP", "SINGLE", "Band", "Change", "Instrument", "InvalidAnswers", "InvalidDefinition", "Item", "Option",
    "ReliableChange", "Score", "classify_change", "custom_instrument", "shorten", "to_definition",
    "validate_definition",
]


def custom_instrument(row: Any) -> Instrument | None:
    """The Instrument of a CustomInstrument row (None if its stored definition no longer validates)."""
    try:
        return validate_definition(row.code, row.definition, reserved_codes=frozenset(BUILTIN))
    except InvalidDefinition:
        return None
