"""In a real browser: record a joint session, type a note, see it autosave, reload, leave the page mid-typing,
meet a second tab's conflict, sign it. Exercises rapport/static/rapport/autosave.js and htmx together."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from notes.models import NoteStatus, ProgressNote
from tests.e2e.conftest import browser, page  # noqa: F401 (fixtures)
from tests.factories import TEST_PASSWORD, CoupleFactory, PracticeFactory, UserFactory, totp_device_for
from tests.notes.note_factories import screen_partners

SCREENSHOT = "/tmp/e2e-note-signed.png"


def current_code(device) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def therapist_and_couple(transactional_db):
    practice = PracticeFactory()
    therapist = UserFactory(practice=practice, role="therapist", username="tess.therapist")
    couple = CoupleFactory(practice=practice, primary=therapist)
    screen_partners(couple, on=datetime.date(2024, 1, 10))
    return therapist, totp_device_for(therapist), couple


def sign_in(tab, therapist, device) -> None:
    tab.goto(reverse("clinic:login"))
    tab.get_by_label("Username").fill(therapist.username)
    tab.get_by_label(re.compile(r"^\s*password", re.I)).fill(TEST_PASSWORD)
    tab.get_by_role("button", name=re.compile(r"sign in|log in", re.I)).click()
    tab.wait_for_url(re.compile(re.escape(reverse("clinic:two-factor"))))
    tab.get_by_label(re.compile("code", re.I)).first.fill(current_code(device))
    tab.get_by_role("button", name=re.compile(r"verify|continue|sign in|confirm", re.I)).first.click()
    tab.wait_for_url(lambda url: "/accounts/" not in url)


@pytest.mark.e2e
def test_therapist_records_a_session_writes_autosaves_and_signs(page, therapist_and_couple):  # noqa: F811
    from playwright.sync_api import expect

    therapist, device, couple = therapist_and_couple
    sign_in(page, therapist, device)
    page.goto(reverse("notes:session-list", args=[couple.pk]))
    page.get_by_role("link", name="Record a session").first.click()
    page.get_by_role("button", name="Record the session").click()
    page.wait_for_url(re.compile(r"/sessions/[0-9a-f-]+/note/$"))
    editor_url = page.url
    status = page.locator("#autosave-status")

    # Typing: saved to the server a few seconds after typing stops.
    page.get_by_label("Subjective", exact=True).press_sequentially("Both partners described a calmer week.")
    expect(status).to_contain_text("Saved at", timeout=10_000)
    note = ProgressNote.objects.get()
    assert note.content["subjective"] == "Both partners described a calmer week."

    # Reload: the draft comes back from the server.
    page.reload()
    expect(page.get_by_label("Subjective", exact=True)).to_have_value("Both partners described a calmer week.")

    # Leaving the page mid-typing: the beacon saves it.
    page.get_by_label("Objective", exact=True).fill("Calm affect; good eye contact.")
    page.get_by_role("link", name=re.compile("Back to the sessions of couple")).click()
    page.wait_for_url(re.compile(re.escape(reverse("notes:session-list", args=[couple.pk]))))
    page.wait_for_timeout(500)
    note.refresh_from_db()
    assert note.content["objective"] == "Calm affect; good eye contact."

    # A second tab on the same draft: its stale save gets the conflict view, with both texts.
    page.goto(editor_url)
    second = page.context.new_page()
    second.goto(editor_url)
    page.get_by_label("Assessment", exact=True).press_sequentially("Assessment from the first tab.")
    expect(status).to_contain_text("Saved at", timeout=10_000)
    second.get_by_label("Assessment", exact=True).press_sequentially("Assessment from the second tab.")
    conflict = second.locator("#note-conflict")
    expect(conflict).to_contain_text("saved in another window", timeout=10_000)
    expect(conflict).to_contain_text("Assessment from the first tab.")
    expect(conflict).to_contain_text("Assessment from the second tab.")
    second.close()
    note.refresh_from_db()
    assert note.content["assessment"] == "Assessment from the first tab."

    # Complete and sign.
    page.get_by_label("Plan", exact=True).fill("Speaker-listener practice twice this week.")
    for partner in ("Partner A", "Partner B"):
        group = page.get_by_role("group", name=f"Risk check: {partner}")
        for item in ("Suicidal ideation", "Harm to others", "Partner violence"):
            group.get_by_role("group", name=item).get_by_label("None").check()
    page.get_by_label("Your password or authenticator code").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign the note").click()
    page.wait_for_url(re.compile(r"/notes/[0-9a-f-]+/$"))
    expect(page.get_by_text("Matches the signed content")).to_be_visible()
    page.screenshot(path=SCREENSHOT, full_page=True)
    note.refresh_from_db()
    assert note.status == NoteStatus.FINAL
    assert note.content["plan"] == "Speaker-listener practice twice this week."
