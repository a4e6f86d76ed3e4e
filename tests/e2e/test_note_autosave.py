"""Autosave never loses a word, with `make run`'s settings (DEBUG on, so django-htmx's debug script is on the
page: it puts any 400/403/404/500 answer to an htmx request in place of the whole page) and in production.

In Chromium, in the demo practice: a rating comment without its value makes the autosave a 400, and the editor
stays with every typed character, the error by its field and in the status line; once fixed, the next save
says "Saved at". Then the same note in two tabs: a save in the second, typing in the first (now behind) gives
the conflict panel with both texts, the status line says nothing was saved (never "Saved" while the panel is
open), and "Keep my version" resolves it.

Screenshots: /tmp/e2e-autosave-400-*.png, /tmp/e2e-autosave-conflict-*.png (1024 px and 768 px wide).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from demo.plans import demo_cases
from notes.models import ProgressNote
from tests.e2e.conftest import browser, page  # noqa: F401  (the browser fixtures of tests/e2e)
from tests.e2e.test_plan_and_measures import demo, screenshots, sign_in_to_the_demo  # noqa: F401
from tests.notes.note_factories import SessionFactory

TYPED = "Both described the week in detail; Ben noticed he interrupted twice and stopped himself — ünïcödé kept."
COMMITMENTS = re.compile("keep agreed commitments", re.I)


def _autosave(response) -> bool:
    return "/autosave/" in response.url and response.request.method == "POST"


def _soap_editor(tab, session) -> None:
    tab.goto(reverse("notes:note-edit", args=[session.pk]))
    template = tab.get_by_label(re.compile(r"^Template"))
    if template.input_value() != "soap":
        template.select_option("soap")
        tab.get_by_role("button", name="Use this template").click()
        tab.wait_for_load_state()


@pytest.mark.e2e
@pytest.mark.parametrize("debug", [True, False], ids=["debug-as-make-run", "production"])
def test_autosave_keeps_the_editor_on_a_400_and_never_says_saved_during_a_conflict(
        page, demo, settings, debug):  # noqa: F811
    from playwright.sync_api import expect

    settings.DEBUG = debug  # True as `make run` (RAPPORT_DEBUG=1): the page carries django-htmx's debug script
    case = next(case for case in demo_cases(demo.therapist.practice) if case.key == "Hiroshi Tanaka")
    session = SessionFactory(couple=case.couple, therapist=demo.therapist)
    sign_in_to_the_demo(page, demo.therapist, demo.device)
    _soap_editor(page, session)
    assert page.locator('script[src*="django-htmx.js"][data-debug="True"]').count() == (1 if debug else 0)
    status = page.locator("#autosave-status")
    editor = page.locator("#note-editor")
    subjective = page.get_by_label("Subjective", exact=True)
    objectives = page.get_by_role("group", name="Objectives addressed")
    value = objectives.get_by_label(COMMITMENTS).and_(page.locator("input[type=number]"))
    comment = objectives.locator(".objective-rating").filter(has_text=COMMITMENTS).get_by_label(
        re.compile("Comment"))

    # A 400: a comment without its value. The editor stays, with every character; the error shows twice.
    subjective.press_sequentially(TYPED, delay=2)
    with page.expect_response(lambda r: _autosave(r) and r.status == 400, timeout=10_000):
        comment.fill("Kept two of three agreements.")
        comment.blur()
    expect(status).to_contain_text("Not saved")
    expect(status).to_contain_text("Give the observed value, or clear the comment.")
    expect(status).not_to_contain_text("Saved at")
    expect(editor).to_be_visible()
    expect(subjective).to_have_value(TYPED)
    expect(comment).to_have_value("Kept two of three agreements.")
    value_box = value.locator("xpath=..")  # its .field
    expect(value_box.locator(".autosave-field-error")).to_contain_text("Give the observed value")
    expect(value_box).to_have_class(re.compile("field-error"))
    expect(value).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("heading", name=re.compile("Progress note"))).to_be_visible()  # not an error page
    screenshots(page, "autosave-400")
    # Typing goes on; the fixed value makes the next save succeed, and the field's error goes.
    with page.expect_response(lambda r: _autosave(r) and r.status == 200, timeout=10_000):
        value.fill("2")
        value.blur()
    expect(status).to_contain_text("Saved at")
    expect(value_box.locator(".autosave-field-error")).to_have_count(0)
    expect(value).not_to_have_attribute("aria-invalid", "true")
    note = ProgressNote.objects.get(session=session)
    assert note.content["subjective"] == TYPED

    # Two tabs on the same draft: the second saves, then the first, still on the older version, types.
    second = page.context.new_page()
    second.goto(reverse("notes:note-edit", args=[session.pk]))
    with second.expect_response(lambda r: _autosave(r) and r.status == 200, timeout=10_000):
        second.get_by_label("Plan", exact=True).fill("Saved from the second tab.")
        second.get_by_label("Plan", exact=True).blur()
    expect(second.locator("#autosave-status")).to_contain_text("Saved at")
    second.close()
    expect(status).to_contain_text("Saved at")  # what the bug left under the conflict panel
    plan = page.get_by_label("Plan", exact=True)
    with page.expect_response(lambda r: _autosave(r) and r.status == 409, timeout=10_000):
        plan.fill("First tab's plan, typed on an older version.")
        plan.blur()
    panel = page.locator("[data-conflict]")
    expect(panel).to_contain_text("This draft was saved in another window")
    expect(panel.locator(".conflict-saved")).to_contain_text(["Saved from the second tab."])
    expect(panel.locator(".conflict-yours")).to_contain_text(["First tab's plan"])
    expect(status).to_contain_text("Not saved")
    expect(status).not_to_contain_text("Saved at")
    expect(status).to_have_class(re.compile("is-problem"))
    # Typing on while the panel is open saves nothing, and the status still does not say "Saved".
    plan.press_sequentially(" More.", delay=5)
    page.wait_for_timeout(4_000)
    expect(status).not_to_contain_text("Saved at")
    expect(plan).to_have_value("First tab's plan, typed on an older version. More.")
    expect(subjective).to_have_value(TYPED)
    screenshots(page, "autosave-conflict")
    note.refresh_from_db()
    assert note.content["plan"] == "Saved from the second tab."

    # Resolved: keep this tab's version. Then the next save says "Saved at" again.
    page.get_by_role("button", name=re.compile("Keep my version")).click()
    page.wait_for_load_state()
    expect(page.locator("[data-conflict]")).to_have_count(0)
    expect(plan).to_have_value("First tab's plan, typed on an older version. More.")
    with page.expect_response(lambda r: _autosave(r) and r.status == 200, timeout=10_000):
        page.get_by_label("Assessment", exact=True).fill("After the conflict.")
        page.get_by_label("Assessment", exact=True).blur()
    expect(status).to_contain_text("Saved at")
    note.refresh_from_db()
    assert note.content["plan"] == "First tab's plan, typed on an older version. More."
    assert note.content["assessment"] == "After the conflict."
    assert note.content["subjective"] == TYPED
