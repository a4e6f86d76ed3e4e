"""The partner portal in a browser, at phone width (360 px): the therapist invites partner A from the couple's
page; partner A opens the link on a phone, sets a password, finds the PHQ-9 due, starts it, closes the tab,
comes back to find the answers kept, sends it and sees the confirmation; the therapist then finds the entry on
Today and on the couple's measures chart as client-reported.

Screenshots: /tmp/e2e-portal-*.png.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from plans.models import EntrySource, MeasureAdministration
from tests.e2e.conftest import CHROMIUM, TIMEOUT_MS, browser, page  # noqa: F401  (the browser fixtures)
from tests.e2e.test_plan_and_measures import WIDER_THAN_THE_PAGE
from tests.e2e.test_sign_in import current_code
from tests.factories import TEST_PASSWORD, CoupleFactory, PracticeFactory, UserFactory, totp_device_for
from tests.plans.measure_factories import plan

PHONE = {"width": 360, "height": 740}
PARTNER_PASSWORD = "a long partner passphrase 42"


@pytest.fixture
def case(transactional_db):
    practice = PracticeFactory()
    therapist = UserFactory(practice=practice, role="therapist", username="tess.therapist")
    couple = CoupleFactory(practice=practice, primary=therapist)
    plan(couple, therapist, phq9="week")
    return therapist, totp_device_for(therapist), couple


def _sign_in_staff(page, therapist, device) -> None:  # noqa: F811
    page.goto(reverse("clinic:login"))
    page.get_by_label("Username").fill(therapist.username)
    page.get_by_label(re.compile(r"^\s*password", re.I)).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile(r"sign in", re.I)).click()
    page.wait_for_url(re.compile(re.escape(reverse("clinic:two-factor"))))
    page.get_by_label(re.compile("code", re.I)).first.fill(current_code(device))
    page.get_by_role("button", name=re.compile(r"verify|continue|sign in|confirm", re.I)).first.click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def _no_sideways_scroll(phone) -> None:
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], phone.evaluate(WIDER_THAN_THE_PAGE, PHONE["width"])


@pytest.mark.e2e
def test_invite_accept_answer_phq9_and_therapist_sees_it(page, browser, live_server, case):  # noqa: F811
    from playwright.sync_api import expect

    therapist, device, couple = case
    # The therapist invites partner A from the couple's page.
    _sign_in_staff(page, therapist, device)
    page.goto(reverse("clinic:couple-detail", args=[couple.pk]))
    page.get_by_role("link", name="Partner portal").click()
    page.get_by_label(re.compile("Partner A: Partner's email address")).fill("alex@example.org")
    page.get_by_role("button", name="Invite Partner A").click()
    link = page.locator("code.invitation-url").inner_text()
    invitation_path = urlparse(link).path

    # Partner A, on a phone.
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB",
                                  timezone_id="Europe/London", is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    phone = context.new_page()
    phone.goto(invitation_path)
    phone.get_by_label("Choose a password").fill(PARTNER_PASSWORD)
    phone.get_by_label("Type it again").fill(PARTNER_PASSWORD)
    phone.get_by_role("button", name=re.compile("Set password")).click()
    expect(phone.get_by_role("heading", name="Your to-do list")).to_be_visible()
    _no_sideways_scroll(phone)
    phone.screenshot(path="/tmp/e2e-portal-home-360.png", full_page=True)

    phone.get_by_role("link", name=re.compile("Patient Health Questionnaire")).click()
    for number in range(1, 5):
        phone.locator(f"#id_item_{number}_1").check()
    expect(phone.locator("[data-draft-status]")).to_have_text(re.compile("Kept on this device"))
    # A closed tab loses nothing: a new tab on the same device finds the answers.
    url = phone.url
    phone.close()
    phone = context.new_page()
    phone.goto(url)
    expect(phone.locator("#id_item_4_1")).to_be_checked()
    for number in range(5, 10):
        phone.locator(f"#id_item_{number}_0").check()
    _no_sideways_scroll(phone)
    box = phone.locator("label[for='id_item_1_0']").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44  # WCAG 2.5.5 target size
    phone.screenshot(path="/tmp/e2e-portal-phq9-360.png", full_page=True)
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_role("heading", name="Sent to your therapist")).to_be_visible()
    expect(phone.get_by_role("alert")).to_have_count(0)  # item 9 answered 0: no crisis panel
    phone.screenshot(path="/tmp/e2e-portal-sent-360.png", full_page=True)
    assert phone.evaluate("Object.keys(localStorage).filter(k => k.startsWith('portal:')).length") == 0
    context.close()

    administration = MeasureAdministration.objects.get(couple=couple)
    assert (administration.source, administration.partner, administration.total) == (EntrySource.CLIENT, "a", 4)

    # The therapist: on Today, and on the couple's measures chart.
    page.goto(reverse("notes:therapist-home"))
    section = page.locator("section", has=page.get_by_role("heading", name=re.compile("New client entries")))
    expect(section).to_contain_text(couple.reference)
    expect(section).to_contain_text("1 questionnaire")
    page.goto(reverse("plans:measure-list", args=[couple.pk]))
    expect(page.locator("table .badge", has_text="Client-reported").first).to_be_visible()
    expect(page.locator("svg title", has_text="client-reported").first).to_be_attached()  # the chart marks it too
    expect(page.locator("svg").first).to_be_visible()
    page.screenshot(path="/tmp/e2e-portal-therapist-measures.png", full_page=True)


@pytest.mark.e2e
def test_an_error_link_on_a_phone_shows_the_blank_question_with_its_error(browser, live_server, case):  # noqa: F811
    """Two blank PHQ-9 questions: the summary counts two problems, and following a link leaves the question and its
    error in view with the first choice focused (before, the choice was scrolled to the top edge, the question above
    it out of sight)."""
    from playwright.sync_api import expect

    from tests.portal.portal_factories import PARTNER_PASSWORD as ACCOUNT_PASSWORD
    from tests.portal.portal_factories import portal_account

    _, _, couple = case
    account = portal_account(couple, "a", email="blank.questions@example.org")
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB",
                                  timezone_id="Europe/London", is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    phone = context.new_page()
    phone.goto(reverse("portal:login"))
    phone.get_by_label("Email address").fill(account.email)
    phone.get_by_label("Password").fill(ACCOUNT_PASSWORD)
    phone.get_by_role("button", name=re.compile("Sign in")).click()
    phone.get_by_role("link", name=re.compile("Patient Health Questionnaire")).click()
    for number in (1, 2, 4, 5, 6, 8, 9):  # 3 and 7 left blank
        phone.locator(f"#id_item_{number}_0").check()
    phone.get_by_role("button", name="Send my answers").click()
    summary = phone.locator(".error-summary")
    expect(summary).to_be_focused()  # read first by a screen reader; the keyboard starts from its links
    expect(summary.get_by_role("heading")).to_have_text("There are 2 problems")
    expect(summary).to_contain_text("Nothing was sent. 2 questions are blank.")
    summary.get_by_role("link", name=re.compile("^Question 7")).click()
    expect(phone.locator("#id_item_7_0")).to_be_focused()
    legend = phone.locator("#id_item_7 legend")
    box = legend.bounding_box()
    assert box is not None and box["y"] >= 0, f"question 7 is above the screen: {box}"
    choice = phone.locator("#id_item_7_0").bounding_box()
    assert choice["y"] + choice["height"] <= PHONE["height"], f"the focused choice is below the screen: {choice}"
    phone.screenshot(path="/tmp/e2e-portal-error-link-360.png")
    context.close()
