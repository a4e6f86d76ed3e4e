"""The outcome-measure registry: built-in instruments plus those a practice added as data (no queries here:
plans.selectors.instruments looks up what a practice may record).

    BUILTIN["phq9"]                           -> the built-in Instrument
    custom_instrument(row)                    -> a practice's own, from its stored definition
    instrument.score(answers)                 -> Score(total, band, risk_flag, ...) or InvalidAnswers
    classify_change(instrument, first, last)  -> Change (reliable improvement / none / deterioration)
    classify_outcome(instrument, first, last) -> Outcome (recovered / reliably improved / ... / not classifiable)
"""

from __future__ import annotations

from typing import Any

from .base import (
    CHANGE_LABELS,
    DETERIORATION,
    IMPROVEMENT,
    INDIVIDUAL,
    NO_CHANGE,
    NO_RELIABLE_CHANGE,
    NO_THRESHOLD,
    NOT_CLASSIFIABLE,
    NOT_ON_TRACK_SESSIONS,
    OUTCOME_LABELS,
    RECOVERED,
    RELATIONSHIP,
    RELIABLY_DETERIORATED,
    RELIABLY_IMPROVED,
    SINGLE,
    Band,
    Change,
    Instrument,
    InvalidAnswers,
    Item,
    Option,
    Outcome,
    Proration,
    ReliableChange,
    Score,
    classify_change,
    classify_outcome,
    not_on_track,
    shorten,
)
from .builtin import BUILTIN
from .custom import InvalidDefinition, to_definition, validate_definition

__all__ = [
    "BUILTIN", "CHANGE_LABELS", "DETERIORATION", "IMPROVEMENT", "INDIVIDUAL", "NOT_CLASSIFIABLE",
    "NOT_ON_TRACK_SESSIONS", "NO_CHANGE", "NO_RELIABLE_CHANGE", "NO_THRESHOLD", "OUTCOME_LABELS", "RECOVERED",
    "RELATIONSHIP", "RELIABLY_DETERIORATED", "RELIABLY_IMPROVED", "SINGLE", "Band", "Change", "Instrument",
    "InvalidAnswers", "InvalidDefinition", "Item", "Option", "Outcome", "Proration", "ReliableChange", "Score",
    "classify_change", "classify_outcome", "custom_instrument", "not_on_track", "shorten", "to_definition",
    "validate_definition",
]


def custom_instrument(row: Any) -> Instrument | None:
    """The Instrument of a CustomInstrument row (None if its stored definition no longer validates)."""
    try:
        return validate_definition(row.code, row.definition, reserved_codes=frozenset(BUILTIN))
    except InvalidDefinition:
        return None
