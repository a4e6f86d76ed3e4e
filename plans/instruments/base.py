"""What an outcome-measure instrument is: plain data, plus the scoring and reliable-change rules.

An instrument is immutable data (items, options, range, bands, cut-off, reliable-change threshold with
its published source). Scoring sums the chosen option values after checking that every item is answered
with one of its options. Messages name the item by number and the start of its wording, never the value
that was submitted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

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
class Proration:
    """A partial form may be scored when at most `max_missing` items are unanswered: the total is the mean of
    the answered items times the number of items, rounded half up (missing items replaced by the mean of the
    answered ones). `source` names the published rule."""

    max_missing: int
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
    # Partial forms: stored (marked incomplete) rather than refused; totalled only under `proration`.
    accepts_partial: bool = False
    proration: Proration | None = None
    proration_note: str = ""
    # The unscored functional question asked after the items ("how difficult have these problems made it...").
    difficulty_item: Item | None = None

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

    def validate(self, answers: object, *, allow_partial: bool = False) -> list[int | None]:
        """The answers as a list, one per item in order (None for an unanswered item when partial forms are
        allowed); else InvalidAnswers naming each problem."""
        if not isinstance(answers, list | tuple):
            raise InvalidAnswers([f"Give the answers as a list of {len(self.items)} whole numbers, one per item."])
        if len(answers) != len(self.items):
            raise InvalidAnswers([
                f"{self.short_name} has {len(self.items)} items: give exactly {len(self.items)} answers, "
                "one per item, in order" + (" (null for an unanswered item)." if self.accepts_partial and allow_partial
                                            else ".")
            ])
        partial = allow_partial and self.accepts_partial
        problems: list[str] = []
        for item, answer in zip(self.items, answers, strict=True):
            if answer is None or answer == "":
                if not partial:
                    problems.append(f"{item.reference} needs an answer.")
            elif type(answer) is not int:
                problems.append(f"{item.reference}: the answer must be a whole number.")
            elif answer not in item.values:
                problems.append(f"{item.reference}: choose one of {_allowed(item)}.")
        if partial and not problems and all(answer is None or answer == "" for answer in answers):
            problems.append(f"No item of the {self.short_name} was answered: there is nothing to record.")
        if problems:
            raise InvalidAnswers(problems)
        return [None if answer == "" else answer for answer in answers]

    def validate_difficulty(self, value: object) -> int | None:
        """The answer to the unscored difficulty question (None: not asked or not answered)."""
        if value is None or value == "":
            return None
        if self.difficulty_item is None:
            raise InvalidAnswers([f"The {self.short_name} has no difficulty question: leave it out."])
        if type(value) is not int or value not in self.difficulty_item.values:
            raise InvalidAnswers([f"Difficulty question: choose one of {_allowed(self.difficulty_item)}."])
        return value

    def score(self, answers: object, *, allow_partial: bool = False) -> Score:
        """Validate, then total, band and risk flag. Raises InvalidAnswers.

        With `allow_partial` (instruments that accept partial forms), unanswered items are kept as None: the
        form is incomplete; it gets a prorated total only under the instrument's published proration rule,
        else no total at all. A risk item that was answered above 0 always flags, however many are missing.
        """
        values = self.validate(answers, allow_partial=allow_partial)
        missing = tuple(item.number for item, value in zip(self.items, values, strict=True) if value is None)
        risk = any((values[number - 1] or 0) > 0 for number in self.risk_items)
        answered = [value for value in values if value is not None]
        total: int | None
        prorated = False
        if not missing:
            total = sum(answered)
        elif self.proration is not None and len(missing) <= self.proration.max_missing:
            # Mean of the answered items times the number of items, rounded half up (never banker's rounding).
            total = _prorate(sum(answered), len(answered), len(self.items))
            prorated = True
        else:
            total = None
        return Score(values=values, total=total, band=self.band_for(total) if total is not None else "",
                     risk_flag=risk, clinical=self.is_clinical(total) if total is not None else None,
                     missing=missing, prorated=prorated)


def _prorate(answered_sum: int, answered: int, items: int) -> int:
    return int((Decimal(answered_sum * items) / Decimal(answered)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Score:
    values: list[int | None]
    total: int | None  # None: an incomplete form that may not be prorated
    band: str
    risk_flag: bool
    clinical: bool | None
    missing: tuple[int, ...] = ()  # numbers of the unanswered items
    prorated: bool = False

    @property
    def incomplete(self) -> bool:
        return bool(self.missing)


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


# --- Named outcomes ------------------------------------------------------------------------------

RECOVERED = "recovered"
RELIABLY_IMPROVED = "reliably_improved"
NO_RELIABLE_CHANGE = "no_reliable_change"
RELIABLY_DETERIORATED = "reliably_deteriorated"
NOT_CLASSIFIABLE = "not_classifiable"

OUTCOME_LABELS = {
    RECOVERED: "Recovered",
    RELIABLY_IMPROVED: "Reliably improved",
    NO_RELIABLE_CHANGE: "No reliable change",
    RELIABLY_DETERIORATED: "Reliably deteriorated",
    NOT_CLASSIFIABLE: "Not classifiable",
}
# A plan review is prompted when a partner shows no reliable improvement by this attended session.
NOT_ON_TRACK_SESSIONS = 8


@dataclass(frozen=True)
class Outcome:
    kind: str
    change: Change
    reason: str = ""  # why not classifiable

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.kind]


def classify_outcome(instrument: Instrument, baseline: int, latest: int, *, count: int = 2) -> Outcome:
    """The named outcome of baseline -> latest, after Jacobson & Truax (1991).

    Recovered is their criterion c combined with the reliable change index: the baseline was on the
    clinical side of the cut-off, the latest score is on the other side, and the improvement is reliable.
    A reliable improvement that starts below the cut-off (not a case at baseline) stays "reliably improved".
    Without a second score, a published reliable-change threshold or a cut-off where recovery would
    depend on one, the outcome is not classifiable and `reason` says why.
    """
    change = classify_change(instrument, baseline, latest, count=count)
    if change.kind == SINGLE:
        return Outcome(NOT_CLASSIFIABLE, change, "Only one score so far.")
    if change.kind == NO_THRESHOLD:
        return Outcome(NOT_CLASSIFIABLE, change, instrument.reliable_change_note
                       or "No published reliable-change threshold.")
    if change.kind == DETERIORATION:
        return Outcome(RELIABLY_DETERIORATED, change)
    if change.kind == NO_CHANGE:
        return Outcome(NO_RELIABLE_CHANGE, change)
    if instrument.cutoff is not None and instrument.is_clinical(baseline) and not instrument.is_clinical(latest):
        return Outcome(RECOVERED, change)
    return Outcome(RELIABLY_IMPROVED, change)


def not_on_track(instrument: Instrument, outcome: Outcome, attended_sessions: int) -> bool:
    """Prompt a plan review: any reliable deterioration, or no reliable improvement by the
    NOT_ON_TRACK_SESSIONS-th attended session (instruments with a reliable-change threshold only).

    No improvement counts only for a partner whose first score was on the clinical side of the instrument's
    cut-off, where it has one: the population in which Jacobson & Truax (1991) define clinically significant
    change, and the one the NHS Talking Therapies manual measures recovery in (caseness at the start). From the
    non-clinical range a reliable improvement may not even be possible (PHQ-9 6 -> 0 is the most there is, and
    the threshold is 6), so prompting there would be a false alarm on every such partner, and alarms that are
    mostly false get ignored. Deterioration counts from any start."""
    if outcome.kind == RELIABLY_DETERIORATED:
        return True
    if outcome.change.kind in (NO_THRESHOLD,):
        return False
    if instrument.cutoff is not None and not instrument.is_clinical(outcome.change.baseline):
        return False
    return attended_sessions >= NOT_ON_TRACK_SESSIONS and outcome.kind not in (RECOVERED, RELIABLY_IMPROVED)


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
