"""The pages `make bench` measures, and their targets (issue 15). Pure data and arithmetic: no Django here.

To measure another page, add a Page: its URL name (one of `candidates` that resolves is used; a page whose URL
does not resolve yet, such as a page still being built on another branch, is left out of the run and named in
the report), what its URL takes (`args`: "couple" for the bench couple's id, "measure" for the measure the
bench partner has been sent, or nothing), and who asks for it ("therapist": the bench therapist's sessions;
"partner": the bench couple's partner signed in to the portal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

P95_TARGET_MS = 150


@dataclass(frozen=True)
class Page:
    name: str
    label: str
    candidates: tuple[str, ...]  # URL names, the first that resolves is measured
    who: str = "therapist"  # or "partner"
    args: str = ""  # "", "couple" or "measure"
    query: str = ""  # appended to the URL, e.g. "?week=..."
    cpu_target_ms: float | None = None  # web CPU per request (issue 15, item 1)
    p95_target_ms: float = P95_TARGET_MS


PAGES: tuple[Page, ...] = (
    Page("home", "therapist home page (Today)", ("notes:therapist-home",), cpu_target_ms=20),
    Page("couple", "couple page", ("clinic:couple-detail",), args="couple", cpu_target_ms=15),
    Page("notes_api", "notes list API, page of 50", ("note-list",), cpu_target_ms=15),
    Page("calendar", "calendar week", ("notes:calendar",)),
    Page("portal_home", "portal home (measures due)", ("portal:home",), who="partner"),
    Page("portal_measure", "portal measure to answer (PHQ-9)", ("portal:measure-answer",), who="partner",
         args="measure"),
    Page("portal_entries", "portal entries list", ("portal:entry-list",), who="partner"),
)


def by_name(name: str) -> Page:
    return next(page for page in PAGES if page.name == name)


def verdict(page: Page, p95_seconds: float, cpu_seconds_per_request: float) -> dict[str, bool | None]:
    """Whether the page met its targets: p95 under its target, and web CPU per request under its budget
    (None where the page has no CPU budget, or the value is unknown)."""
    p95_met = None if math.isnan(p95_seconds) else p95_seconds * 1000 < page.p95_target_ms
    cpu_met = None
    if page.cpu_target_ms is not None and not math.isnan(cpu_seconds_per_request):
        cpu_met = cpu_seconds_per_request * 1000 <= page.cpu_target_ms
    return {"p95": p95_met, "cpu": cpu_met}


def met_text(met: bool | None) -> str:
    return "—" if met is None else ("met" if met else "**not met**")


def target_text(page: Page) -> str:
    cpu = f"CPU ≤ {page.cpu_target_ms:g} ms, " if page.cpu_target_ms is not None else ""
    return f"{cpu}p95 < {page.p95_target_ms:g} ms"
