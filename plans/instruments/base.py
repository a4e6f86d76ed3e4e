"""What an outcome-measure instrument is: plain data, plus the scoring and reliable-change rules.

An instrument is immutable data (items, options, range, bands, cut-off, reliable-change threshold with
its published source). Scoring sums the chosen option values after checking that every item is answered
with one of its options. Messages name the item by number and the start of its wording, never the value
that was submitted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SHORT_TEXT_CHARS = 45
MIN_CLAUSE_CHARS = 20

# What an instrument is about (Instrument.about): one person's own symptoms (PHQ-9, GAD-7), or the relationship
# (CSI-16, CSI-4). A couple-facing report shows a partner's individual measures only with that partner's recorded
# consent (reports.builders.progress); relationship measures always. Anything not marked is treated as individual.
INDIVIDUAL = "individual"
RELATIONSHIP = "relationship"


@dataclass(frozen=True)
class Option:
    value: int
    label: str = ""  # may be empty for the middle points of a semantic differential


@dataclass(frozen=True)
class Item:
    number: int  # 1-based, the order in which the item is asked and stored
    text: str
    options: tuple[Option, ...]
    preamble: str = ""  # instructions shown above this item when it starts a new section

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)

    @property
    def short_text(self) -> str:
        """The start of the wording, for error messages: "Trouble falling or staying asleep..."."""
        return shorten(self.text)

    @property
    def reference(self) -> str:
        return f"Item {self.number} ({self.short_text})"


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class ReliableChange:
    """A change of at least `threshold` points (either way) is reliable (Jacobson & Truax 1991)."""

    threshold: float
    source: str


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    short_name: str
    instructions: str
    items: tuple[Item, ...]
    min_score: int
    max_score: int
    higher_is_better: bool
    bands: tuple[Band, ...]
    cutoff: float | None
    cutoff_label: str
    cutoff_source: str
    reliable_change: ReliableChange | None
    reliable_change_note: str
    source: str
    licence: str
    risk_items: tuple[int, ...] = ()
    risk_note: str = ""
    builtin: bool = True
    about: str = INDIVIDUAL  # INDIVIDUAL or RELATIONSHIP: see above

    @property
    def is_individual(self) -> bool:
        """About one person (shared with the other partner only with consent); anything unmarked counts as so."""
        return self.about != RELATIONSHIP

    def band_for(self, total: int) -> str:
        for band in self.bands:
            if band.low <= total <= band.high:
                return band.label
        return ""

    def is_clinical(self, total: int) -> bool | None:
        """On the distressed side of the cut-off (None when the instrument has none)."""
        if self.cutoff is None:
            return None
        return total < self.cutoff if self.higher_is_better else total >= self.cutoff

    def validate(self, answers: object) -> list[int]:
        """The answers as a list of ints, one per item in order; else InvalidAnswers naming each problem."""
        if not isinstance(answers, list | tuple):
            raise InvalidAnswers([f"Give the answers as a list of {len(self.items)} whole numbers, one per item."])
        if len(answers) != len(self.items):
            raise InvalidAnswers([
                f"{self.short_name} has {len(self.items)} items: give exactly {len(self.items)} answers, "
                "one per item, in order."
            ])
        problems: list[str] = []
        for item, answer in zip(self.items, answers, strict=True):
            if answer is None or answer == "":
                problems.append(f"{item.reference} needs an answer.")
            elif type(answer) is not int:
                problems.append(f"{item.reference}: the answer must be a whole number.")
            elif answer not in item.values:
                problems.append(f"{item.reference}: choose one of {_allowed(item)}.")
        if problems:
            raise InvalidAnswers(problems)
        return list(answers)

    def score(self, answers: object) -> Score:
        """Validate, then total, band and risk flag. Raises InvalidAnswers."""
        values = self.validate(answers)
        total = sum(values)
        risk = any(values[number - 1] > 0 for number in self.risk_items)
        return Score(values=values, total=total, band=self.band_for(total), risk_flag=risk,
                     clinical=self.is_clinical(total))


@dataclass(frozen=True)
class Score:
    values: list[int]
    total: int
    band: str
    risk_flag: bool
    clinical: bool | None


class InvalidAnswers(ValueError):
    """The answers do not fit the instrument; `messages` says what to fix, item by item."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


# --- Reliable change ----------------------------------------------------------------------------


IMPROVEMENT = "improvement"
NO_CHANGE = "none"
DETERIORATION = "deterioration"
NO_THRESHOLD = "no_threshold"
SINGLE = "single"

CHANGE_LABELS = {
    IMPROVEMENT: "Reliable improvement",
    NO_CHANGE: "No reliable change",
    DETERIORATION: "Reliable deterioration",
    NO_THRESHOLD: "No published reliable-change threshold",
    SINGLE: "Only one score so far",
}


@dataclass(frozen=True)
class Change:
    kind: str
    baseline: int
    latest: int
    threshold: float | None = None
    detail: str = field(default="")

    @property
    def difference(self) -> int:
        return self.latest - self.baseline

    @property
    def label(self) -> str:
        return CHANGE_LABELS[self.kind]


def classify_change(instrument: Instrument, baseline: int, latest: int, *, count: int = 2) -> Change:
    """Baseline (first administration) to latest, classified after Jacobson & Truax (1991).

    A change of at least the published threshold counts as reliable; its direction is judged by
    `higher_is_better`. Without a published threshold the change is shown but not classified.
    """
    if count < 2:
        return Change(SINGLE, baseline, latest)
    rc = instrument.reliable_change
    if rc is None:
        return Change(NO_THRESHOLD, baseline, latest, detail=instrument.reliable_change_note)
    difference = latest - baseline
    if abs(difference) < rc.threshold:
        return Change(NO_CHANGE, baseline, latest, rc.threshold)
    better = difference > 0 if instrument.higher_is_better else difference < 0
    return Change(IMPROVEMENT if better else DETERIORATION, baseline, latest, rc.threshold)


# --- Helpers ------------------------------------------------------------------------------------


def shorten(text: str, limit: int = SHORT_TEXT_CHARS) -> str:
    """The first clause of `text` (up to a comma, question mark or dash) if it says enough, else its first
    words, plus "..."."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    clause = re.split(r",|\?| [—–-] ", text[: limit + 1], maxsplit=1)[0].strip()
    if MIN_CLAUSE_CHARS <= len(clause) <= limit and clause != text[: limit + 1].strip():
        return f"{clause}..."
    words = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return f"{words}..."


def _allowed(item: Item) -> str:
    values = item.values
    if values == tuple(range(min(values), max(values) + 1)) and len(values) > 2:
        return f"the listed answers ({min(values)} to {max(values)})"
    return "the listed answers (" + ", ".join(str(v) for v in values) + ")"
