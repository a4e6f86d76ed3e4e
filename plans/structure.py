"""What a treatment plan is made of and what makes its numbers valid: plain definitions, no writes.

ITEM_KINDS: the kinds of item a plan holds (problem > long-term goal > objective, intervention), their model,
their parent and the fields a therapist edits. objective_errors: the rule an objective's baseline, target and
direction must follow, checked on every edit of a draft and again before it is signed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Model

from plans.models import Direction, Goal, Intervention, Objective, Problem


@dataclass(frozen=True)
class ItemKind:
    name: str
    model: type[Model]
    label: str
    parent_kind: str | None  # None: the item hangs off the plan itself
    parent_field: str
    fields: tuple[str, ...]
    plan_lookup: str  # from the item to its plan's id


ITEM_KINDS: dict[str, ItemKind] = {
    "problem": ItemKind("problem", Problem, "problem", None, "plan",
                        ("applies_to", "title", "behavioural_definition"), "plan_id"),
    "goal": ItemKind("goal", Goal, "long-term goal", "problem", "problem", ("text",), "problem__plan_id"),
    "objective": ItemKind("objective", Objective, "objective", "goal", "goal",
                          ("text", "who", "metric", "unit", "baseline", "baseline_a", "baseline_b", "target",
                           "direction", "target_date", "status", "data_source"), "goal__problem__plan_id"),
    "intervention": ItemKind("intervention", Intervention, "intervention", "goal", "goal",
                             ("approach", "description", "frequency", "delivered_by"), "goal__problem__plan_id"),
}


def objective_errors(
    *,
    baseline: Decimal | None,
    target: Decimal | None,
    direction: str,
    target_date: datetime.date | None,
    today: datetime.date | None,
    partner_baselines: dict[str, Decimal | None] | None = None,
) -> dict[str, str]:
    """Field -> message for objective numbers that do not make sense (empty dict when they do).

    Missing numbers are allowed on a draft (an objective taken from the library has none yet); signing
    then asks for them. When both are given, the target must lie in the direction of improvement. The target
    date may not be before `today` (the caller's clock); None leaves the date unchecked. `partner_baselines`
    ({"a": ..., "b": ...}, both-partners objectives) are checked against the target the same way.
    """
    errors: dict[str, str] = {}
    for partner, own in (partner_baselines or {}).items():
        if own is None or target is None:
            continue
        wrong = (direction == Direction.DECREASE and not target < own) or (
            direction == Direction.INCREASE and not target > own)
        if wrong:
            errors[f"baseline_{partner}"] = (
                f"Partner {partner.upper()}'s baseline must be "
                f"{'above' if direction == Direction.DECREASE else 'below'} the target, or the objective is "
                "already met for them. Check the baseline, the target or the direction.")
    if baseline is not None and target is not None:
        if direction == Direction.DECREASE and not target < baseline:
            errors["target"] = ("The target must be lower than the baseline, because lower is better for this "
                                "objective. Change the target, or set the direction to \u201chigher is better\u201d.")
        elif direction == Direction.INCREASE and not target > baseline:
            errors["target"] = ("The target must be higher than the baseline, because higher is better for this "
                                "objective. Change the target, or set the direction to \u201clower is better\u201d.")
    if today is not None and target_date is not None and target_date < today:
        errors["target_date"] = "The target date cannot be before today."
    return errors


# --- How far an objective got (the discharge summary) ---------------------------------------------


class Attainment:
    MET = "met"
    PARTLY_MET = "partly_met"
    NOT_MET = "not_met"
    NOT_MEASURED = "not_measured"

    LABELS = {MET: "Met", PARTLY_MET: "Partly met", NOT_MET: "Not met", NOT_MEASURED: "Not measured"}


def objective_attainment(*, baseline: Decimal | None, target: Decimal | None, direction: str,
                         final: Decimal | None) -> str:
    """Met, partly met or not met, from the objective's final value against its target and baseline.

    - **Met**: the final value reached the target in the objective's direction (at or below it for "lower is
      better", at or above it for "higher is better").
    - **Partly met**: not met, but the final value moved from the baseline toward the target by at least half
      of the distance between them (e.g. baseline 10 checks a week, target 2: a final value of 6 or fewer).
    - **Not met**: less than half the way, no change, or worse than the baseline.
    - **Not measured**: no value was recorded, or the objective has no baseline or target.

    Half the distance is our own threshold, not a published one. Goal attainment scaling (Kiresuk & Sherman
    1968, Community Ment Health J 4:443-453) also grades attainment short of the expected outcome, but with levels
    set per goal in advance, which a plan here does not have. Half makes "partly met" mean a change a reader
    would call substantial; the discharge summary states the rule under its table.
    """
    if final is None or baseline is None or target is None:
        return Attainment.NOT_MEASURED
    final, baseline, target = Decimal(final), Decimal(baseline), Decimal(target)
    if direction == Direction.INCREASE:
        reached, gained, distance = final >= target, final - baseline, target - baseline
    else:
        reached, gained, distance = final <= target, baseline - final, baseline - target
    if reached:
        return Attainment.MET
    if distance > 0 and gained * 2 >= distance:
        return Attainment.PARTLY_MET
    return Attainment.NOT_MET


ATTAINMENT_ORDER = (Attainment.NOT_MEASURED, Attainment.NOT_MET, Attainment.PARTLY_MET, Attainment.MET)
PARTNER_LABELS = {"a": "Partner A", "b": "Partner B", "": "Both (not split by partner)"}


def partner_attainment(objective: Objective, latest: dict[str, Decimal | None]) -> tuple[str, dict[str, str]]:
    """The objective's attainment, and each partner's on a both-partners objective.

    `latest` maps partner ("a", "b"; "" for a value recorded for the couple) to its latest value. An individual
    objective, or a both-partners one with no value per partner yet, is judged on its latest value as
    objective_attainment does. Otherwise each partner is judged on their own latest value (the couple's when
    they have none) against their own baseline (the shared one when they have none), and the objective counts
    as **met only when both partners met it**; else it takes the lower of the two (partly met when both at
    least partly met, not measured when either partner has no value). This is our rule: a couple's objective
    for both partners is one both are working on, so one partner's change alone does not meet it.
    """
    couple_value = latest.get("")
    if not objective.per_partner or not (latest.get("a") is not None or latest.get("b") is not None):
        final = couple_value if couple_value is not None else latest.get("a", latest.get("b"))
        return objective_attainment(baseline=objective.baseline if objective.baseline is not None else None,
                                    target=objective.target, direction=objective.direction, final=final), {}
    each = {}
    for partner in ("a", "b"):
        own = latest.get(partner)
        each[partner] = objective_attainment(
            baseline=objective.baseline_for(partner), target=objective.target, direction=objective.direction,
            final=own if own is not None else couple_value)
    overall = min(each.values(), key=ATTAINMENT_ORDER.index)
    return overall, each
