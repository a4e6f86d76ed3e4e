"""Joint sessions wait after a positive IPV screen or a clinician's concern until an override is documented
(page and API); a partner-violence concern in a note's risk check prompts a re-screen."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import Couple, Partner
from clinic.selectors.ipv import rescreen_prompts
from clinic.services.couples import partner_update
from clinic.services.ipv import ipv_override_record
from notes.models import Session
from notes.services.sessions import IPV_GATE
from tests.notes.note_factories import SessionFactory, all_clear_risk, signed_note
from tests.notes.test_session_pages import session_data

pytestmark = pytest.mark.django_db
REASON = "Assessed alone: no fear or coercion; safety plan agreed."


def screen_both(cast, b_answers=(4, 4, 4, 4), on=None):
    for position, answers in (("a", (1, 1, 1, 1)), ("b", b_answers)):
        partner_update(partner=Partner.objects.get(couple=cast.couple, position=position), by=cast.therapist,
                       agreed_confidentiality_on=None, ipv_result="no_concern",
                       ipv_screened_on=on or timezone.localdate(), hits_answers=list(answers))


def unescape(html: str) -> str:
    return html.replace("&#x27;", "'")


def test_joint_session_page_is_refused_after_a_positive_screen_until_the_override(cast, login):
    screen_both(cast)
    client = login(cast.therapist)
    url = reverse("notes:session-create", args=[cast.couple.pk])
    response = client.post(url, session_data())
    assert response.status_code == 400 and IPV_GATE in unescape(response.content.decode())
    assert not Session.objects.exists()
    assert client.post(url, session_data(kind="individual_b")).status_code == 302, "individual sessions go on"
    ipv_override_record(couple=Couple.objects.get(pk=cast.couple.pk), by=cast.therapist, reason=REASON)
    assert client.post(url, session_data()).status_code == 302
    assert Session.objects.filter(kind="joint").count() == 1


def test_joint_session_api_is_refused_with_the_message_after_a_positive_screen(cast, login):
    screen_both(cast)
    client = login(cast.therapist)
    starts = (timezone.now() - datetime.timedelta(hours=3)).replace(microsecond=0)
    url = reverse("couple-session-list", args=[cast.couple.pk])
    body = {"starts_at": starts.isoformat(), "kind": "joint", "attendance": "attended"}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["kind"] == [IPV_GATE]
    ipv_override_record(couple=Couple.objects.get(pk=cast.couple.pk), by=cast.therapist, reason=REASON)
    assert client.post(url, body, content_type="application/json").status_code == 201


def test_changing_an_individual_session_to_joint_is_refused_too(cast, login):
    screen_both(cast)
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, kind="individual_a",
                             starts_at=timezone.now() - datetime.timedelta(days=1))
    response = login(cast.therapist).patch(
        reverse("session-detail", args=[session.pk]),
        {"version": session.version, "kind": "joint"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["fields"]["kind"] == [IPV_GATE]


def test_a_partner_violence_concern_in_a_later_note_prompts_a_rescreen(cast, login):
    screened_on = timezone.localdate() - datetime.timedelta(days=10)
    screen_both(cast, b_answers=(1, 1, 1, 1), on=screened_on)
    before = SessionFactory(couple=cast.couple, therapist=cast.therapist, kind="individual_b",
                            starts_at=timezone.now() - datetime.timedelta(days=20))
    signed_note(session=before, risk=all_clear_risk(b={"partner_violence": "concern", "safety_plan": "Plan."}))
    couple = Couple.objects.get(pk=cast.couple.pk)
    assert rescreen_prompts(couple, list(couple.partners.all())) == [], "a concern before the screen is covered"
    after = SessionFactory(couple=cast.couple, therapist=cast.therapist, kind="individual_b",
                           starts_at=timezone.now() - datetime.timedelta(days=2))
    signed_note(session=after, risk=all_clear_risk(b={"partner_violence": "concern", "safety_plan": "Plan."}))
    prompts = rescreen_prompts(couple, list(couple.partners.all()))
    assert [(p.partner.position, p.reason) for p in prompts] == [("b", "note_concern")]
    page = login(cast.therapist).get(reverse("clinic:couple-detail", args=[cast.couple.pk])).content.decode()
    assert "IPV re-screen due" in page and "noted a partner-violence concern" in page


def test_session_form_says_joint_sessions_are_on_hold_and_defaults_to_an_individual_one(cast, login):
    screen_both(cast)
    page = login(cast.therapist).get(reverse("notes:session-create", args=[cast.couple.pk])).content.decode()
    assert "Joint sessions on hold: IPV screen" in page
    assert 'value="individual_a" selected' in page or '<option value="individual_a" selected>' in page


def kind_hint(client, couple):
    """The text of the "Kind of session" hint on the new-session form."""
    page = client.get(reverse("notes:session-create", args=[couple.pk])).content.decode()
    return unescape(page.split('id="id_kind_helptext">', 1)[1].split("</div>", 1)[0])


def test_the_kind_of_session_hint_follows_the_ipv_gate(cast, login):
    """The hint said "needs both partners' IPV screens recorded first" even after both were screened and one
    was positive: it now says where the couple stands, in the order the service checks."""
    client = login(cast.therapist)
    assert "neither is recorded yet" in kind_hint(client, cast.couple)
    partner_update(partner=Partner.objects.get(couple=cast.couple, position="a"), by=cast.therapist,
                   agreed_confidentiality_on=None, ipv_result="no_concern", ipv_screened_on=timezone.localdate(),
                   hits_answers=[1, 1, 1, 1])
    assert "Partner B\u2019s is not recorded yet" in kind_hint(client, cast.couple)
    screen_both(cast)  # B's HITS is positive
    hint = kind_hint(client, cast.couple)
    assert "recorded first" not in hint
    assert "Joint sessions are on hold" in hint and "once an override is documented" in hint
    assert f'<a href="{reverse("clinic:ipv-override", args=[cast.couple.pk])}">document an override</a>' in hint
    ipv_override_record(couple=Couple.objects.get(pk=cast.couple.pk), by=cast.therapist, reason=REASON)
    hint = kind_hint(client, cast.couple)
    assert "an override was documented on" in hint and "joint sessions can be recorded" in hint
    assert "on hold" not in hint


def test_one_positive_screen_puts_joint_sessions_on_hold_even_with_the_other_screen_missing(cast, login):
    """Recording the other partner's screen would not allow a joint session: the page and the refusal say it is on
    hold and point to the override, not to the missing screen."""
    partner_update(partner=Partner.objects.get(couple=cast.couple, position="a"), by=cast.therapist,
                   agreed_confidentiality_on=None, ipv_result="no_concern", ipv_screened_on=timezone.localdate(),
                   hits_answers=[4, 4, 4, 4])
    Partner.objects.filter(couple=cast.couple, position="b").update(ipv_result="not_done", ipv_screened_on=None)
    client = login(cast.therapist)
    page = unescape(client.get(reverse("notes:session-list", args=[cast.couple.pk])).content.decode())
    assert "Joint sessions are on hold" in page and reverse("clinic:ipv-override", args=[cast.couple.pk]) in page
    assert "Joint sessions need both IPV screens" not in page
    response = client.post(reverse("notes:session-create", args=[cast.couple.pk]), session_data())
    assert response.status_code == 400 and IPV_GATE in unescape(response.content.decode())
