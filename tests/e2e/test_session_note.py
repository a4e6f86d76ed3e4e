"""In the demo practice, in a browser: the demo therapist records a joint session, types the note, sees it
autosave ("Saved at"), reloads and finds every word, rates an objective of the couple's plan, and signs with
re-authentication. Timed: the issue's target for a person is under two minutes.

Screenshots: /tmp/e2e-note-editor-*.png, /tmp/e2e-note-signed-*.png (1024 px and 768 px wide).
"""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse

from demo import practice as demo_practice
from demo.plans import demo_cases
from notes.models import NoteStatus, ProgressNote, SessionKind
from plans.models import ProgressPoint
from tests.e2e.conftest import browser, page  # noqa: F401  (the browser fixtures of tests/e2e)
from tests.e2e.test_plan_and_measures import demo, screenshots, sign_in_to_the_demo  # noqa: F401

NOTE_BUDGET_SECONDS = 45  # the machine's share of "a session and its note in under two minutes"
SUBJECTIVE = "Both said the Sunday planning talk worked for the first time: each summarised the other before deciding."


@pytest.mark.e2e
def test_therapist_records_a_joint_session_and_signs_its_note(page, demo):  # noqa: F811
    from playwright.sync_api import expect

    case = next(case for case in demo_cases(demo.therapist.practice) if case.key == "Hiroshi Tanaka")
    couple = case.couple
    sign_in_to_the_demo(page, demo.therapist, demo.device)
    page.goto(reverse("notes:therapist-home"))
    expect(page.get_by_role("heading", name=re.compile("My sessions today"))).to_be_visible()
    screenshots(page, "home")

    started = time.monotonic()
    page.goto(reverse("clinic:couple-list"))
    page.get_by_role("link", name=re.compile(re.escape(couple.reference))).first.click()
    page.get_by_role("navigation", name=re.compile("Sections of the record")).get_by_role(
        "link", name="Sessions & notes").click()
    page.get_by_role("link", name="Record a session").first.click()
    expect(page.get_by_label(re.compile("^Kind of session"))).to_have_value(SessionKind.JOINT)
    page.get_by_role("button", name="Record the session").click()
    page.wait_for_url(re.compile(r"/sessions/[0-9a-f-]+/note/$"))

    template = page.get_by_label(re.compile(r"^Template"))
    if template.input_value() != "soap":
        template.select_option("soap")
        page.get_by_role("button", name="Use this template").click()
    status = page.locator("#autosave-status")

    # Typing, then a pause: the draft is saved to the server and the editor says when.
    page.get_by_label("Subjective", exact=True).press_sequentially(SUBJECTIVE, delay=5)
    expect(status).to_contain_text("Saved at", timeout=10_000)
    # The status says "Saved at hh:mm", which may not change within a minute: wait for the save itself.
    with page.expect_response(lambda r: "/autosave/" in r.url and r.request.method == "POST", timeout=10_000):
        page.get_by_label("Objective", exact=True).fill("Relaxed, warm with each other; CSI-4 given, both 13.")
    expect(status).to_contain_text("Saved at")
    screenshots(page, "note-editor")

    # A reload brings every word back from the server.
    page.reload()
    expect(page.get_by_label("Subjective", exact=True)).to_have_value(SUBJECTIVE)
    expect(page.get_by_label("Objective", exact=True)).to_have_value(re.compile("CSI-4 given"))

    page.get_by_label("Assessment", exact=True).fill("First week the planning routine held; keep it going.")
    page.get_by_label("Plan", exact=True).fill("Repeat the Sunday talk; next session in one week.")
    for partner in ("Partner A", "Partner B"):
        group = page.get_by_role("group", name=f"Risk check: {partner}")
        for item in ("Suicidal ideation", "Harm to others", "Partner violence"):
            group.get_by_role("group", name=item).get_by_label("None").check()
    page.get_by_role("group", name="Interventions used").get_by_label(
        re.compile("Communication skills: listening without interrupting")).check()
    page.get_by_role("group", name="Objectives addressed").get_by_label(
        re.compile("keep agreed commitments.*observed value", re.I)).first.fill("4")
    page.get_by_label("Your password or authenticator code").fill(demo_practice.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign the note").click()
    page.wait_for_url(re.compile(r"/notes/[0-9a-f-]+/$"))
    expect(page.get_by_text("Matches the signed content")).to_be_visible()
    seconds = time.monotonic() - started
    screenshots(page, "note-signed")
    print(f"\nJoint session recorded and its note written, autosaved, reloaded and signed in {seconds:.1f} s "
          "(target for a person: under 120 s).")

    note = ProgressNote.objects.select_related("session").get(session__couple=couple, signed_at__gte=demo.seeded_at)
    assert (note.status, note.author, note.session.kind) == (NoteStatus.FINAL, demo.therapist, SessionKind.JOINT)
    assert note.content["subjective"] == SUBJECTIVE
    assert note.session.service_code == "90847"
    assert ProgressPoint.objects.filter(source="session", source_id=note.pk, value=4).exists()
    assert seconds < NOTE_BUDGET_SECONDS, seconds
