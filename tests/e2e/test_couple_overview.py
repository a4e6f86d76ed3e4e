"""In the demo practice, in Chromium: the demo therapist opens the overview of a couple with an open risk and finds
the next session, the risk, a score with its sparkline and the outstanding list; follows the risk link; opens the
case administration tab; at tablet width (768 px) the partners' cards stack instead of squashing; the long pages
of the record stay under about 4,000 px at 1024 px; axe-core finds no WCAG 2.1 AA violation on either new page.

Screenshots: /tmp/e2e-overview-*.png (1024 px and 768 px wide).
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import Couple, Risk, RiskStatus
from notes.models import Session
from tests.e2e.conftest import browser, page  # noqa: F401  (the browser fixtures of tests/e2e)
from tests.e2e.test_accessibility import WCAG_21_AA
from tests.e2e.test_plan_and_measures import TABLET, demo, screenshots, sign_in_to_the_demo  # noqa: F401

# The longest page of a record at 1024 px on the demo data (before this change: Between sessions 16,909 px,
# Measures 8,122 px). The Measures tab of a couple with four instruments measures about 4,050 px.
LONGEST_PAGE_PX = 4_200
HEIGHT = "document.documentElement.scrollHeight"


def _axe_violations(page) -> list[str]:  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA},
                                       "resultTypes": ["violations"]})
    return [f"{v['impact']} {v['id']} {' '.join(str(t) for n in v['nodes'] for t in n['target'])}"
            for v in results.response["violations"]]


def _stacked(page, selector: str) -> None:  # noqa: F811
    boxes = [page.locator(selector).nth(i).bounding_box() for i in range(2)]
    assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"] - 1, (selector, boxes)
    assert abs(boxes[1]["x"] - boxes[0]["x"]) < 2, (selector, boxes)


@pytest.mark.e2e
def test_the_overview_says_what_matters_and_the_case_administration_has_its_own_tab(page, demo):  # noqa: F811
    from playwright.sync_api import expect

    therapist = demo.therapist
    risk = Risk.objects.filter(status=RiskStatus.OPEN, couple__in=Couple.objects.visible_to(therapist)).first()
    assert risk is not None, "the demo has an open risk on the demo therapist's caseload"
    couple = risk.couple
    starts = timezone.localtime().replace(hour=9, minute=30, second=0, microsecond=0) + datetime.timedelta(days=2)
    Session.objects.create(couple=couple, therapist=therapist, created_by=therapist, starts_at=starts,
                           kind="joint", attendance="scheduled")
    sign_in_to_the_demo(page, therapist, demo.device)

    page.goto(reverse("clinic:couple-detail", args=[couple.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(couple.reference)
    banner = page.get_by_role("alert").filter(has=page.get_by_role("heading", name=re.compile("Risk register")))
    expect(banner).to_contain_text("unresolved")
    sessions = page.locator("section", has=page.get_by_role("heading", name="Sessions", exact=True))
    expect(sessions.locator(".next-session")).to_contain_text(f"{starts:%-d %B %Y}, 09:30")
    expect(sessions).to_contain_text(re.compile("Note: (Signed|Draft|No note yet|Signed, awaiting co-signature)"))
    sparkline = page.get_by_role("img", name=re.compile(r"^PHQ-9, Partner A: \d+ on "))
    expect(sparkline).to_be_visible()
    outstanding = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Outstanding")))
    expect(outstanding.get_by_role("link", name=re.compile("^Acknowledge the risk: "))).to_be_visible()
    assert page.evaluate(HEIGHT) <= LONGEST_PAGE_PX
    assert _axe_violations(page) == []
    screenshots(page, "overview")

    # At tablet width the partners' score cards stack.
    page.set_viewport_size(TABLET)
    _stacked(page, ".partner-cards > .partner-card")
    page.set_viewport_size({"width": 360, "height": 740})  # and on a phone, nothing sticks out sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 1024, "height": 768})

    # A link of the outstanding list leads where the work is done.
    outstanding.get_by_role("link", name=re.compile("^Acknowledge the risk: ")).first.click()
    page.wait_for_url(re.compile(re.escape(reverse("clinic:risk-register", args=[couple.pk]))))
    expect(page.get_by_role("heading", level=1)).to_contain_text(couple.reference)

    # The case administration, its own tab: reference, partners, care team; the cards stack at 768 px.
    page.goto(reverse("clinic:couple-detail", args=[couple.pk]))
    page.get_by_role("navigation", name=re.compile("Sections of the record")).get_by_role(
        "link", name="Case administration").click()
    page.wait_for_url(re.compile(re.escape(reverse("clinic:couple-administration", args=[couple.pk]))))
    expect(page.get_by_role("heading", name="Case", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Care team"))).to_be_visible()
    expect(page.get_by_role("link", name="Case administration")).to_have_attribute("aria-current", "page")
    assert _axe_violations(page) == []
    screenshots(page, "administration")
    page.set_viewport_size(TABLET)
    _stacked(page, ".partner-cards > section.card")
    page.set_viewport_size({"width": 1024, "height": 768})

    # The long tabs of the same record stay short, with the earlier records folded.
    for name in ("plans:cbt", "plans:measure-list"):
        page.goto(reverse(name, args=[couple.pk]))
        height = page.evaluate(HEIGHT)
        assert height <= LONGEST_PAGE_PX, (name, height)
    expect(page.locator("details.earlier").first).to_be_attached()
