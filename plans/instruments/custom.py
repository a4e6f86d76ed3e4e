"""Practice-added instruments: a JSON definition in the same shape as the built-in registry.

`validate_definition` is strict: unknown keys, wrong types, gaps or overlaps between bands, a total range
that does not match the items, or a threshold without its source are all refused, each with the path of
the problem ("items[3].options[1].value") and what to do. Messages never repeat submitted text.

The shape (see also the example on the "New instrument" page):

    {
      "name": "Outcome Rating Scale (licensed)", "short_name": "ORS",
      "instructions": "...", "higher_is_better": true,
      "items": [{"text": "...", "preamble": "", "options": [{"value": 0, "label": "..."}, ...]}, ...],
      "bands": [{"low": 0, "high": 25, "label": "Clinical range"}, ...],
      "cutoff": 25 or null, "cutoff_label": "...", "cutoff_source": "...",
      "reliable_change": {"threshold": 5, "source": "..."} or null, "reliable_change_note": "...",
      "risk_items": [], "risk_note": "", "source": "...", "licence": "..."
    }

`min_score` and `max_score` may be given; they must then equal the sums of the lowest and highest
option values.
"""

from __future__ import annotations

from typing import Any

from .base import Band, Instrument, Item, Option, ReliableChange

MAX_ITEMS = 100
MAX_OPTIONS = 11
VALUE_LIMIT = 1000
NAME_MAX = 120
SHORT_NAME_MAX = 20
LABEL_MAX = 120
BAND_LABEL_MAX = 40  # MeasureAdministration.band
TEXT_MAX = 1000
LONG_TEXT_MAX = 2000

REQUIRED = {"name", "short_name", "higher_is_better", "items", "bands", "source", "licence"}
OPTIONAL = {
    "instructions", "cutoff", "cutoff_label", "cutoff_source", "reliable_change", "reliable_change_note",
    "risk_items", "risk_note", "min_score", "max_score",
}


class InvalidDefinition(ValueError):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}" if path else message)

    def keys(self, path: str, value: dict, required: set[str], optional: set[str]) -> None:
        for key in sorted(required - set(value)):
            self.fail(_join(path, key), "is required.")
        unknown = [key for key in value if key not in required | optional]
        if unknown:
            self.fail(path or "definition", f"has {len(unknown)} unknown key(s); allowed keys are "
                                             f"{', '.join(sorted(required | optional))}.")

    def text(self, path: str, value: Any, *, limit: int, required: bool = True) -> str:
        if not isinstance(value, str):
            self.fail(path, "must be text.")
            return ""
        if required and not value.strip():
            self.fail(path, "must not be empty.")
        if len(value) > limit:
            self.fail(path, f"must be at most {limit} characters.")
        return value.strip()

    def integer(self, path: str, value: Any) -> int | None:
        if type(value) is not int:
            self.fail(path, "must be a whole number.")
            return None
        if abs(value) > VALUE_LIMIT:
            self.fail(path, f"must be between -{VALUE_LIMIT} and {VALUE_LIMIT}.")
            return None
        return value

    def number(self, path: str, value: Any) -> float | None:
        if type(value) not in (int, float):
            self.fail(path, "must be a number.")
            return None
        return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def validate_definition(code: str, definition: Any, *, reserved_codes: set[str] | frozenset[str] = frozenset()
                        ) -> Instrument:
    """The Instrument a definition describes; InvalidDefinition listing every problem otherwise."""
    check = _Checker()
    if code in reserved_codes:
        check.fail("code", "is the code of a built-in instrument; choose another.")
    if not isinstance(definition, dict):
        raise InvalidDefinition(["The definition must be a JSON object ({...})."])
    check.keys("", definition, REQUIRED, OPTIONAL)
    name = check.text("name", definition.get("name", ""), limit=NAME_MAX)
    short_name = check.text("short_name", definition.get("short_name", ""), limit=SHORT_NAME_MAX)
    instructions = check.text("instructions", definition.get("instructions", ""), limit=LONG_TEXT_MAX,
                              required=False)
    higher_is_better = definition.get("higher_is_better")
    if not isinstance(higher_is_better, bool):
        check.fail("higher_is_better", "must be true or false.")
        higher_is_better = False
    items = _items(check, definition.get("items"))
    lowest = sum(min(item.values) for item in items) if items else 0
    highest = sum(max(item.values) for item in items) if items else 0
    for key, expected in (("min_score", lowest), ("max_score", highest)):
        if key in definition and definition[key] != expected:
            check.fail(key, f"must equal the sum of each item's {'lowest' if key == 'min_score' else 'highest'} "
                            f"option value ({expected}), or be left out.")
    bands = _bands(check, definition.get("bands"), lowest, highest)
    cutoff = definition.get("cutoff")
    if cutoff is not None:
        cutoff = check.number("cutoff", cutoff)
        if cutoff is not None and not lowest <= cutoff <= highest:
            check.fail("cutoff", f"must lie within the score range ({lowest} to {highest}).")
    cutoff_label = check.text("cutoff_label", definition.get("cutoff_label", ""), limit=LABEL_MAX,
                              required=cutoff is not None)
    cutoff_source = check.text("cutoff_source", definition.get("cutoff_source", ""), limit=TEXT_MAX,
                               required=False)
    reliable_change = _reliable_change(check, definition.get("reliable_change"), highest - lowest)
    note = check.text("reliable_change_note", definition.get("reliable_change_note", ""), limit=TEXT_MAX,
                      required=False)
    if reliable_change is None and not note:
        note = f"No published reliable-change threshold was given for the {short_name or code}."
    risk_items = _risk_items(check, definition.get("risk_items", []), len(items))
    risk_note = check.text("risk_note", definition.get("risk_note", ""), limit=TEXT_MAX, required=False)
    source = check.text("source", definition.get("source", ""), limit=TEXT_MAX)
    licence = check.text("licence", definition.get("licence", ""), limit=TEXT_MAX)
    if check.problems:
        raise InvalidDefinition(check.problems)
    return Instrument(
        code=code, name=name, short_name=short_name, instructions=instructions, items=tuple(items),
        min_score=lowest, max_score=highest, higher_is_better=higher_is_better, bands=tuple(bands),
        cutoff=cutoff, cutoff_label=cutoff_label, cutoff_source=cutoff_source, reliable_change=reliable_change,
        reliable_change_note="" if reliable_change else note, source=source, licence=licence,
        risk_items=tuple(risk_items), risk_note=risk_note, builtin=False,
    )


def _items(check: _Checker, raw: Any) -> list[Item]:
    if not isinstance(raw, list) or not raw:
        check.fail("items", "must be a non-empty list of items.")
        return []
    if len(raw) > MAX_ITEMS:
        check.fail("items", f"may hold at most {MAX_ITEMS} items.")
        return []
    items = []
    for index, entry in enumerate(raw):
        path = f"items[{index}]"
        if not isinstance(entry, dict):
            check.fail(path, "must be an object with text and options.")
            continue
        check.keys(path, entry, {"text", "options"}, {"preamble"})
        text = check.text(f"{path}.text", entry.get("text", ""), limit=TEXT_MAX)
        preamble = check.text(f"{path}.preamble", entry.get("preamble", ""), limit=LONG_TEXT_MAX, required=False)
        options = _options(check, path, entry.get("options"))
        if options:
            items.append(Item(index + 1, text, tuple(options), preamble))
    return items


def _options(check: _Checker, path: str, raw: Any) -> list[Option]:
    path = f"{path}.options"
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_OPTIONS:
        check.fail(path, f"must be a list of 2 to {MAX_OPTIONS} options.")
        return []
    options, seen = [], set()
    for index, entry in enumerate(raw):
        option_path = f"{path}[{index}]"
        if not isinstance(entry, dict):
            check.fail(option_path, "must be an object with a value and a label.")
            continue
        check.keys(option_path, entry, {"value"}, {"label"})
        value = check.integer(f"{option_path}.value", entry.get("value"))
        label = check.text(f"{option_path}.label", entry.get("label", ""), limit=LABEL_MAX, required=False)
        if value is None:
            continue
        if value in seen:
            check.fail(f"{option_path}.value", "repeats the value of another option of this item.")
        seen.add(value)
        options.append(Option(value, label))
    return options if len(options) == len(raw) else []


def _bands(check: _Checker, raw: Any, lowest: int, highest: int) -> list[Band]:
    if not isinstance(raw, list) or not raw:
        check.fail("bands", "must be a non-empty list of bands ({low, high, label}).")
        return []
    bands, problems_before = [], len(check.problems)
    for index, entry in enumerate(raw):
        path = f"bands[{index}]"
        if not isinstance(entry, dict):
            check.fail(path, "must be an object with low, high and label.")
            continue
        check.keys(path, entry, {"low", "high", "label"}, set())
        low = check.integer(f"{path}.low", entry.get("low"))
        high = check.integer(f"{path}.high", entry.get("high"))
        label = check.text(f"{path}.label", entry.get("label", ""), limit=BAND_LABEL_MAX)
        if low is not None and high is not None:
            if low > high:
                check.fail(path, "low must not be above high.")
            bands.append(Band(low, high, label))
    if len(bands) != len(raw) or len(check.problems) > problems_before:
        return bands
    ordered = sorted(bands, key=lambda band: band.low)
    if ordered[0].low != lowest or ordered[-1].high != highest:
        check.fail("bands", f"must cover the whole score range, {lowest} to {highest}.")
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.low != before.high + 1:
            check.fail("bands", f"must follow each other without gaps or overlaps (after {before.high} "
                                f"the next band must start at {before.high + 1}).")
    return bands


def _reliable_change(check: _Checker, raw: Any, span: int) -> ReliableChange | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        check.fail("reliable_change", "must be null or an object with threshold and source.")
        return None
    check.keys("reliable_change", raw, {"threshold", "source"}, set())
    threshold = check.number("reliable_change.threshold", raw.get("threshold"))
    source = check.text("reliable_change.source", raw.get("source", ""), limit=TEXT_MAX)
    if threshold is not None and not 0 < threshold <= span:
        check.fail("reliable_change.threshold", f"must be above 0 and at most the score span ({span}).")
        return None
    if threshold is None or not source:
        return None
    return ReliableChange(threshold, source)


def _risk_items(check: _Checker, raw: Any, count: int) -> list[int]:
    if not isinstance(raw, list):
        check.fail("risk_items", "must be a list of item numbers (1 for the first item).")
        return []
    numbers = []
    for index, value in enumerate(raw):
        number = check.integer(f"risk_items[{index}]", value)
        if number is not None and not 1 <= number <= count:
            check.fail(f"risk_items[{index}]", f"must be an item number from 1 to {count}.")
        elif number is not None:
            numbers.append(number)
    return numbers


def to_definition(instrument: Instrument) -> dict[str, Any]:
    """An Instrument as a definition (the inverse of validate_definition, without the code)."""
    return {
        "name": instrument.name,
        "short_name": instrument.short_name,
        "instructions": instrument.instructions,
        "higher_is_better": instrument.higher_is_better,
        "items": [
            {"text": item.text, "preamble": item.preamble,
             "options": [{"value": option.value, "label": option.label} for option in item.options]}
            for item in instrument.items
        ],
        "bands": [{"low": band.low, "high": band.high, "label": band.label} for band in instrument.bands],
        "cutoff": instrument.cutoff,
        "cutoff_label": instrument.cutoff_label,
        "cutoff_source": instrument.cutoff_source,
        "reliable_change": (
            {"threshold": instrument.reliable_change.threshold, "source": instrument.reliable_change.source}
            if instrument.reliable_change else None
        ),
        "reliable_change_note": instrument.reliable_change_note,
        "risk_items": list(instrument.risk_items),
        "risk_note": instrument.risk_note,
        "source": instrument.source,
        "licence": instrument.licence,
    }
