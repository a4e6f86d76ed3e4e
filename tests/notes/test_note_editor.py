"""The progress-note editor: draft on first open, autosave and restore, conflicts (HTML and htmx), sign and
lock, addenda, search, escaping, confidentiality of individual sessions."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import CareTeamMember
from notes import note_templates
from notes.models import Addendum, NoteStatus, ProgressNote, PsychotherapyNote
from plans.models import ProgressPoint
from tests.factories import TEST_PASSWORD, UserFactory
from tests.notes.note_factories import (
    SOAP_TEXT,
    NoteFactory,
    SessionFactory,
    active_plan,
    make_addendum,
    screen_partners,
    signed_note,
)

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script><b>bold</b>'
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def session(cast):
    return SessionFactory(couple=cast.couple, therapist=cast.therapist)


@pytest.fixture
def unsupervised(cast):
    """The therapist without a supervisor: their signed notes are final at once."""
    cast.therapist.supervisor = None
    cast.therapist.save()
    return cast.therapist


def editor_data(note: ProgressNote, **overrides) -> dict:
    """What the editor form posts for `note` as saved, with `overrides`."""
    note.refresh_from_db()
    data = {"version": str(note.version), "page_template": note.template, "template": note.template}
    for key in note_templates.section_keys(note.template):
        data[key] = (note.content or {}).get(key, "")
    for partner, _ in note_templates.PARTNERS:
        entry = (note.risk or {}).get(partner) or {}
        for key, _ in note_templates.RISK_ITEMS:
            data[f"risk_{partner}_{key}"] = entry.get(key, "")
        data[f"risk_{partner}_safety_plan"] = entry.get("safety_plan", "")
    data["interventions_used"] = [item["key"] for item in note.interventions_used or []]
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def open_editor(client, session):
    response = client.get(reverse("notes:note-edit", args=[session.pk]))
    assert response.status_code == 200, response.status_code
    return ProgressNote.objects.get(session=session)


# --- first open, restore --------------------------------------------------------------------------


def test_therapist_opening_the_editor_creates_the_draft_once(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    assert note.author == cast.therapist and note.status == NoteStatus.DRAFT
    open_editor(client, session)
    assert ProgressNote.objects.count() == 1
    assert AuditEvent.objects.filter(action="note.create").count() == 1
    assert AuditEvent.objects.filter(action="note.view", object_id=str(note.pk)).count() == 2


def test_editor_page_has_the_autosave_wiring_and_no_inline_script(cast, login, session):
    page = login(cast.therapist).get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    note = ProgressNote.objects.get()
    assert f'hx-post="{reverse("notes:note-autosave", args=[note.pk])}"' in page
    assert 'hx-trigger="keyup changed delay:3s' in page
    assert 'role="status" aria-live="polite"' in page
    assert "rapport/autosave.js" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "no inline script: the CSP forbids it"
    for section in note_templates.sections_for("soap"):
        assert f'<label for="id_{section.key}">' in page
    assert "maxlength" not in re.search(r'<textarea[^>]*name="plan"[^>]*>', page).group(0)


def test_editor_for_a_cancelled_session_explains_and_creates_nothing(cast, login):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance="cancelled")
    response = login(cast.therapist).get(reverse("notes:note-edit", args=[session.pk]))
    assert response.status_code == 400
    assert "A progress note is written only for an attended session" in response.content.decode()
    assert not ProgressNote.objects.exists()


def test_autosave_then_reopening_restores_the_draft(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-autosave", args=[note.pk]),
                           editor_data(note, subjective="Typed before closing the browser."), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    note.refresh_from_db()
    saved_at = timezone.localtime(note.updated_at).strftime("%H:%M")
    assert "Saved at <time datetime=" in body and f">{saved_at}</time>" in body
    assert 'name="version" value="2" id="id_version" hx-swap-oob="true"' in body
    # A new browser session: the draft is on the server.
    client.logout()
    page = login(cast.therapist).get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert "Typed before closing the browser." in page
    assert 'name="version" value="2"' in page


def test_beacon_save_on_leaving_the_page_is_a_204(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(note, plan="Left the page."))
    assert response.status_code == 204
    note.refresh_from_db()
    assert note.content["plan"] == "Left the page." and note.version == 2


def test_autosave_without_changes_keeps_the_version(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(note), **HTMX)
    note.refresh_from_db()
    assert note.version == 1
    assert not AuditEvent.objects.filter(action="note.update").exists()


# --- conflicts ------------------------------------------------------------------------------------


def test_second_tab_stale_autosave_gets_409_with_both_texts(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    tab_two = editor_data(note)  # opened at version 1
    client.post(reverse("notes:note-autosave", args=[note.pk]),
                editor_data(note, assessment="First tab's assessment."), **HTMX)
    response = client.post(reverse("notes:note-autosave", args=[note.pk]),
                           {**tab_two, "assessment": "Second tab's assessment.", "plan": SCRIPT}, **HTMX)
    body = response.content.decode()
    assert SCRIPT not in body and "&lt;script&gt;" in body
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#note-conflict"
    # The status line is replaced too (out of band): it says nothing was saved, never "Saved".
    status_line = re.search(r'<p id="autosave-status"[^>]*>(.*?)</p>', body, re.S)
    assert 'hx-swap-oob="true"' in status_line.group(0) and "is-problem" in status_line.group(0)
    assert "Not saved: this draft was saved in another window" in status_line.group(1)
    assert "Saved at" not in body and "<textarea" not in body
    assert "First tab&#x27;s assessment." in body and "Second tab&#x27;s assessment." in body
    assert 'name="replace_version" value="2"' in body and "data-conflict" in body
    note.refresh_from_db()
    assert note.content["assessment"] == "First tab's assessment." and note.version == 2


def test_stale_beacon_is_refused_without_overwriting(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    stale = editor_data(note)
    client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(note, plan="Newer."), **HTMX)
    response = client.post(reverse("notes:note-autosave", args=[note.pk]), {**stale, "plan": "Older."})
    assert response.status_code == 409
    note.refresh_from_db()
    assert note.content["plan"] == "Newer."


def test_stale_save_without_javascript_shows_both_and_keep_mine_replaces(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    stale = editor_data(note)
    client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(note, plan="Saved elsewhere."), **HTMX)
    response = client.post(reverse("notes:note-edit", args=[session.pk]), {**stale, "plan": "Mine.", "action": "save"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Saved elsewhere." in page and "Mine." in page
    assert "Keep my version" in page and "Use the saved version" in page
    response = client.post(reverse("notes:note-edit", args=[session.pk]),
                           {**stale, "plan": "Mine.", "action": "keep_mine", "replace_version": "2"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.content["plan"] == "Mine." and note.version == 3


def test_stale_sign_is_a_conflict_not_a_signature(cast, login, session, unsupervised):
    client = login(cast.therapist)
    note = NoteFactory(session=session)
    stale = editor_data(note)
    client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(note, plan="Changed elsewhere."), **HTMX)
    response = client.post(reverse("notes:note-sign", args=[note.pk]), {**stale, "secret": TEST_PASSWORD})
    assert response.status_code == 409
    note.refresh_from_db()
    assert note.signed_at is None and note.content["plan"] == "Changed elsewhere."


# --- bad input ------------------------------------------------------------------------------------


def test_autosave_400_for_a_rating_names_its_field_for_the_page_to_mark(cast, login, session):
    """A comment without a value: the status line lists the error with the id of the field it belongs to
    (autosave.js puts it next to that field), and the draft is not changed."""
    _plan, objective, _intervention = active_plan(cast.couple, cast.therapist)
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(
        note, subjective="Kept on the page.", **{f"objective_{objective.lineage}_a_comment": "Said it helped."},
    ), **HTMX)
    assert response.status_code == 400
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#autosave-status", "outerHTML")
    body = response.content.decode()
    assert f'data-field="id_objective_{objective.lineage}_a_value"' in body
    assert "Give the observed value, or clear the comment." in body and "Saved at" not in body
    note.refresh_from_db()
    assert note.version == 1 and note.content.get("subjective", "") == ""


def test_autosave_on_a_signed_note_is_a_409_aimed_at_the_status_line(cast, login, session, unsupervised):
    client = login(cast.therapist)
    note = open_editor(client, session)
    data = editor_data(note)
    assert client.post(reverse("notes:note-sign", args=[note.pk]), sign_data(note)).status_code == 302
    response = client.post(reverse("notes:note-autosave", args=[note.pk]), {**data, "plan": "Too late."}, **HTMX)
    assert response.status_code == 409
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#autosave-status", "outerHTML")
    assert "nothing more is saved here" in response.content.decode()


def test_text_over_the_limit_is_a_400_naming_the_field_and_saves_nothing(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-autosave", args=[note.pk]),
                           editor_data(note, objective="x" * 20_001, plan="Fine."), **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert ('Not saved: <span class="autosave-problem" data-field="id_objective">'
            "Objective: Shorten it to 20,000 characters or fewer.</span>") in body
    # Aimed at the status line alone, whatever the form says: the editor and its text stay.
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#autosave-status", "outerHTML")
    assert body.lstrip().startswith('<p id="autosave-status"') and "<textarea" not in body
    response = client.post(reverse("notes:note-edit", args=[session.pk]),
                           editor_data(note, objective="x" * 20_001, action="save"))
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    note.refresh_from_db()
    assert note.version == 1 and note.content["plan"] == ""


def test_html_and_script_are_stored_as_text_and_escaped(cast, login, session, unsupervised):
    client = login(cast.therapist)
    note = open_editor(client, session)
    client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(note, subjective=SCRIPT), **HTMX)
    note.refresh_from_db()
    assert note.content["subjective"] == SCRIPT
    for url in (reverse("notes:note-edit", args=[session.pk]), reverse("notes:note-detail", args=[note.pk])):
        page = client.get(url).content.decode()
        assert SCRIPT not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


# --- sign -----------------------------------------------------------------------------------------


def sign_data(note, **overrides):
    base = {key: SOAP_TEXT[key] for key in SOAP_TEXT}
    for partner, _ in note_templates.PARTNERS:
        for key, _ in note_templates.RISK_ITEMS:
            base[f"risk_{partner}_{key}"] = "none"
    base["secret"] = TEST_PASSWORD
    base.update(overrides)
    return editor_data(note, **base)


def test_author_signs_what_is_on_screen_and_the_note_is_locked(cast, login, session, unsupervised):
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-sign", args=[note.pk]), sign_data(note, plan="Typed just before."))
    assert response.status_code == 302 and response["Location"] == reverse("notes:note-detail", args=[note.pk])
    note.refresh_from_db()
    assert note.status == NoteStatus.FINAL and note.signed_by == cast.therapist
    assert note.content["plan"] == "Typed just before."
    page = client.get(reverse("notes:note-detail", args=[note.pk])).content.decode()
    assert "Matches the signed content" in page and note.content_hash in page
    # Signed: the editor now sends the author to the read-only note; every write path refuses.
    response = client.get(reverse("notes:note-edit", args=[session.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notes:note-detail", args=[note.pk])
    response = client.post(reverse("notes:note-edit", args=[session.pk]), editor_data(note, plan="Rewritten."))
    assert response.status_code == 409 and "Rewritten." in response.content.decode()
    assert client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(note, plan="x"),
                       **HTMX).status_code == 409
    assert client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(note, plan="x")).status_code == 409
    response = client.post(reverse("notes:note-sign", args=[note.pk]), sign_data(note))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.content["plan"] == "Typed just before." and note.version == 3


def test_supervised_author_signature_awaits_cosignature(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    client.post(reverse("notes:note-sign", args=[note.pk]), sign_data(note))
    note.refresh_from_db()
    assert note.status == NoteStatus.AWAITING_COSIGN and note.requires_cosign


def test_wrong_secret_keeps_the_draft_saved_and_unsigned(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-sign", args=[note.pk]),
                           sign_data(note, secret="wrong", plan="Kept even though signing failed."))
    page = response.content.decode()
    assert response.status_code == 400
    assert "That is not your password or a current code" in page
    assert "Kept even though signing failed." in page
    note.refresh_from_db()
    assert note.signed_at is None and note.content["plan"] == "Kept even though signing failed."
    assert f'name="version" value="{note.version}"' in page
    assert AuditEvent.objects.filter(action="reauth.note_sign", outcome="failed").exists()


def test_sign_without_a_secret_asks_for_it(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-sign", args=[note.pk]), sign_data(note, secret=""))
    assert response.status_code == 400
    assert "Enter your password or the code shown in your authenticator app to sign." in response.content.decode()


def test_incomplete_note_cannot_be_signed_and_says_what_is_missing(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-sign", args=[note.pk]),
                           sign_data(note, assessment="", risk_a_harm_to_others="concern"))
    page = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 400
    assert "Assessment: Write this section before signing." in page
    assert ("Safety plan for Partner A: A concern was noted (harm to others): write the safety plan for Partner A"
            in page)
    assert ProgressNote.objects.get().signed_at is None


def test_co_therapist_cannot_sign_or_edit_someone_elses_draft(cast, login, session):
    note = NoteFactory(session=session)
    client = login(cast.co_therapist)
    assert client.post(reverse("notes:note-sign", args=[note.pk]), sign_data(note)).status_code == 403
    assert client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(note, plan="x"),
                       **HTMX).status_code == 403
    response = client.get(reverse("notes:note-edit", args=[session.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notes:note-detail", args=[note.pk])
    note.refresh_from_db()
    assert note.signed_at is None and note.content["plan"] == SOAP_TEXT["plan"]


def test_late_entry_is_marked_and_said(cast, login, unsupervised):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist,
                             starts_at=timezone.now() - datetime.timedelta(days=5))
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-sign", args=[note.pk]), sign_data(note), follow=True)
    assert "late entry" in response.content.decode()
    assert ProgressNote.objects.get().late_entry


def test_objective_values_become_progress_points_on_signing(cast, login, session, unsupervised):
    _, objective, intervention = active_plan(cast.couple, cast.therapist)
    client = login(cast.therapist)
    note = open_editor(client, session)
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert "Reduce phone checking" in page and "Graded reduction of checking" in page and "Forgiveness work" in page
    client.post(reverse("notes:note-sign", args=[note.pk]), sign_data(
        note, **{f"objective_{objective.lineage}_a_value": "4", "interventions_used": [f"plan:{intervention.pk}",
                                                                                  "cbt:forgiveness_work"]}))
    note.refresh_from_db()
    assert note.is_signed
    assert [i["label"] for i in note.interventions_used] == ["Graded reduction of checking", "Forgiveness work"]
    point = ProgressPoint.objects.get(objective_lineage=objective.lineage)
    assert point.value == Decimal("4.00") and point.source_id == note.pk


# --- buttons: template, previous note -------------------------------------------------------------


def test_draft_on_a_template_the_practice_no_longer_offers_still_saves(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    cast.practice.note_templates = "dap,birp"
    cast.practice.save()
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert "(no longer offered)" in page
    response = client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(note, plan="Still saved."),
                           **HTMX)
    assert response.status_code == 200
    note.refresh_from_db()
    assert note.template == "soap" and note.content["plan"] == "Still saved."


def test_change_template_keeps_the_text_typed(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    client.post(reverse("notes:note-edit", args=[session.pk]),
                editor_data(note, subjective="Unsaved subjective.", template="birp", action="change_template"))
    note.refresh_from_db()
    assert note.template == "birp"
    assert "Unsaved subjective." in note.content["behaviour"]


def test_start_from_previous_note_button(cast, login, session):
    earlier = SessionFactory(couple=cast.couple, therapist=cast.therapist,
                             starts_at=session.starts_at - datetime.timedelta(days=7))
    signed_note(session=earlier, content={**SOAP_TEXT, "plan": "Previous plan: speaker-listener twice."})
    client = login(cast.therapist)
    note = open_editor(client, session)
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert "Start from previous note" in page
    client.post(reverse("notes:note-edit", args=[session.pk]), editor_data(note, action="copy_previous"))
    note.refresh_from_db()
    assert note.content["plan"] == "Previous plan: speaker-listener twice."


# --- individual sessions --------------------------------------------------------------------------


def test_individual_session_note_shows_the_confidentiality_agreement_first(cast, login):
    cast.couple.confidentiality = "limited_secrets"
    cast.couple.save()
    partner = cast.couple.partners.get(position="a")
    partner.agreed_confidentiality_on = datetime.date(2024, 2, 1)
    partner.save()
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, kind="individual_a")
    client = login(cast.therapist)
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert "Individual session with Partner A: confidentiality" in page
    assert "Limited secrets" in page and "1 February 2024" in page and "<strong>not yet</strong>" in page
    assert page.index("confidentiality-title") < page.index('id="note-editor"')
    assert ProgressNote.objects.get().restricted_to_partner == "a"


# --- detail and addenda ---------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 200), ("co_therapist", 200), ("supervisor", 200), ("stranger", 404), ("outsider", 404),
    ("manager", 403), ("admin", 403),
])
def test_note_detail_by_role(cast, login, session, role, status):
    note = signed_note(session=session)
    response = login(getattr(cast, role)).get(reverse("notes:note-detail", args=[note.pk]))
    assert response.status_code == status
    if status == 200:
        assert SOAP_TEXT["assessment"] in response.content.decode()
        assert AuditEvent.objects.filter(action="note.view", object_id=str(note.pk), actor_id=getattr(cast, role).pk)
    else:
        assert SOAP_TEXT["assessment"].encode() not in response.content


def test_co_therapist_adds_an_addendum_below_the_signed_note(cast, login, session):
    note = signed_note(session=session)
    hash_before = note.content_hash
    client = login(cast.co_therapist)
    page = client.get(reverse("notes:note-detail", args=[note.pk])).content.decode()
    assert "Add an addendum" in page
    response = client.post(reverse("notes:addendum-create", args=[note.pk]),
                           {"kind": "clarification", "text": f"Clarified. {SCRIPT}", "secret": TEST_PASSWORD})
    addendum = Addendum.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("notes:note-detail", args=[note.pk]) + f"#addendum-{addendum.pk}"
    page = client.get(reverse("notes:note-detail", args=[note.pk])).content.decode()
    assert "Clarified." in page and SCRIPT not in page and "&lt;script&gt;" in page
    assert page.index(SOAP_TEXT["plan"]) < page.index("Clarified.")
    note.refresh_from_db()
    assert note.content_hash == hash_before


def test_addendum_with_a_wrong_secret_or_no_text_is_a_400(cast, login, session):
    note = signed_note(session=session)
    client = login(cast.therapist)
    response = client.post(reverse("notes:addendum-create", args=[note.pk]),
                           {"kind": "correction", "text": "Fix.", "secret": "wrong"})
    assert response.status_code == 400 and "The addendum was not added." in response.content.decode()
    response = client.post(reverse("notes:addendum-create", args=[note.pk]),
                           {"kind": "correction", "text": "", "secret": TEST_PASSWORD})
    assert response.status_code == 400 and "Write the addendum." in response.content.decode()
    assert not Addendum.objects.exists()


def test_addendum_on_a_draft_sends_the_author_to_the_editor(cast, login, session):
    note = NoteFactory(session=session)
    response = login(cast.therapist).post(reverse("notes:addendum-create", args=[note.pk]),
                                          {"kind": "correction", "text": "x", "secret": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("notes:note-edit", args=[session.pk])
    assert not Addendum.objects.exists()


def test_supervisor_cannot_add_an_addendum(cast, login, session):
    note = signed_note(session=session)
    response = login(cast.supervisor).post(reverse("notes:addendum-create", args=[note.pk]),
                                           {"kind": "correction", "text": "x", "secret": TEST_PASSWORD})
    assert response.status_code == 404


# --- search ---------------------------------------------------------------------------------------


def test_search_finds_notes_in_memory_and_keeps_the_term_out_of_urls_and_audit(cast, login, session):
    note = signed_note(session=session, content={**SOAP_TEXT, "assessment": "Discussed the Lisbon trip."})
    other = SessionFactory(couple=cast.couple, therapist=cast.therapist,
                           starts_at=session.starts_at - datetime.timedelta(days=7))
    NoteFactory(session=other)
    PsychotherapyNote.objects.create(couple=cast.couple, author=cast.therapist, text="Private: lisbon memories.")
    response = login(cast.co_therapist).post(reverse("notes:note-search", args=[cast.couple.pk]),
                                             {"term": "LISBON"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 note found." in page and reverse("notes:note-detail", args=[note.pk]) in page
    assert "found in: Assessment" in page
    event = AuditEvent.objects.get(action="note.search")
    assert event.detail == {"matches": 1} and "lisbon" not in str(event.detail).lower()
    assert "lisbon" not in response.wsgi_request.get_full_path().lower()


def test_search_finds_addenda_too(cast, login, session):
    note = signed_note(session=session)
    make_addendum(note, text="Late information: the anniversary date.")
    page = login(cast.therapist).post(reverse("notes:note-search", args=[cast.couple.pk]),
                                      {"term": "anniversary"}).content.decode()
    assert "Addendum (clarification)" in page


def test_empty_search_is_a_400_with_what_to_do(cast, login):
    response = login(cast.therapist).post(reverse("notes:note-search", args=[cast.couple.pk]), {"term": ""})
    assert response.status_code == 400
    assert "Type a word or phrase to search for." in response.content.decode()


def test_stranger_cannot_search_a_couples_notes(cast, login):
    response = login(cast.stranger).post(reverse("notes:note-search", args=[cast.couple.pk]), {"term": "trip"})
    assert response.status_code == 404


# --- the full path of the demo --------------------------------------------------------------------


def test_lifecycle_record_write_sign_add(cast, login):
    lone = UserFactory(practice=cast.practice, username="lena.lone")
    CareTeamMember.objects.create(couple=cast.couple, user=lone, role="co_therapist",
                                  start_date=datetime.date(2020, 1, 1))
    screen_partners(cast.couple)
    client = login(lone)
    start = timezone.localtime() - datetime.timedelta(hours=1)
    response = client.post(reverse("notes:session-create", args=[cast.couple.pk]), {
        "date": start.date().isoformat(), "time": start.strftime("%H:%M"), "duration_minutes": "50",
        "modality": "video", "kind": "joint", "attendance": "attended",
    })
    editor_url = response["Location"]
    client.get(editor_url)
    note = ProgressNote.objects.get()
    client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(note, subjective="Typed."), **HTMX)
    client.post(reverse("notes:note-sign", args=[note.pk]), sign_data(note))
    note.refresh_from_db()
    assert note.status == NoteStatus.FINAL and not note.late_entry
    client.post(reverse("notes:addendum-create", args=[note.pk]),
                {"kind": "late_information", "text": "Called after.", "secret": TEST_PASSWORD})
    assert note.addenda.count() == 1
    assert AuditEvent.objects.filter(action__in=["note.create", "note.update", "note.sign", "addendum.create"],
                                     actor_id=lone.pk).count() >= 4
