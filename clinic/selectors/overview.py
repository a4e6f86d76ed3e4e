"""The clinical panels of a couple's overview (clinic:couple-detail): sessions, notes, plan, scores, homework,
client entries and what is outstanding.

Those live in notes and plans, above clinic, so clinic may not import them (tests/test_architecture.py). The
notes app, the highest one whose data the panels need, registers its builder here from NotesConfig.ready()
(notes.selectors.overview.couple_overview), as it does for the IPV re-screen prompt (clinic.selectors.ipv). The
builder returns an object with a `template_name` the overview includes, so the page's markup for the panels
stays beside the data it renders. Without notes installed the overview shows the case and its risks only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clinic.models import Couple, Risk

# (couple=, user=, risks=, can_write=) -> panels with a `template_name`
OverviewProvider = Callable[..., Any]
_provider: OverviewProvider | None = None


def register(provider: OverviewProvider) -> None:
    global _provider
    _provider = provider


def clinical_overview(*, couple: Couple, user: Any, risks: list[Risk], can_write: bool) -> Any | None:
    """The panels for `user`, a clinician who may read `couple` (fetched through clinic.access); None when no
    app registered a builder."""
    if _provider is None:
        return None
    return _provider(couple=couple, user=user, risks=risks, can_write=can_write)
