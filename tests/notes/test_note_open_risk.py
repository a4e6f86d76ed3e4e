"""The note editor and the risk register (QA defect): a couple with an open suicide risk for Partner A. The
editor's risk check lists each partner's unresolved risks, "No risk concerns" does not answer "None" where the
partner has an open risk of that kind (and says why), and signing "None" there needs an explicit confirmation."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import Risk, RiskKind, RiskSource, RiskStatus
from notes import note_templates
from notes.models import NoteStatus
from tests.factories import TEST_PASSWORD
from tests.notes.note_factories import SOAP_TEXT, SessionFactory
from tests.notes.test_note_editor import editor_data, open_editor

pytestmark = pytest.mark.django_db

RISK_KEYS = [key for key, _ in note_templates.RISK_ITEMS]
ALL_NONE = {f"risk_{p}_{k}": "none" for p in "ab" for k in RISK_KEYS}


@pytest.fixture
def unsupervised(cast):
    cast.therapist.supervisor = None
    cast.therapist.save()
    return cast.therapist


@pytest.fixture
def suicide_risk(cast):
    return Risk.objects.create(couple=cast.couple, kind=RiskKind.SUICIDE, source=RiskSource.MEASURE, partner="a",
                               raised_at=timezone.now() - datetime.timedelta(days=2))


@pytest.fixture
def session(cast):
    return SessionFactory(couple=cast.couple, therapist=cast.therapist,
                          starts_at=timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1))


def _summary_links(page: str) -> dict[str, str]:
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    return dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary))


def test_the_risk_check_lists_each_partners_open_risks_with_a_link_to_the_register(cast, login, suicide_risk, session):
    Risk.objects.create(couple=cast.couple, kind=RiskKind.IPV, source=RiskSource.IPV_SCREEN, partner="b",
                        status=RiskStatus.CLOSED)
    client = login(cast.therapist)
    open_editor(client, session)
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    a_group = page.split("<legend>Risk check: Partner A</legend>", 1)[1].split("<legend>Risk check: Partner B", 1)[0]
    b_group = page.split("<legend>Risk check: Partner B</legend>", 1)[1].split("</fieldset>\n      <fieldset", 1)[0]
    raised = timezone.localtime(suicide_risk.raised_at)
    assert f"Suicide or self-harm, raised {raised:%-d %b %Y}, open" in a_group
    assert reverse("clinic:risk-register", args=[cast.couple.pk]) in a_group
    assert "Open in the risk register" not in b_group  # Partner B's only risk is closed
    assert f"Partner A has an open suicide or self-harm risk raised {raised:%-d %b}: answer this yourself" in a_group
    assert 'data-open-risk aria-describedby="id_risk_a_suicidal_ideation_open_risk"' in page
    assert page.count("data-open-risk ") == 1


def test_no_risk_concerns_leaves_the_question_with_an_open_risk_unanswered(cast, login, suicide_risk, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-edit", args=[session.pk]), editor_data(note, action="no_risk"),
                           follow=True)
    note.refresh_from_db()
    assert note.risk["a"]["suicidal_ideation"] == ""
    assert note.risk["a"]["harm_to_others"] == "none" and note.risk["a"]["partner_violence"] == "none"
    assert {k: note.risk["b"][k] for k in RISK_KEYS} == dict.fromkeys(RISK_KEYS, "none")
    assert "except 1 question with an open risk in the register" in response.content.decode()


def test_a_couple_wide_open_risk_concerns_both_partners_and_an_acknowledged_one_is_listed_only(cast, login,
                                                                                              session):
    Risk.objects.create(couple=cast.couple, kind=RiskKind.IPV, source=RiskSource.IPV_SCREEN, partner="")
    Risk.objects.create(couple=cast.couple, kind=RiskKind.HARM_TO_OTHERS, source=RiskSource.NOTE, partner="b",
                        status=RiskStatus.ACKNOWLEDGED)
    Risk.objects.create(couple=cast.couple, kind=RiskKind.SUICIDE, source=RiskSource.NOTE, partner="b",
                        status=RiskStatus.CLOSED)
    client = login(cast.therapist)
    note = open_editor(client, session)
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    b_group = page.split("<legend>Risk check: Partner B</legend>", 1)[1]
    assert "Harm to others, raised" in b_group and ", acknowledged</li>" in b_group
    assert "Intimate partner violence (the couple), raised" in b_group
    client.post(reverse("notes:note-edit", args=[session.pk]), editor_data(note, action="no_risk"))
    note.refresh_from_db()
    # The couple's open IPV risk concerns both partners; the acknowledged risk has its follow-up, and the
    # closed one no longer stops the shortcut.
    assert note.risk["a"]["partner_violence"] == "" and note.risk["b"]["partner_violence"] == ""
    assert note.risk["b"]["harm_to_others"] == "none" and note.risk["b"]["suicidal_ideation"] == "none"


def test_the_shortcut_without_open_risks_still_answers_everything(cast, login, session):
    client = login(cast.therapist)
    note = open_editor(client, session)
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert "data-open-risk" not in page and "confirm_open_risk" not in page
    client.post(reverse("notes:note-edit", args=[session.pk]), editor_data(note, action="no_risk"))
    note.refresh_from_db()
    assert all(note.risk[p][k] == "none" for p in "ab" for k in RISK_KEYS)


def test_signing_none_over_an_open_risk_needs_the_confirmation(cast, login, suicide_risk, session, unsupervised):
    client = login(cast.therapist)
    note = open_editor(client, session)
    response = client.post(reverse("notes:note-sign", args=[note.pk]),
                           editor_data(note, **SOAP_TEXT, **ALL_NONE, secret=TEST_PASSWORD, action="sign"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The risk check answers “None” where the risk register has an open risk" in \
        _summary_links(page)["id_confirm_open_risk"]
    assert 'name="confirm_open_risk"' in page and "I have reviewed the open risk" in page
    note.refresh_from_db()
    assert note.signed_at is None
    response = client.post(reverse("notes:note-sign", args=[note.pk]),
                           editor_data(note, **SOAP_TEXT, **ALL_NONE, secret=TEST_PASSWORD, action="sign",
                                       confirm_open_risk="on"))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == NoteStatus.FINAL


def test_signing_a_concern_over_the_open_risk_needs_no_confirmation(cast, login, suicide_risk, session, unsupervised):
    client = login(cast.therapist)
    note = open_editor(client, session)
    answers = {**ALL_NONE, "risk_a_suicidal_ideation": "concern", "risk_a_safety_plan": "Plan agreed."}
    response = client.post(reverse("notes:note-sign", args=[note.pk]),
                           editor_data(note, **SOAP_TEXT, **answers, secret=TEST_PASSWORD, action="sign"))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.signed_at is not None


def test_the_sign_by_line_does_not_read_as_late(cast, login, session):
    client = login(cast.therapist)
    open_editor(client, session)
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert "a note signed after that is marked as a late entry" in page
    assert "(signed later, the note is marked as a late entry)" not in page


def test_api_sign_over_an_open_risk_needs_the_confirmation_with_every_problem_in_one_400(
        cast, login, suicide_risk, session, unsupervised):
    client = login(cast.therapist)
    note = open_editor(client, session)
    client.post(reverse("notes:note-edit", args=[session.pk]), editor_data(note, **SOAP_TEXT, **ALL_NONE))
    note.refresh_from_db()
    response = client.post(reverse("note-sign", args=[note.pk]), {"version": note.version, "secret": "wrong"},
                           content_type="application/json")
    assert response.status_code == 400
    assert {"confirm_open_risk", "secret"} <= set(response.json()["error"]["fields"])
    note.refresh_from_db()
    assert note.signed_at is None
    response = client.post(reverse("note-sign", args=[note.pk]),
                           {"version": note.version, "secret": TEST_PASSWORD, "confirm_open_risk": True},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    note.refresh_from_db()
    assert note.status == NoteStatus.FINAL
