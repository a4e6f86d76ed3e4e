"""A signed note in few clicks (issue 14, item 4): from Today one click opens the note (a scheduled session that
has started is recorded attended), the plan's interventions and objectives are ready, "No risk concerns" answers
the risk check of the partners the session was about, and signing checks everything, password included, in one
round with each error once by its field and linked from the summary."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from notes import note_templates
from notes.models import NoteStatus, ProgressNote
from tests.factories import TEST_PASSWORD
from tests.notes.note_factories import SOAP_TEXT, SessionFactory, active_plan
from tests.notes.test_note_editor import editor_data, open_editor

pytestmark = pytest.mark.django_db

RISK_KEYS = [key for key, _ in note_templates.RISK_ITEMS]


@pytest.fixture
def unsupervised(cast):
    cast.therapist.supervisor = None
    cast.therapist.save()
    return cast.therapist


def _started_session(cast, **fields):
    fields.setdefault("starts_at", timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=55))
    return SessionFactory(couple=cast.couple, therapist=cast.therapist, **fields)


def _summary_links(page: str) -> list[tuple[str, str]]:
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


# --- one click from Today, attendance preset from the schedule ----------------------------------------------


def test_today_links_a_started_scheduled_session_straight_to_its_note(cast, login):
    session = _started_session(cast, attendance="scheduled")
    page = login(cast.therapist).get(reverse("notes:therapist-home")).content.decode()
    assert f'href="{reverse("notes:note-edit", args=[session.pk])}">Write the note' in page


def test_opening_the_note_of_a_started_scheduled_session_presets_attended(cast, login):
    session = _started_session(cast, attendance="scheduled")
    client = login(cast.therapist)
    response = client.get(reverse("notes:note-edit", args=[session.pk]))
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.attendance == "attended"
    page = response.content.decode()
    assert "it is now recorded as attended" in page
    assert "Did this session not take place?" in page


def test_the_clinician_can_undo_the_preset_while_the_draft_is_empty(cast, login):
    session = _started_session(cast, attendance="scheduled")
    client = login(cast.therapist)
    open_editor(client, session)
    response = client.post(reverse("notes:note-edit", args=[session.pk]),
                           {"action": "not_attended", "attendance": "late_cancelled"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.attendance == "late_cancelled"
    assert not ProgressNote.objects.filter(session=session).exists()


def test_a_bad_not_attended_choice_is_a_400_with_the_editor_kept(cast, login):
    session = _started_session(cast, attendance="scheduled")
    client = login(cast.therapist)
    open_editor(client, session)
    response = client.post(reverse("notes:note-edit", args=[session.pk]),
                           {"action": "not_attended", "attendance": "attended"})
    assert response.status_code == 400
    assert "Choose cancelled, late-cancelled or no-show." in response.content.decode()
    assert ProgressNote.objects.filter(session=session).exists()


def test_a_future_scheduled_session_still_has_no_note(cast, login):
    session = _started_session(cast, attendance="scheduled", starts_at=timezone.now() + datetime.timedelta(hours=3))
    response = login(cast.therapist).get(reverse("notes:note-edit", args=[session.pk]))
    assert response.status_code == 400
    session.refresh_from_db()
    assert session.attendance == "scheduled" and not ProgressNote.objects.exists()


# --- the plan's interventions and objectives ready -----------------------------------------------------------


def test_the_new_draft_has_the_plans_interventions_ticked_and_its_objectives_listed(cast, login):
    _plan, objective, intervention = active_plan(cast.couple, cast.therapist)
    session = _started_session(cast)
    client = login(cast.therapist)
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    box = re.search(rf'<input[^>]*value="plan:{intervention.pk}"[^>]*>', page).group(0)
    assert "checked" in box
    assert "Reduce phone checking" in page and f'id="id_objective_{objective.lineage}_a_value"' in page
    cbt_box = re.search(r'<input[^>]*value="cbt:boundaries"[^>]*>', page).group(0)
    assert "checked" not in cbt_box


# --- "No risk concerns" ----------------------------------------------------------------------------------------


def test_no_risk_concerns_answers_both_partners_after_a_joint_session(cast, login):
    session = _started_session(cast)
    client = login(cast.therapist)
    note = open_editor(client, session)
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert "for both partners" in page and "data-no-risk" in page
    response = client.post(reverse("notes:note-edit", args=[session.pk]),
                           editor_data(note, subjective="Typed before the click.", action="no_risk"))
    assert response.status_code == 302
    note.refresh_from_db()
    assert {p: {k: note.risk[p][k] for k in RISK_KEYS} for p in "ab"} == {
        p: dict.fromkeys(RISK_KEYS, "none") for p in "ab"}
    assert note.content["subjective"] == "Typed before the click."


def test_no_risk_concerns_answers_only_the_attending_partner_after_an_individual_session(cast, login):
    session = _started_session(cast, kind="individual_b", service_code="90834")
    client = login(cast.therapist)
    note = open_editor(client, session)
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert "for Partner B" in page and 'name="risk_a_suicidal_ideation"' not in page
    client.post(reverse("notes:note-edit", args=[session.pk]), editor_data(note, action="no_risk"))
    note.refresh_from_db()
    assert set(note.risk) == {"b"}
    assert {k: note.risk["b"][k] for k in RISK_KEYS} == dict.fromkeys(RISK_KEYS, "none")


def test_no_risk_concerns_keeps_a_concern_already_marked(cast, login):
    session = _started_session(cast)
    client = login(cast.therapist)
    note = open_editor(client, session)
    client.post(reverse("notes:note-edit", args=[session.pk]),
                editor_data(note, action="no_risk", risk_a_partner_violence="concern"))
    note.refresh_from_db()
    assert note.risk["a"]["partner_violence"] == "concern"
    assert note.risk["a"]["suicidal_ideation"] == "none" and note.risk["b"]["partner_violence"] == "none"


# --- signing in one round ------------------------------------------------------------------------------------


def test_wrong_password_and_missing_sections_come_back_together_with_the_text_kept(cast, login):
    session = _started_session(cast)
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-sign", args=[note.pk]), editor_data(
        note, subjective="My words stay.", secret="not my password", action="sign"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "My words stay." in page
    links = dict(_summary_links(page))
    # The password, three empty sections and the six risk answers: one summary, one link each.
    assert "That is not your password" in links["id_secret"]
    labels = {section.key: section.label for section in note_templates.sections_for("soap")}
    for key in ("objective", "assessment", "plan"):
        assert links[f"id_{key}"] == f"{labels[key]}: Write this section before signing."
    assert "id_subjective" not in links
    for partner in "ab":
        for key in RISK_KEYS:
            assert f"id_risk_{partner}_{key}_0" in links
    assert len(links) == 1 + 3 + 6
    assert "Partner A, suicidal ideation: Answer none or concern" in links["id_risk_a_suicidal_ideation_0"]
    # Each error once by its field, and no label said twice.
    assert page.count("Write this section before signing.") == 2 * 3  # summary + field
    assert page.count("That is not your password") == 2
    assert not re.search(r"(\b[\w ,]+): \1:", page)
    note.refresh_from_db()
    assert note.signed_at is None and note.content["subjective"] == "My words stay."


def test_a_field_that_cannot_be_saved_comes_back_with_everything_else(cast, login):
    _plan, objective, _ = active_plan(cast.couple, cast.therapist)
    session = _started_session(cast)
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-sign", args=[note.pk]), editor_data(
        note, subjective="Still here.", secret="", action="sign",
        **{f"objective_{objective.lineage}_a_value": "lots"}))
    assert response.status_code == 400
    links = dict(_summary_links(response.content.decode()))
    assert {f"id_objective_{objective.lineage}_a_value", "id_secret", "id_plan", "id_risk_b_harm_to_others_0"} <= set(
        links)
    assert "Still here." in response.content.decode()
    assert "Your password or code was right" not in response.content.decode()


def test_a_field_that_cannot_be_saved_checks_the_password_in_the_same_round(cast, login):
    _plan, objective, _ = active_plan(cast.couple, cast.therapist)
    session = _started_session(cast)
    client = login(cast.therapist)
    note = open_editor(client, session)
    wrong = client.post(reverse("notes:note-sign", args=[note.pk]), editor_data(
        note, secret="not my password", action="sign", **{f"objective_{objective.lineage}_a_value": "lots"}))
    assert "That is not your password" in dict(_summary_links(wrong.content.decode()))["id_secret"]
    right = client.post(reverse("notes:note-sign", args=[note.pk]), editor_data(
        note, secret=TEST_PASSWORD, action="sign", **{f"objective_{objective.lineage}_a_value": "lots"}))
    page = right.content.decode()
    assert right.status_code == 400 and "id_secret" not in dict(_summary_links(page))
    assert "Your password or code was right" in page


def test_the_right_password_with_a_missing_section_says_to_enter_it_again(cast, login):
    session = _started_session(cast)
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-sign", args=[note.pk]), editor_data(
        note, **{**SOAP_TEXT, "plan": ""}, **{f"risk_{p}_{k}": "none" for p in "ab" for k in RISK_KEYS},
        secret=TEST_PASSWORD, action="sign"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Your password or code was right" in page
    assert [anchor for anchor, _ in _summary_links(page)] == ["id_plan"]
    note.refresh_from_db()
    assert note.signed_at is None and note.risk["b"]["harm_to_others"] == "none"


def test_a_complete_note_signs_in_one_post(cast, login, unsupervised):
    session = _started_session(cast)
    client = login(cast.therapist)
    note = open_editor(client, session)
    risk = {f"risk_{p}_{k}": "none" for p in "ab" for k in RISK_KEYS}
    response = client.post(reverse("notes:note-sign", args=[note.pk]),
                           editor_data(note, **SOAP_TEXT, **risk, secret=TEST_PASSWORD, action="sign"))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == NoteStatus.FINAL and note.content_hash


def test_the_editor_starts_in_the_first_section(cast, login):
    session = _started_session(cast)
    page = login(cast.therapist).get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert re.search(r'<textarea[^>]*name="subjective"[^>]*autofocus', page)
    assert '<a class="skip-link" href="#id_subjective">Skip to the note</a>' in page
    # The form's first control is the first section.
    form = page.split('id="note-editor"', 1)[1]
    first = re.search(r'<textarea[^>]*>|<select[^>]*>|<button[^>]*>|<a [^>]*>|<input(?![^>]*type="hidden")[^>]*>', form)
    assert 'name="subjective"' in first.group(0)


# --- the API: one round too --------------------------------------------------------------------------------


def test_api_sign_reports_every_problem_in_one_400(cast, login):
    session = _started_session(cast)
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("note-sign", args=[note.pk]), {"version": note.version},
                           content_type="application/json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"secret", "subjective", "objective", "assessment", "plan", "risk_a_suicidal_ideation",
            "risk_b_partner_violence"} <= set(fields)
    response = client.post(reverse("note-sign", args=[note.pk]), {"version": note.version, "secret": "wrong"},
                           content_type="application/json")
    assert response.status_code == 400
    assert "secret" in response.json()["error"]["fields"] and "plan" in response.json()["error"]["fields"]
