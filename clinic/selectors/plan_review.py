"""Whether a couple is "not on track" (a plan review is due), for the couple overview.

The rule lives with the outcome measures in the plans app (plans.instruments.not_on_track, read by
plans.selectors.measures.plan_review_prompts), which sits above clinic: plans registers its answer here from
PlansConfig.ready(), as notes does for the IPV re-screen prompt (clinic.selectors.ipv). Without plans installed
no couple has measures, so nothing is prompted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clinic.models import Couple

# couple -> its prompts, each with `instrument`, `partner_label`, `outcome_label` and `reason`.
ReviewPromptProvider = Callable[[Couple], list[Any]]
_provider: ReviewPromptProvider | None = None


def register(provider: ReviewPromptProvider) -> None:
    global _provider
    _provider = provider


def plan_review_prompts(couple: Couple) -> list[Any]:
    """The couple's partners not on track, per instrument. The caller has fetched `couple` through
    clinic.access (a clinician who may read it): the prompt names a partner's outcome on a clinical measure."""
    return _provider(couple) if _provider is not None else []
