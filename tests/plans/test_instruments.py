"""The instrument registry: published wording and scoring, every band boundary on both sides, refused
answers, reliable-change classification, and practice instrument definitions."""

from __future__ import annotations

import pytest

from plans.instruments import (
    BUILTIN,
    DETERIORATION,
    IMPROVEMENT,
    NO_CHANGE,
    NO_THRESHOLD,
    SINGLE,
    InvalidAnswers,
    InvalidDefinition,
    classify_change,
    classify_outcome,
    to_definition,
    validate_definition,
)
from plans.instruments.base import RELATIONSHIP, shorten
from tests.plans.measure_factories import answers_for, definition

PHQ9, GAD7, CSI4, CSI16 = (BUILTIN[code] for code in ("phq9", "gad7", "csi4", "csi16"))

# Published bands, written out independently of the data they check:
# PHQ-9 (Kroenke et al. 2001), GAD-7 (Spitzer et al. 2006), CSI (Funk & Rogge 2007: below 13.5 / 51.5).
EXPECTED_BANDS = {
    "phq9": [(0, 4, "Minimal"), (5, 9, "Mild"), (10, 14, "Moderate"), (15, 19, "Moderately severe"),
             (20, 27, "Severe")],
    "gad7": [(0, 4, "Minimal"), (5, 9, "Mild"), (10, 14, "Moderate"), (15, 21, "Severe")],
    "csi4": [(0, 13, "Notable relationship dissatisfaction"), (14, 21, "Above the dissatisfaction cut-off")],
    "csi16": [(0, 51, "Notable relationship dissatisfaction"), (52, 81, "Above the dissatisfaction cut-off")],
}
BOUNDARY_CASES = [
    (code, total, label)
    for code, bands in EXPECTED_BANDS.items()
    for low, high, label in bands
    for total in {low, high}
]


def test_only_the_licensed_instruments_are_shipped():
    # ORS/SRS and the DAS are left out on purpose: their licences forbid shipping their items.
    assert set(BUILTIN) == {"phq9", "gad7", "csi4", "csi16", "dts"}
    assert all(instrument.licence and instrument.source for instrument in BUILTIN.values())


@pytest.mark.parametrize(("code", "items", "low", "high", "higher_is_better", "cutoff"), [
    ("phq9", 9, 0, 27, False, 10),
    ("gad7", 7, 0, 21, False, 10),
    ("csi4", 4, 0, 21, True, 13.5),
    ("csi16", 16, 0, 81, True, 51.5),
    ("dts", 8, 8, 56, True, None),
])
def test_instrument_shape_matches_the_published_scale(code, items, low, high, higher_is_better, cutoff):
    instrument = BUILTIN[code]
    assert len(instrument.items) == items
    assert (instrument.min_score, instrument.max_score) == (low, high)
    assert sum(min(i.values) for i in instrument.items) == low
    assert sum(max(i.values) for i in instrument.items) == high
    assert instrument.higher_is_better is higher_is_better
    assert instrument.cutoff == cutoff
    assert [i.number for i in instrument.items] == list(range(1, items + 1))


def test_phq9_and_gad7_use_the_four_point_frequency_scale():
    for instrument in (PHQ9, GAD7):
        for item in instrument.items:
            assert [(o.value, o.label) for o in item.options] == [
                (0, "Not at all"), (1, "Several days"), (2, "More than half the days"), (3, "Nearly every day"),
            ]
    assert PHQ9.items[2].text == "Trouble falling or staying asleep, or sleeping too much"
    assert PHQ9.items[8].text == "Thoughts that you would be better off dead or of hurting yourself in some way"
    assert GAD7.items[1].text == "Not being able to stop or control worrying"


def test_csi4_items_and_scoring_follow_funk_and_rogge():
    assert [item.text for item in CSI4.items] == [
        "Please indicate the degree of happiness, all things considered, of your relationship.",
        "I have a warm and comfortable relationship with my partner.",
        "How rewarding is your relationship with your partner?",
        "In general, how satisfied are you with your relationship?",
    ]
    assert [(o.value, o.label) for o in CSI4.items[0].options] == [
        (0, "Extremely unhappy"), (1, "Fairly unhappy"), (2, "A little unhappy"), (3, "Happy"), (4, "Very happy"),
        (5, "Extremely happy"), (6, "Perfect"),
    ]
    assert [o.label for o in CSI4.items[1].options] == [
        "Not at all true", "A little true", "Somewhat true", "Mostly true", "Almost completely true",
        "Completely true",
    ]
    assert [o.value for o in CSI4.items[3].options] == [0, 1, 2, 3, 4, 5]


def test_csi16_items_and_the_reversed_semantic_differentials():
    assert CSI16.items[1].text.startswith("In general, how often do you think that things between you")
    assert {o.label: o.value for o in CSI16.items[1].options} == {
        "All the time": 5, "Most of the time": 4, "More often than not": 3, "Occasionally": 2, "Rarely": 1,
        "Never": 0,
    }
    poles = {item.number: (item.options[0], item.options[-1]) for item in CSI16.items[10:]}
    # The positive word always scores 5, whichever side it is printed on.
    assert {n: (a.label, a.value, b.label, b.value) for n, (a, b) in poles.items()} == {
        11: ("Interesting", 5, "Boring", 0),
        12: ("Bad", 0, "Good", 5),
        13: ("Full", 5, "Empty", 0),
        14: ("Sturdy", 5, "Fragile", 0),
        15: ("Discouraging", 0, "Hopeful", 5),
        16: ("Enjoyable", 5, "Miserable", 0),
    }
    assert CSI16.items[10].preamble.startswith("For each of the following items")
    assert all(not item.preamble for item in CSI16.items[:10])


@pytest.mark.parametrize(("code", "total", "label"), BOUNDARY_CASES,
                         ids=[f"{c}-{t}" for c, t, _ in BOUNDARY_CASES])
def test_scoring_at_each_band_boundary(code, total, label):
    instrument = BUILTIN[code]
    score = instrument.score(answers_for(instrument, total))
    assert score.total == total
    assert score.band == label


@pytest.mark.parametrize(("code", "below", "at_or_above", "distressed_side"), [
    ("phq9", 9, 10, "at_or_above"),
    ("gad7", 9, 10, "at_or_above"),
    ("csi4", 13, 14, "below"),
    ("csi16", 51, 52, "below"),
])
def test_clinical_range_on_both_sides_of_the_cutoff(code, below, at_or_above, distressed_side):
    instrument = BUILTIN[code]
    assert instrument.score(answers_for(instrument, below)).clinical is (distressed_side == "below")
    assert instrument.score(answers_for(instrument, at_or_above)).clinical is (distressed_side == "at_or_above")


@pytest.mark.parametrize("code", sorted(BUILTIN))
def test_range_limits_all_lowest_and_all_highest(code):
    instrument = BUILTIN[code]
    assert instrument.score([min(i.values) for i in instrument.items]).total == instrument.min_score
    assert instrument.score([max(i.values) for i in instrument.items]).total == instrument.max_score


@pytest.mark.parametrize("code", sorted(BUILTIN))
def test_one_above_the_top_option_is_refused(code):
    instrument = BUILTIN[code]
    answers = [max(i.values) for i in instrument.items]
    answers[0] += 1
    with pytest.raises(InvalidAnswers) as refused:
        instrument.score(answers)
    assert refused.value.messages == [f"{instrument.items[0].reference}: choose one of the listed answers "
                                      f"({min(instrument.items[0].values)} to {max(instrument.items[0].values)})."]


def test_a_missing_answer_names_the_item():
    answers = answers_for(PHQ9, 5)
    answers[2] = None
    with pytest.raises(InvalidAnswers) as refused:
        PHQ9.score(answers)
    assert refused.value.messages == ["Item 3 (Trouble falling or staying asleep...) needs an answer."]


def test_every_problem_is_listed_not_only_the_first():
    with pytest.raises(InvalidAnswers) as refused:
        GAD7.score([0, None, 4, -1, "2", 1.5, True])
    assert refused.value.messages == [
        "Item 2 (Not being able to stop or control worrying) needs an answer.",
        "Item 3 (Worrying too much about different things): choose one of the listed answers (0 to 3).",
        "Item 4 (Trouble relaxing): choose one of the listed answers (0 to 3).",
        "Item 5 (Being so restless that it is hard to sit...): the answer must be a whole number.",
        "Item 6 (Becoming easily annoyed or irritable): the answer must be a whole number.",
        "Item 7 (Feeling afraid, as if something awful might...): the answer must be a whole number.",
    ]


@pytest.mark.parametrize(("answers", "expected"), [
    ([0] * 7, "PHQ-9 has 9 items: give exactly 9 answers, one per item, in order."),  # GAD-7 answers
    ([0] * 10, "PHQ-9 has 9 items: give exactly 9 answers, one per item, in order."),
    ([], "PHQ-9 has 9 items: give exactly 9 answers, one per item, in order."),
    ("000000000", "Give the answers as a list of 9 whole numbers, one per item."),
    ({"1": 0}, "Give the answers as a list of 9 whole numbers, one per item."),
])
def test_answers_of_the_wrong_length_or_shape_are_refused(answers, expected):
    with pytest.raises(InvalidAnswers) as refused:
        PHQ9.score(answers)
    assert refused.value.messages == [expected]


def test_csi4_answers_do_not_fit_the_gad7_nor_the_csi16():
    with pytest.raises(InvalidAnswers):
        CSI16.score(answers_for(CSI4, 21))
    with pytest.raises(InvalidAnswers):
        GAD7.score(answers_for(CSI4, 21) + [0, 0, 0])  # seven answers, but 6 is not a GAD-7 option


def test_phq9_item_9_above_zero_raises_the_risk_flag():
    assert PHQ9.score(answers_for(PHQ9, 3, risk=0)).risk_flag is False
    assert PHQ9.score(answers_for(PHQ9, 1, risk=1)).risk_flag is True
    assert PHQ9.score(answers_for(PHQ9, 12, risk=3)).risk_flag is True
    # A high score without item 9 is not a risk flag by itself.
    assert PHQ9.score(answers_for(PHQ9, 24, risk=0)).risk_flag is False
    for instrument in (GAD7, CSI4, CSI16):
        assert instrument.score([max(i.values) for i in instrument.items]).risk_flag is False


def test_error_messages_never_echo_submitted_values():
    secret = "my partner hit me"
    with pytest.raises(InvalidAnswers) as refused:
        PHQ9.score([secret] * 9)
    assert all(secret not in message for message in refused.value.messages)


# --- Reliable change ------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "baseline", "latest", "kind"), [
    # PHQ-9: lower is better; 6 points or more is reliable (NHS Talking Therapies).
    ("phq9", 18, 12, IMPROVEMENT),
    ("phq9", 18, 13, NO_CHANGE),
    ("phq9", 12, 17, NO_CHANGE),
    ("phq9", 12, 18, DETERIORATION),
    ("phq9", 10, 10, NO_CHANGE),
    # GAD-7: lower is better; 4 points or more.
    ("gad7", 15, 11, IMPROVEMENT),
    ("gad7", 15, 12, NO_CHANGE),
    ("gad7", 8, 12, DETERIORATION),
    ("gad7", 8, 11, NO_CHANGE),
])
def test_reliable_change_classification_when_lower_is_better(code, baseline, latest, kind):
    change = classify_change(BUILTIN[code], baseline, latest)
    assert change.kind == kind
    assert change.difference == latest - baseline


def test_reliable_change_respects_higher_is_better():
    from dataclasses import replace

    from plans.instruments import ReliableChange

    satisfaction = replace(CSI4, reliable_change=ReliableChange(5, "test"), reliable_change_note="")
    assert classify_change(satisfaction, 8, 13).kind == IMPROVEMENT
    assert classify_change(satisfaction, 8, 12).kind == NO_CHANGE
    assert classify_change(satisfaction, 13, 8).kind == DETERIORATION
    assert classify_change(satisfaction, 13, 9).kind == NO_CHANGE
    # The same numbers on a lower-is-better scale mean the opposite.
    distress = replace(satisfaction, higher_is_better=False)
    assert classify_change(distress, 8, 13).kind == DETERIORATION
    assert classify_change(distress, 13, 8).kind == IMPROVEMENT


@pytest.mark.parametrize("code", ["csi4", "csi16"])
def test_csi_changes_are_not_classified_without_a_published_threshold(code):
    instrument = BUILTIN[code]
    assert instrument.reliable_change is None
    change = classify_change(instrument, 5, 20)
    assert change.kind == NO_THRESHOLD
    assert change.label == "No published reliable-change threshold"
    assert "No published reliable-change threshold" in change.detail


def test_published_thresholds_carry_their_source():
    assert PHQ9.reliable_change.threshold == 6
    assert GAD7.reliable_change.threshold == 4
    for instrument in (PHQ9, GAD7):
        assert "NHS Talking Therapies" in instrument.reliable_change.source
        assert "Jacobson" in instrument.reliable_change.source


def test_a_single_administration_has_no_change_yet():
    assert classify_change(PHQ9, 12, 12, count=1).kind == SINGLE


def test_shorten_cuts_at_a_clause_or_word():
    assert shorten("Short item") == "Short item"
    assert shorten("Trouble falling or staying asleep, or sleeping too much") == "Trouble falling or staying asleep..."
    assert shorten("a" * 10 + " " + "b" * 50).endswith("...")


# --- Practice instruments -------------------------------------------------------------------------


def test_a_valid_definition_becomes_an_instrument():
    instrument = validate_definition("wtc", definition())
    assert (instrument.min_score, instrument.max_score, instrument.builtin) == (0, 9, False)
    assert instrument.score([1, 1, 0]).band == "Low"
    assert instrument.score([1, 1, 3]).risk_flag is True
    assert classify_change(instrument, 7, 4).kind == IMPROVEMENT


@pytest.mark.parametrize("code", sorted(BUILTIN))
def test_the_builtin_instruments_round_trip_through_a_definition(code):
    instrument = BUILTIN[code]
    again = validate_definition(code, to_definition(instrument))
    assert again.items == instrument.items
    assert again.bands == instrument.bands
    assert (again.min_score, again.max_score, again.cutoff) == (instrument.min_score, instrument.max_score,
                                                                 instrument.cutoff)
    assert again.reliable_change == instrument.reliable_change


def test_a_definition_without_reliable_change_says_so():
    instrument = validate_definition("wtc", definition(reliable_change=None))
    assert instrument.reliable_change is None
    assert classify_change(instrument, 8, 0).kind == NO_THRESHOLD
    assert "No published reliable-change threshold" in instrument.reliable_change_note


@pytest.mark.parametrize(("changes", "expected"), [
    ({"items": []}, "items: must be a non-empty list of items."),
    ({"bands": [{"low": 0, "high": 3, "label": "Low"}, {"low": 5, "high": 9, "label": "High"}]},
     "bands: must follow each other without gaps or overlaps (after 3 the next band must start at 4)."),
    ({"bands": [{"low": 0, "high": 5, "label": "Low"}, {"low": 5, "high": 9, "label": "High"}]},
     "bands: must follow each other without gaps or overlaps (after 5 the next band must start at 6)."),
    ({"bands": [{"low": 0, "high": 8, "label": "All"}]}, "bands: must cover the whole score range, 0 to 9."),
    ({"bands": [{"low": 0, "high": 9, "label": "x" * 41}]}, "bands[0].label: must be at most 40 characters."),
    ({"cutoff": 10}, "cutoff: must lie within the score range (0 to 9)."),
    ({"cutoff": "5"}, "cutoff: must be a number."),
    ({"higher_is_better": "no"}, "higher_is_better: must be true or false."),
    ({"reliable_change": {"threshold": 0, "source": "x"}},
     "reliable_change.threshold: must be above 0 and at most the score span (9)."),
    ({"reliable_change": {"threshold": 3}}, "reliable_change.source: is required."),
    ({"risk_items": [4]}, "risk_items[0]: must be an item number from 1 to 3."),
    ({"max_score": 12}, "max_score: must equal the sum of each item's highest option value (9), or be left out."),
    ({"source": ""}, "source: must not be empty."),
    ({"colour": "blue"}, "definition: has 1 unknown key(s); allowed keys are bands, cutoff, cutoff_label, "
                         "cutoff_source, higher_is_better, instructions, items, licence, max_score, min_score, "
                         "name, reliable_change, reliable_change_note, risk_items, risk_note, short_name, source."),
])
def test_an_invalid_definition_is_refused_naming_the_problem(changes, expected):
    with pytest.raises(InvalidDefinition) as refused:
        validate_definition("wtc", definition(**changes))
    assert expected in refused.value.messages


def test_item_and_option_problems_name_their_path():
    items = [
        {"text": "", "options": [{"value": 0, "label": "No"}, {"value": 0, "label": "Yes"}]},
        {"text": "Fine", "options": [{"value": 1.5, "label": "Half"}, {"value": 2}]},
        {"text": "One option", "options": [{"value": 1}]},
    ]
    with pytest.raises(InvalidDefinition) as refused:
        validate_definition("wtc", definition(items=items))
    messages = refused.value.messages
    assert "items[0].text: must not be empty." in messages
    assert "items[0].options[1].value: repeats the value of another option of this item." in messages
    assert "items[1].options[0].value: must be a whole number." in messages
    assert "items[2].options: must be a list of 2 to 11 options." in messages


@pytest.mark.parametrize("bad", [None, [], "text", 42])
def test_a_definition_that_is_not_an_object_is_refused(bad):
    with pytest.raises(InvalidDefinition) as refused:
        validate_definition("wtc", bad)
    assert refused.value.messages == ["The definition must be a JSON object ({...})."]


def test_a_builtin_code_cannot_be_reused():
    with pytest.raises(InvalidDefinition) as refused:
        validate_definition("phq9", definition(), reserved_codes=frozenset(BUILTIN))
    assert "code: is the code of a built-in instrument; choose another." in refused.value.messages


def test_definition_errors_never_echo_submitted_text():
    secret = "Confidential wording of a licensed item"
    with pytest.raises(InvalidDefinition) as refused:
        validate_definition("wtc", definition(bands=[{"low": 0, "high": 9, "label": secret}], cutoff=secret))
    assert all(secret not in message for message in refused.value.messages)


def test_the_dyadic_trust_scale_reverse_keys_items_1_2_and_6_and_is_not_classifiable():
    # Larzelere & Huston 1980: 7-point agree-disagree; the distrust-worded items 1, 2 and 6 are reversed.
    dts = BUILTIN["dts"]
    for item in dts.items:
        strongly_agree = item.options[0]
        assert strongly_agree.label == "Strongly agree" and len(item.options) == 7
        assert strongly_agree.value == (1 if item.number in (1, 2, 6) else 7), item.number
    # Answers are item scores: 7 is the most trusting answer to every item, whichever way it is worded.
    assert dts.score([7] * 8).total == 56 and dts.score([1] * 8).total == 8
    assert dts.about == RELATIONSHIP and dts.cutoff is None and dts.reliable_change is None
    outcome = classify_outcome(dts, 20, 50)
    assert outcome.kind == "not_classifiable" and "Dyadic Trust Scale" in outcome.reason
    assert "Larzelere" in dts.source and dts.licence
