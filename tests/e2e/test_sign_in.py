"""A therapist signs in with password and a real TOTP code, lands on Today, goes to My couples, opens a couple."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.oath import TOTP

from tests.factories import TEST_PASSWORD, CoupleFactory, PracticeFactory, UserFactory, totp_device_for

SCREENSHOT = "/tmp/e2e-couple.png"


def current_code(device) -> str:
    """The code an authenticator app would show now for this device."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def therapist_with_couple(transactional_db):
    practice = PracticeFactory()
    therapist = UserFactory(practice=practice, role="therapist", username="tess.therapist")
    device = totp_device_for(therapist)
    couple = CoupleFactory(practice=practice, primary=therapist)
    return therapist, device, couple


@pytest.mark.e2e
def test_therapist_can_sign_in_with_totp_and_open_a_couple(page, live_server, therapist_with_couple):
    from playwright.sync_api import expect

    therapist, device, couple = therapist_with_couple
    page.goto(reverse("clinic:login"))
    page.get_by_label("Username").fill(therapist.username)
    page.get_by_label(re.compile(r"^\s*password", re.I)).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile(r"sign in|log in", re.I)).click()

    page.wait_for_url(re.compile(re.escape(reverse("clinic:two-factor"))))
    page.get_by_label(re.compile("code", re.I)).first.fill(current_code(device))
    page.get_by_role("button", name=re.compile(r"verify|continue|sign in|confirm", re.I)).first.click()

    expect(page.get_by_role("heading", name=re.compile("today", re.I)).first).to_be_visible()
    page.get_by_role("link", name=re.compile("my couples", re.I)).first.click()
    expect(page.get_by_role("heading", name=re.compile("my couples", re.I)).first).to_be_visible()
    page.get_by_role("link", name=re.compile(re.escape(couple.reference))).first.click()

    page.wait_for_url(re.compile(re.escape(reverse("clinic:couple-detail", args=[couple.pk]))))
    expect(page.get_by_role("heading", name=re.compile(re.escape(couple.reference))).first).to_be_visible()
    page.screenshot(path=SCREENSHOT, full_page=True)
