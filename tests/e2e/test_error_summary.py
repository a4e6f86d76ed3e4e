"""A form shown again with problems puts focus on its error summary (GOV.UK Design System pattern), on the staff
pages and in the portal: a screen reader reads the problems first, and the keyboard starts from their links. Each
link then focuses its field."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from demo.plans import demo_cases
from tests.e2e.conftest import browser, page  # noqa: F401  (the browser fixtures of tests/e2e)
from tests.e2e.test_plan_and_measures import demo, sign_in_to_the_demo  # noqa: F401


@pytest.mark.e2e
def test_a_refused_session_form_focuses_its_error_summary_then_the_field(page, demo):  # noqa: F811
    from playwright.sync_api import expect

    case = next(case for case in demo_cases(demo.therapist.practice) if case.key == "Hiroshi Tanaka")
    sign_in_to_the_demo(page, demo.therapist, demo.device)
    page.goto(reverse("notes:session-create", args=[case.couple.pk]))
    page.get_by_label(re.compile(r"^Date")).fill("")
    page.get_by_role("button", name="Record the session").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_contain_text("problem")
    page.keyboard.press("Tab")  # the first thing the keyboard reaches is the summary's first link
    first_link = summary.get_by_role("link").first
    expect(first_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label(re.compile(r"^Date"))).to_be_focused()


@pytest.mark.e2e
def test_a_page_without_problems_leaves_focus_alone(page, demo):  # noqa: F811
    from playwright.sync_api import expect

    case = next(case for case in demo_cases(demo.therapist.practice) if case.key == "Hiroshi Tanaka")
    sign_in_to_the_demo(page, demo.therapist, demo.device)
    page.goto(reverse("notes:session-create", args=[case.couple.pk]))
    expect(page.locator(".error-summary")).to_have_count(0)
    assert page.evaluate("document.activeElement === document.body")
