"""In the demo practice, in a browser: the demo therapist builds a plan for the couple at intake from the library
(a cause, a sign and an intervention), sets the objective's numbers, signs with re-authentication, records a
CSI-4 for each partner and finds both on the chart of the measures tab. Timed: the issue's target for a person
is under three minutes; the machine's part must be a small share of that.

The demo is seeded for the test (seed_demo), so the pages are seen with months of realistic data around them.
Screenshots: /tmp/e2e-plan-*.png, /tmp/e2e-measures-*.png (1024 px and 768 px wide).
"""

from __future__ import annotations

import re
import time
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from clinic.models import Couple, CoupleStatus, User
from demo import practice as demo_practice
from plans.models import MeasureAdministration, Objective, PlanStatus, TreatmentPlan
from tests.e2e.conftest import browser, page  # noqa: F401  (the browser fixtures of tests/e2e)
from tests.e2e.test_sign_in import current_code
from tests.factories import totp_device_for

PLAN_BUDGET_SECONDS = 60  # the machine's share of "a plan in under three minutes"
TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def demo(transactional_db):
    """The demo practice, seeded as `make run` does, and the demo therapist with an authenticator app."""
    call_command("seed_demo", force=True, stdout=StringIO())
    therapist = User.objects.get(username="therapist")
    return SimpleNamespace(therapist=therapist, device=totp_device_for(therapist), seeded_at=timezone.now())


def sign_in_to_the_demo(page, user, device, *, password: str = demo_practice.DEMO_PASSWORD) -> None:  # noqa: F811
    """Sign in with the demo password (or `password`) and a current authenticator code, as a person would."""
    page.goto(reverse("clinic:login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label(re.compile(r"^\s*password", re.I)).fill(password)
    page.get_by_role("button", name=re.compile(r"sign in|log in", re.I)).click()
    page.wait_for_url(re.compile(re.escape(reverse("clinic:two-factor"))))
    page.get_by_label(re.compile("code", re.I)).first.fill(current_code(device))
    page.get_by_role("button", name=re.compile(r"verify|continue|sign in|confirm", re.I)).first.click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def screenshots(page, name: str) -> None:  # noqa: F811
    """The page at 1024 px and at tablet width (768 px); fails if the tablet view scrolls sideways."""
    page.screenshot(path=f"/tmp/e2e-{name}-1024.png", full_page=True)
    size = page.viewport_size
    page.set_viewport_size(TABLET)
    page.screenshot(path=f"/tmp/e2e-{name}-768.png", full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    culprits = page.evaluate(WIDER_THAN_THE_PAGE, TABLET["width"]) if overflow > TABLET["width"] else []
    page.set_viewport_size(size)
    assert overflow <= TABLET["width"], f"{name}: {overflow}px wide at {TABLET['width']}px, because of {culprits}"


# The outermost elements that stick out on the right, described by tag, class and start of their text.
WIDER_THAN_THE_PAGE = """(width) => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    const parent = el.parentElement && el.parentElement.getBoundingClientRect();
    const escapes = ["absolute", "fixed"].includes(getComputedStyle(el).position);
    if (box.right > width + 1 && (escapes || !(parent && parent.right > width + 1))) {
      const style = getComputedStyle(el);
      out.push(`${el.tagName.toLowerCase()}.${el.className} (${style.position}, right ${Math.round(box.right)}px): `
               + (el.textContent || "").trim().slice(0, 40));
    }
  }
  return out.slice(0, 5);
}"""


def answer(page, item: int, label: str) -> None:  # noqa: F811
    page.get_by_role("group", name=re.compile(rf"^{item}\. ")).get_by_label(label, exact=True).check()


@pytest.mark.e2e
def test_therapist_builds_a_plan_from_the_library_and_records_both_partners_csi4(page, demo):  # noqa: F811
    from playwright.sync_api import expect

    couple = Couple.objects.get(practice__name=demo_practice.PRACTICE_NAME, status=CoupleStatus.INTAKE,
                                care_team__user=demo.therapist)
    assert not TreatmentPlan.objects.filter(couple=couple).exists()
    sign_in_to_the_demo(page, demo.therapist, demo.device)

    # From My couples to the plan tab of the couple at intake.
    started = time.monotonic()
    page.goto(reverse("clinic:couple-list"))
    page.get_by_role("link", name=re.compile(re.escape(couple.reference))).first.click()
    page.get_by_role("navigation", name=re.compile("Sections of the record")).get_by_role(
        "link", name="Treatment plan").click()
    page.get_by_role("button", name="Start a treatment plan").click()
    page.get_by_role("link", name="Add from the library").click()

    # The library picker: a cause, a sign and an intervention, for both partners.
    page.get_by_label(re.compile("Ongoing misunderstandings")).check()
    page.get_by_label(re.compile("Avoiding vulnerability")).check()
    page.get_by_label(re.compile(r"Communication skills: listening without interrupting")).check()
    page.get_by_label("For (required)").select_option("both")
    screenshots(page, "plan-library")
    page.get_by_role("button", name="Add ticked items to the draft").click()
    expect(page.get_by_text("Added 1 problem, 1 goal, 1 objective, 1 intervention from the library.")).to_be_visible()

    # Baseline and target of the objective (higher is better: times a feeling or need was shared, per week).
    page.get_by_role("link", name="Edit objective 1.1.1", exact=True).click()
    page.get_by_label(re.compile(r"^Baseline")).first.fill("1")
    page.get_by_label(re.compile(r"^Target\b")).first.fill("4")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Objective saved.")).to_be_visible()
    screenshots(page, "plan-draft")

    # Sign, confirming it is the therapist.
    page.get_by_role("link", name="Sign plan").click()
    page.get_by_label(re.compile("Your password")).fill(demo_practice.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign plan").click()
    expect(page.get_by_role("heading", name=re.compile(r"Active plan · version 1"))).to_be_visible()
    plan_seconds = time.monotonic() - started
    screenshots(page, "plan-active")

    # A CSI-4 for partner A, then for partner B straight after.
    page.get_by_role("navigation", name=re.compile("Sections of the record")).get_by_role(
        "link", name="Measures").click()
    page.get_by_role("link", name="Record a measure").first.click()
    page.get_by_label(re.compile("Instrument")).select_option("csi4")
    page.get_by_label(re.compile("Partner")).select_option("a")
    page.get_by_role("button", name="Continue").click()
    for item, label in ((1, "A little unhappy (2)"), (2, "Somewhat true (2)"), (3, "Somewhat (2)"),
                        (4, "A little (1)")):
        answer(page, item, label)
    screenshots(page, "measures-record")
    page.get_by_role("button", name="Save and record the other partner").click()
    expect(page.get_by_text(re.compile(r"CSI-4 for Partner A on .* recorded: 7"))).to_be_visible()
    expect(page.get_by_label(re.compile("Partner B"))).to_be_checked()
    for item, label in ((1, "Happy (3)"), (2, "Mostly true (3)"), (3, "Mostly (3)"), (4, "Somewhat (2)")):
        answer(page, item, label)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile(r"CSI-4 for Partner B on .* recorded: 11"))).to_be_visible()

    # Both partners on the measures tab: the chart and the same numbers in its table.
    if "/measures/" not in page.url or "record" in page.url:
        page.goto(reverse("plans:measure-list", args=[couple.pk]))
    section = page.locator("section.measure-section", has=page.get_by_role("heading", name=re.compile("CSI-4")))
    expect(section.locator("svg").first).to_be_visible()
    expect(section.get_by_role("table").first).to_contain_text("7")
    expect(section.get_by_role("table").first).to_contain_text("11")
    total_seconds = time.monotonic() - started
    screenshots(page, "measures-tab")
    print(f"\nPlan built from the library and signed in {plan_seconds:.1f} s; with both CSI-4s and the chart, "
          f"{total_seconds:.1f} s (target for a person: under 180 s).")

    plan = TreatmentPlan.objects.get(couple=couple)
    assert (plan.status, plan.signed_by_id) == (PlanStatus.ACTIVE, demo.therapist.pk)
    objective = Objective.objects.get(goal__problem__plan=plan)
    assert (objective.baseline, objective.target, objective.library_item.slug) == (1, 4, "sign-avoiding-vulnerability")
    assert sorted(MeasureAdministration.objects.filter(couple=couple).values_list("partner", "total")) == [
        ("a", 7), ("b", 11)]
    assert plan_seconds < PLAN_BUDGET_SECONDS, plan_seconds
