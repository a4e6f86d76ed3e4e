"""Safety prompts of a couple's plan tab, from the flags on the library items its plans were built from
(plans.safety_flags), the couple's IPV screen (clinic.ipv) and the clinician's record of an ongoing affair
(clinic.services.affair, a column of the couple already loaded). Two queries however large the plans."""

from __future__ import annotations

from dataclasses import dataclass

from clinic.models import Couple
from plans.models import LibraryItem, TreatmentPlan
from plans.safety_flags import (
    AFFAIR_CAUTION,
    AFFAIR_CAUTION_WARNING,
    AFFAIR_MUST_HAVE_ENDED,
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
        slug = slugs.get(item.library_item_id, "")
        flags = [SAFETY_FLAGS.get(slug), AFFAIR_CAUTION if slug in AFFAIR_MUST_HAVE_ENDED else None]
        for flag in filter(None, flags):
            title = getattr(item, "title", "") or getattr(item, "text", "") or getattr(item, "description", "")
            if title not in flagged.setdefault(flag, []):
                flagged[flag].append(title)
    prompts = []
    if COERCIVE_CONTROL in flagged:
        prompts.append(SafetyPrompt(COERCIVE_CONTROL, COERCIVE_CONTROL_PROMPT, tuple(flagged[COERCIVE_CONTROL])))
    if IPV_CAUTION in flagged and any(p.ipv_flagged for p in couple.partners.all()):
        prompts.append(SafetyPrompt(IPV_CAUTION, IPV_CAUTION_WARNING, tuple(flagged[IPV_CAUTION])))
    if AFFAIR_CAUTION in flagged and couple.affair_ongoing:
        prompts.append(SafetyPrompt(AFFAIR_CAUTION, AFFAIR_CAUTION_WARNING, tuple(flagged[AFFAIR_CAUTION])))
    return prompts


def affair_caution_ids(couple: Couple, items: list[LibraryItem]) -> set:
    """Ids of the library items offered for a plan that assume the affair has ended, when the couple's affair
    is recorded as ongoing (the picker marks them). No query: the items are loaded, the status is the couple's."""
    if not couple.affair_ongoing:
        return set()
    return {item.pk for item in items if item.slug in AFFAIR_MUST_HAVE_ENDED}
