"""Safety prompts of a couple's plan tab, from the flags on the library items its plans were built from
(plans.safety_flags) and the couple's IPV screen (clinic.ipv). Two queries however large the plans."""

from __future__ import annotations

from dataclasses import dataclass

from clinic.models import Couple
from plans.models import LibraryItem, TreatmentPlan
from plans.safety_flags import (
    COERCIVE_CONTROL,
    COERCIVE_CONTROL_PROMPT,
    IPV_CAUTION,
    IPV_CAUTION_WARNING,
    SAFETY_FLAGS,
)


@dataclass(frozen=True)
class SafetyPrompt:
    flag: str
    message: str
    items: tuple[str, ...]  # titles of the plan items that raised it


def _items(plan: TreatmentPlan) -> list:
    """Every problem, objective and intervention of a plan loaded with plans.selectors.plans.with_structure."""
    found: list = []
    for problem in plan.problems.all():
        found.append(problem)
        for goal in problem.goals.all():
            found.extend(goal.objectives.all())
            found.extend(goal.interventions.all())
    return found


def safety_prompts(couple: Couple, plans: list[TreatmentPlan]) -> list[SafetyPrompt]:
    items = [item for plan in plans if plan is not None for item in _items(plan)]
    ids = {item.library_item_id for item in items if item.library_item_id}
    if not ids:
        return []
    slugs = dict(LibraryItem.objects.filter(pk__in=ids).values_list("id", "slug"))
    flagged: dict[str, list[str]] = {}
    for item in items:
        flag = SAFETY_FLAGS.get(slugs.get(item.library_item_id, ""))
        if flag:
            title = getattr(item, "title", "") or getattr(item, "text", "") or getattr(item, "description", "")
            if title not in flagged.setdefault(flag, []):
                flagged[flag].append(title)
    prompts = []
    if COERCIVE_CONTROL in flagged:
        prompts.append(SafetyPrompt(COERCIVE_CONTROL, COERCIVE_CONTROL_PROMPT, tuple(flagged[COERCIVE_CONTROL])))
    if IPV_CAUTION in flagged and any(p.ipv_flagged for p in couple.partners.all()):
        prompts.append(SafetyPrompt(IPV_CAUTION, IPV_CAUTION_WARNING, tuple(flagged[IPV_CAUTION])))
    return prompts
