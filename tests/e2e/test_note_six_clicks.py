"""A signed note in six clicks (issue 14, item 4), counted in Chromium in the demo practice.

From Today, for an attended joint session of today: open its note, write the sections, answer the risk check
with "No risk concerns", give the password and sign. Every click and Enter-submit is counted twice: by this test
(each one goes through `click`) and by the page itself (a capturing listener counts trusted click events, which
an Enter-submit also fires, across page loads in sessionStorage). Typing is not a click. The note must be
signed in the database with at most CLICK_BUDGET clicks.

Tab stops: the editor opens with the cursor in the first section (0), and from the top of the page the first
Tab reaches "Skip to the note", whose Enter lands in the first section (at most 3 key presses in all).

Screenshot: /tmp/e2e-six-clicks-editor-*.png (1024 px and 768 px wide).
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from demo import practice as demo_practice
from demo.plans import demo_cases
from notes.models import Attendance, ProgressNote, Session, SessionKind
from tests.e2e.conftest import browser, page  # noqa: F401  (the browser fixtures of tests/e2e)
from tests.e2e.test_plan_and_measures import demo, screenshots, sign_in_to_the_demo  # noqa: F401
from tests.notes.note_factories import SessionFactory

CLICK_BUDGET = 6
TAB_BUDGET = 3
COUNT_CLICKS = """
  if (!sessionStorage.getItem("clicks")) { sessionStorage.setItem("clicks", "0"); }
  document.addEventListener("click", (event) => {
    if (event.isTrusted) { sessionStorage.setItem("clicks", String(Number(sessionStorage.getItem("clicks")) + 1)); }
  }, true);
"""
# The focused element, described: tag, name or id, and the start of its text.
FOCUSED = """() => { const el = document.activeElement;
  return el ? `${el.tagName.toLowerCase()}[${el.name || el.id || ""}] ${(el.textContent || "").trim().slice(0, 30)}`
            : ""; }"""
FOCUS_PAGE_TOP = """() => { document.activeElement && document.activeElement.blur();
  document.body.setAttribute("tabindex", "-1"); document.body.focus(); document.body.removeAttribute("tabindex"); }"""


def _session_of_today(couple, therapist) -> Session:
    """An attended joint session that began an hour ago, or at the start of today if that was yesterday."""
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    starts_at = max(now.replace(second=0, microsecond=0) - datetime.timedelta(hours=1), midnight)
    return SessionFactory(couple=couple, therapist=therapist, starts_at=starts_at, duration_minutes=50,
                          kind=SessionKind.JOINT, attendance=Attendance.ATTENDED, service_code="90847")


@pytest.mark.e2e
def test_a_joint_session_is_signed_in_at_most_six_clicks_from_today(page, demo):  # noqa: F811
    from playwright.sync_api import expect

    case = next(case for case in demo_cases(demo.therapist.practice) if case.key == "Hiroshi Tanaka")
    session = _session_of_today(case.couple, demo.therapist)
    sign_in_to_the_demo(page, demo.therapist, demo.device)
    page.context.add_init_script(COUNT_CLICKS)
    page.goto(reverse("notes:therapist-home"))
    page.evaluate("sessionStorage.setItem('clicks', '0')")  # the sign-in is not part of the count
    clicks = 0

    def click(locator) -> None:
        nonlocal clicks
        clicks += 1
        locator.click()

    # 1. Today → the session's note, in one click.
    click(page.locator(f'a[href="{reverse("notes:note-edit", args=[session.pk])}"]'))
    page.wait_for_url(re.compile(r"/sessions/[0-9a-f-]+/note/$"))
    note = ProgressNote.objects.get(session=session)
    sections = page.locator(".note-main textarea")
    expect(sections.first).to_be_focused()  # the cursor starts in the first section
    screenshots(page, "six-clicks-editor")

    # Typing is not a click: every section of the practice's template.
    for index in range(sections.count()):
        sections.nth(index).fill(f"Section {index + 1}: both partners described the week; written in the session.")

    # 2. The risk check for both partners, in one click.
    click(page.get_by_role("button", name="No risk concerns"))
    for partner in "ab":
        for item in ("suicidal_ideation", "harm_to_others", "partner_violence"):
            expect(page.locator(f"#id_risk_{partner}_{item}_0")).to_be_checked()

    # 3. The password and Sign, in one click.
    page.get_by_label(re.compile(r"password", re.I)).last.fill(demo_practice.DEMO_PASSWORD)
    click(page.get_by_role("button", name="Sign the note"))
    page.wait_for_url(re.compile(r"/notes/[0-9a-f-]+/$"))
    expect(page.get_by_text(re.compile(r"Note signed on"))).to_be_visible()

    counted_by_page = int(page.evaluate("sessionStorage.getItem('clicks')"))
    note.refresh_from_db()
    assert note.signed_at is not None and note.content_hash, "the note is signed in the database"
    assert note.risk["a"]["suicidal_ideation"] == "none" and note.risk["b"]["partner_violence"] == "none"
    assert clicks == counted_by_page, (clicks, counted_by_page)
    assert clicks <= CLICK_BUDGET, clicks
    print(f"\nclicks from Today to a signed note: {clicks}")


@pytest.mark.e2e
def test_the_first_section_is_within_three_key_presses_of_the_page_top(page, demo):  # noqa: F811
    from playwright.sync_api import expect

    case = next(case for case in demo_cases(demo.therapist.practice) if case.key == "Hiroshi Tanaka")
    session = _session_of_today(case.couple, demo.therapist)
    sign_in_to_the_demo(page, demo.therapist, demo.device)
    page.goto(reverse("notes:note-edit", args=[session.pk]))
    first = page.locator(".note-main textarea").first
    expect(first).to_be_focused()  # 0 tab stops at load

    page.evaluate(FOCUS_PAGE_TOP)
    presses = 1
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED).startswith("a[] Skip to the note"), page.evaluate(FOCUSED)
    presses += 1
    page.keyboard.press("Enter")
    expect(first).to_be_focused()
    assert presses <= TAB_BUDGET, presses

    # Without the skip link: the Tab stops from the top of the page to the first section (the site's header and
    # the record's tabs come first), for the README.
    page.evaluate(FOCUS_PAGE_TOP)
    stops, form_stops = [], []
    for _ in range(60):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
        if page.evaluate("document.activeElement.closest('#note-editor') !== null"):
            form_stops.append(stops[-1])
        if page.evaluate("document.activeElement === document.querySelector('.note-main textarea')"):
            break
    assert stops[-1].startswith("textarea"), stops
    # Inside the note form, the first section is the first stop (secondary controls come after the text).
    assert form_stops == [stops[-1]], form_stops
    print(f"\ntab stops from the page top to the first section without the skip link: {len(stops)}")


@pytest.mark.e2e
def test_no_risk_concerns_leaves_a_question_with_an_open_risk_to_the_clinician(page, demo):  # noqa: F811
    """In the browser (autosave.js), as on the server: Partner A's open suicide risk keeps that question
    unanswered, with the reason beside it; every other question is answered "None"."""
    from playwright.sync_api import expect

    from clinic.models import Risk, RiskKind, RiskSource

    case = next(case for case in demo_cases(demo.therapist.practice) if case.key == "Hiroshi Tanaka")
    Risk.objects.create(couple=case.couple, kind=RiskKind.SUICIDE, source=RiskSource.MEASURE, partner="a")
    session = _session_of_today(case.couple, demo.therapist)
    sign_in_to_the_demo(page, demo.therapist, demo.device)
    page.goto(reverse("notes:note-edit", args=[session.pk]))
    expect(page.get_by_text(re.compile(r"Partner A has an open suicide or self-harm risk raised"))).to_be_visible()
    page.get_by_role("button", name="No risk concerns").click()
    expect(page.locator("#id_risk_a_harm_to_others_0")).to_be_checked()
    for partner in "ab":
        for item in ("suicidal_ideation", "harm_to_others", "partner_violence"):
            if (partner, item) != ("a", "suicidal_ideation"):
                expect(page.locator(f"#id_risk_{partner}_{item}_0")).to_be_checked()
    expect(page.locator("#id_risk_a_suicidal_ideation_0")).not_to_be_checked()
    expect(page.locator("#id_risk_a_suicidal_ideation_1")).not_to_be_checked()
    expect(page.get_by_label("I have reviewed the open risk")).to_be_visible()
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=15000)  # no request left running
    note = ProgressNote.objects.get(session=session)
    assert note.risk["a"]["suicidal_ideation"] == "" and note.risk["a"]["harm_to_others"] == "none"
