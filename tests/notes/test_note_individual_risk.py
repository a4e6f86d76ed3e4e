"""Issue 11 item 7: the note of an individual session asks the risk check of the attending partner only
(notes.note_templates.risk_partners), in the editor, the services and the API; a joint session's asks both."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notes import note_templates
from notes.models import NoteStatus, ProgressNote
from notes.services import notes as services
from tests.factories import TEST_PASSWORD
from tests.notes.note_factories import SOAP_TEXT, SessionFactory

pytestmark = pytest.mark.django_db

NONE_A = {"a": {key: "none" for key, _ in note_templates.RISK_ITEMS}}


@pytest.fixture
def unsupervised(cast):
    cast.therapist.supervisor = None
    cast.therapist.save()
    return cast.therapist


@pytest.fixture
def individual_a(cast):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, kind="individual_a", service_code="90834")
    note, _ = services.note_start(session=session, by=cast.therapist)
    return note


def test_risk_partners_follow_the_kind_of_session():
    assert [p for p, _ in note_templates.risk_partners("")] == ["a", "b"]
    assert [p for p, _ in note_templates.risk_partners("a")] == ["a"]
    assert [p for p, _ in note_templates.risk_partners("b")] == ["b"]


def test_an_individual_note_signs_with_the_attending_partners_risk_check_only(cast, individual_a, unsupervised):
    with pytest.raises(ValidationError) as error:
        services.note_sign(note=individual_a, by=cast.therapist, secret=TEST_PASSWORD)
    problems = error.value.message_dict
    assert "risk_a_suicidal_ideation" in problems and not any(name.startswith("risk_b_") for name in problems)
    saved = services.note_save_draft(note=individual_a, by=cast.therapist, base_version=individual_a.version,
                                     content=dict(SOAP_TEXT), risk=NONE_A)
    assert set(saved.risk) == {"a"}
    signed = services.note_sign(note=saved, by=cast.therapist, secret=TEST_PASSWORD)
    assert signed.status == NoteStatus.FINAL


def test_a_saved_answer_for_the_absent_partner_is_left_out(cast, individual_a):
    both = {**NONE_A, "b": {"suicidal_ideation": "concern", "safety_plan": "Call the crisis line."}}
    saved = services.note_save_draft(note=individual_a, by=cast.therapist, base_version=individual_a.version,
                                     risk=both)
    assert set(ProgressNote.objects.get(pk=saved.pk).risk) == {"a"}


def test_a_joint_note_still_asks_both_partners(cast):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    note, _ = services.note_start(session=session, by=cast.therapist)
    note = services.note_save_draft(note=note, by=cast.therapist, base_version=note.version,
                                    content=dict(SOAP_TEXT), risk=NONE_A)
    with pytest.raises(ValidationError) as error:
        services.note_sign(note=note, by=cast.therapist, secret=TEST_PASSWORD)
    assert set(error.value.message_dict) == {f"risk_b_{key}" for key, _ in note_templates.RISK_ITEMS}


def test_the_editor_of_an_individual_note_asks_the_attending_partner_only(cast, login, unsupervised):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, kind="individual_b", service_code="90834")
    client = login(cast.therapist)
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert 'name="risk_b_suicidal_ideation"' in page and 'name="risk_a_suicidal_ideation"' not in page
    assert "Safety plan for Partner B" in page and "Safety plan for Partner A" not in page
    assert "risk check answered for the partner seen" in page
    note = ProgressNote.objects.get(session=session)
    data = {"version": str(note.version), "page_template": "soap", "template": "soap", **SOAP_TEXT,
            **{f"risk_b_{key}": "none" for key, _ in note_templates.RISK_ITEMS}, "secret": TEST_PASSWORD}
    response = client.post(reverse("notes:note-sign", args=[note.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    note.refresh_from_db()
    assert note.status == NoteStatus.FINAL and set(note.risk) == {"b"}
    page = client.get(reverse("notes:note-detail", args=[note.pk])).content.decode()
    assert "Partner B" in page


def test_the_api_refuses_a_risk_check_for_the_absent_partner(cast, login, individual_a):
    client = login(cast.therapist)
    url = reverse("note-detail", args=[individual_a.pk])
    response = client.patch(url, {"version": individual_a.version, "risk": {"b": {"suicidal_ideation": "none"}}},
                            content_type="application/json")
    assert response.status_code == 400
    assert "partner who attended only" in response.json()["error"]["fields"]["risk"][0]
    response = client.patch(url, {"version": individual_a.version, "risk": NONE_A}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert set(response.json()["risk"]) == {"a"}
