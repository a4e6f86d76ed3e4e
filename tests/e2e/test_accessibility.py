"""WCAG 2.1 AA in Chromium (issue 12): axe-core (4.12.1, bundled by the PyPI package axe-playwright-python) runs
the rules tagged wcag2a, wcag2aa, wcag21a and wcag21aa on every portal page a partner sees, at phone width (360 px),
and on the staff pages of the portal round at 1024 px. The test fails on any violation of impact "serious" or
"critical" and lists each one by rule id, target selector and page path (paths carry UUIDs, never names).

The story, in the demo practice: the therapist invites partner B from the couple's portal page; partner B opens
the link on a phone, sets a password, answers a PHQ-9 (first sent with nothing answered, then item 9 above 0, which
shows the crisis information and opens a risk), opens each homework form (empty, then submitted empty), the
entries sent, one entry, the progress page the therapist shared, the authenticator-app page, and signs out.
The therapist then opens Today, the couple overview (with the risk banner), its case administration, the risk
register and the safety page; the practice manager the practice report; the administrator the service codes.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from clinic.models import CareRole, CareTeamMember, Risk, RiskStatus
from demo import portal as demo_portal
from portal.forms.portal import PORTAL_CBT_FORMS
from tests.e2e.conftest import TIMEOUT_MS, browser, page  # noqa: F401  (the browser fixtures of tests/e2e)
from tests.e2e.test_plan_and_measures import demo, sign_in_to_the_demo  # noqa: F401
from tests.factories import totp_device_for

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1024, "height": 768}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
PARTNER_PASSWORD = "a long partner passphrase 42"


class Audit:
    """Runs axe on the page it is given and keeps the serious and critical violations, by page path."""

    def __init__(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.pages: list[str] = []
        self.found: list[str] = []
        self.minor: int = 0

    def check(self, page, label: str) -> None:  # noqa: F811
        page.wait_for_load_state("load")
        results = self.axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA},
                                              "resultTypes": ["violations"]})
        path = urlparse(page.url).path
        self.pages.append(f"{label} {path}")
        for violation in results.response["violations"]:
            if violation["impact"] not in BLOCKING:
                self.minor += 1
                continue
            for node in violation["nodes"]:
                target = " ".join(str(part) for part in node["target"])
                self.found.append(f"{violation['impact']:8} {violation['id']:28} {target}  on {path} ({label})")


def _portal_couple_and_therapist():
    from clinic.models import Practice
    from demo.practice import PRACTICE_NAME

    couple = demo_portal.portal_couple(Practice.objects.get(name=PRACTICE_NAME))
    therapist = CareTeamMember.objects.current().get(couple=couple, role=CareRole.PRIMARY).user
    return couple, therapist


def _new_context(browser, live_server, viewport, **extra):  # noqa: F811
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="en-GB",
                                  timezone_id="Europe/London", **extra)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.mark.e2e
def test_axe_finds_no_serious_violation_on_the_portal_and_the_staff_pages(page, browser, live_server, demo):  # noqa: F811
    from playwright.sync_api import expect

    audit = Audit()
    couple, therapist = _portal_couple_and_therapist()
    phone_context = _new_context(browser, live_server, PHONE, is_mobile=True, has_touch=True)
    phone = phone_context.new_page()

    # Before signing in: the sign-in page, and an invitation link that no longer works.
    phone.goto(reverse("portal:login"))
    audit.check(phone, "portal sign-in")
    phone.goto(reverse("portal:accept", args=["no-such-token"]))
    audit.check(phone, "portal invitation not valid")

    # The therapist invites partner B from the couple's portal page.
    sign_in_to_the_demo(page, therapist, totp_device_for(therapist))
    page.goto(reverse("portal:couple", args=[couple.pk]))
    audit.check(page, "staff portal management")
    partner_b = page.locator("section", has=page.get_by_role("heading", name="Partner B"))
    partner_b.get_by_label(re.compile("Partner's email address")).fill("partner.b@example.org")
    partner_b.get_by_role("button", name="Invite Partner B").click()
    link = page.locator("code.invitation-url").inner_text()
    audit.check(page, "staff portal management, invitation made")

    # Partner B, on a phone: set a password.
    phone.goto(urlparse(link).path)
    audit.check(phone, "portal set password")
    phone.get_by_role("button", name=re.compile("Set password")).click()
    expect(phone.get_by_role("alert").first).to_be_visible()
    audit.check(phone, "portal set password, errors")
    phone.get_by_label("Choose a password").fill(PARTNER_PASSWORD)
    phone.get_by_label("Type it again").fill(PARTNER_PASSWORD)
    phone.get_by_role("button", name=re.compile("Set password")).click()
    expect(phone.get_by_role("heading", name="Your to-do list")).to_be_visible()

    # The therapist sends partner B a PHQ-9 and shares charts and goals.
    page.goto(reverse("portal:couple", args=[couple.pk]))
    partner_b = page.locator("section", has=page.get_by_role("heading", name="Partner B"))
    partner_b.get_by_label(re.compile("Questionnaire")).select_option("phq9")
    partner_b.get_by_role("button", name="Send now").click()
    partner_b = page.locator("section", has=page.get_by_role("heading", name="Partner B"))
    partner_b.get_by_label(re.compile("charts of their own scores")).check()
    partner_b.get_by_label(re.compile("plan goals for them")).check()
    partner_b.get_by_role("button", name="Save sharing").click()
    audit.check(page, "staff portal management, partner live")

    # Partner B: the to-do list, the PHQ-9, its error state, and the confirmation with the crisis information.
    phone.goto(reverse("portal:home"))
    audit.check(phone, "portal home")
    phone.get_by_role("link", name=re.compile("Patient Health Questionnaire")).click()
    audit.check(phone, "portal PHQ-9")
    phone.get_by_role("button", name="Send my answers").click()  # nothing answered: refused
    expect(phone.locator(".error-summary, [role=alert]").first).to_be_visible()
    audit.check(phone, "portal PHQ-9, incomplete")
    for number in range(1, 10):
        phone.locator(f"#id_item_{number}_1").check()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_role("heading", name="Sent to your therapist")).to_be_visible()
    expect(phone.get_by_role("alert")).to_be_visible()  # item 9 above 0: the crisis information
    audit.check(phone, "portal sent, crisis information")

    # Each homework form, empty and submitted empty.
    for kind in PORTAL_CBT_FORMS:
        phone.goto(reverse("portal:entry-new", args=[kind]))
        audit.check(phone, f"portal {kind} form")
        phone.get_by_role("button", name="Send", exact=True).click()
        audit.check(phone, f"portal {kind} form, errors")

    # What was sent, one entry, the shared progress, the authenticator app, signing out.
    phone.goto(reverse("portal:entry-list"))
    audit.check(phone, "portal entries")
    phone.locator("a.portal-action").first.click()
    audit.check(phone, "portal entry")
    phone.goto(reverse("portal:progress"))
    expect(phone.get_by_role("heading", name="Your scores")).to_be_visible()
    audit.check(phone, "portal progress")
    phone.goto(reverse("portal:security"))
    audit.check(phone, "portal authenticator app")
    phone.get_by_role("button", name="Sign out").click()
    expect(phone.get_by_role("heading", name="You have signed out")).to_be_visible()
    audit.check(phone, "portal signed out")
    phone_context.close()

    # The therapist: Today, the overview with the risk the PHQ-9 opened, the risk register, the safety page.
    assert Risk.objects.filter(couple=couple, status=RiskStatus.OPEN).exists()
    caseload_pages = ("notes:therapist-home", "plans:not-on-track")
    for name, label in (("notes:therapist-home", "Today"), ("plans:not-on-track", "not on track"),
                        ("clinic:couple-detail", "couple overview"),
                        ("clinic:couple-administration", "case administration"),
                        ("clinic:risk-register", "risk register"), ("clinic:safety-record", "safety page")):
        page.goto(reverse(name, args=[] if name in caseload_pages else [couple.pk]))
        audit.check(page, label)

    # The practice manager's report and the administrator's service codes.
    users = get_user_model().objects
    for username, name, label in (("manager", "reports:practice-report", "practice report"),
                                  ("admin", "notes:service-codes", "service codes")):
        context = _new_context(browser, live_server, DESK)
        staff = context.new_page()
        user = users.get(username=username)
        sign_in_to_the_demo(staff, user, totp_device_for(user))
        staff.goto(reverse(name))
        audit.check(staff, label)
        context.close()

    print(f"\naxe-core: {len(audit.pages)} pages checked, {len(audit.found)} serious or critical, "
          f"{audit.minor} moderate or minor rule violations")
    assert not audit.found, (f"{len(audit.found)} serious or critical WCAG 2.1 AA violations:\n"
                             + "\n".join(audit.found))
