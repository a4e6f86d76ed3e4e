"""Met, partly met, not met (plans.structure.objective_attainment): the rule the discharge summary prints."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plans.structure import Attainment, objective_attainment


@pytest.mark.parametrize(("baseline", "target", "direction", "final", "expected"), [
    # Lower is better: baseline 10 checks a week, target 2
    ("10", "2", "decrease", "2", Attainment.MET),  # equal to the target is met (issue 13: it read "In progress")
    ("10", "2", "decrease", "0", Attainment.MET),
    ("10", "2", "decrease", "6", Attainment.PARTLY_MET),  # exactly half the way
    ("10", "2", "decrease", "6.5", Attainment.NOT_MET),  # not quite half
    ("10", "2", "decrease", "10", Attainment.NOT_MET),
    ("10", "2", "decrease", "14", Attainment.NOT_MET),  # worse than the baseline
    # Higher is better: a trust rating from 3 to 8
    ("3", "8", "increase", "8", Attainment.MET),
    ("3", "8", "increase", "5.5", Attainment.PARTLY_MET),
    ("3", "8", "increase", "5", Attainment.NOT_MET),
    ("3", "8", "increase", "1", Attainment.NOT_MET),
    # Nothing to judge by
    ("10", "2", "decrease", None, Attainment.NOT_MEASURED),
    (None, "2", "decrease", "1", Attainment.NOT_MEASURED),
    ("10", None, "decrease", "1", Attainment.NOT_MEASURED),
])
def test_attainment_from_the_final_value_against_target_and_baseline(baseline, target, direction, final, expected):
    def dec(value):
        return Decimal(value) if value is not None else None

    assert objective_attainment(baseline=dec(baseline), target=dec(target), direction=direction,
                                final=dec(final)) == expected
