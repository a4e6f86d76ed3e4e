"""Blank questions in the portal's questionnaires are all named before anything is sent (QA: only item 9 was),
and a form is sent with blanks only when the instrument's published partial-form rule still scores it (PHQ-9:
at most 2 of 9 blank, Arrieta et al. 2017); the "Sent" list tells two entries of one kind apart."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import Risk
from plans.instruments import BUILTIN
from plans.models import MeasureAdministration
from portal.services import entries
from tests.portal.portal_factories import portal_account, sign_in_partner

pytestmark = pytest.mark.django_db
PHQ9, GAD7 = BUILTIN["phq9"], BUILTIN["gad7"]


def _post(client, code, answers, **extra):
    data = {f"item_{n}": "" if v is None else str(v) for n, v in enumerate(answers, start=1)}
    return client.post(reverse("portal:measure-answer", args=[code]), {**data, **extra}, follow=True)


def _summary(page: str) -> list[tuple[str, str]]:
    """(href, text) of each link of the error summary."""
    box = re.search(r'class="error-summary.*?</div>', page, re.S)
    assert box, "no error summary"
    return [(href, re.sub(r"<[^>]+>", "", text).strip())
            for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', box.group(0), re.S)]


@pytest.fixture
def partner(cast, client):
    account = portal_account(cast.couple, "a")
    for instrument in (PHQ9, GAD7):
        entries.measure_request_send(account=account, instrument=instrument, by=cast.therapist)
    sign_in_partner(client, account)
    return account


def test_phq9_with_questions_4_to_9_blank_names_every_one_and_cannot_be_sent(partner, client):
    answers = [1, 2, 1, None, None, None, None, None, None]
    for attempt in range(2):  # refused every time, even "sent anyway"
        response = _post(client, "phq9", answers, **({"blank_items_asked": "4,5,6,7,8,9"} if attempt else {}))
        page = response.content.decode()
        assert response.status_code == 400
        summary = _summary(page)
        named = {href: text for href, text in summary if href.startswith("#id_item_")}
        assert list(named) == [f"#id_item_{n}_0" for n in range(4, 10)]
        assert all(named[f"#id_item_{n}_0"] == f"Question {n}: choose an answer." for n in range(4, 9))
        assert "You left question 9 blank" in named["#id_item_9_0"]
        assert "leave it blank" not in named["#id_item_9_0"]
        assert "6 questions are blank. Answer at least 4 more questions to send: up to 2 may be left blank." in page
        for n, value in ((1, 1), (2, 2), (3, 1)):  # the answers given are kept
            assert re.search(rf'<input type="radio" name="item_{n}" value="{value}"[^>]*checked', page)
        assert 'id="id_item_4"' in page  # each link's fieldset
    assert not MeasureAdministration.objects.exists()


def test_phq9_with_two_blank_is_asked_once_then_sent_prorated(partner, client):
    answers = [1, 2, 1, None, 1, 2, None, 1, 0]
    first = _post(client, "phq9", answers)
    page = first.content.decode()
    assert first.status_code == 400 and not MeasureAdministration.objects.exists()
    named = [text for href, text in _summary(page) if href.startswith("#id_item_")]
    assert named == ["Question 4: choose an answer, or leave it blank and press \u201cSend my answers\u201d again.",
                     "Question 7: choose an answer, or leave it blank and press \u201cSend my answers\u201d again."]
    assert 'name="blank_items_asked" value="4,7"' in page
    # Two blank questions are two problems: the sentence about them introduces the list, it is not a third.
    heading = re.search(r'<h2 id="error-summary-title">(.*?)</h2>', page).group(1)
    assert heading == "There are 2 problems"
    assert "<p>Nothing was sent. 2 questions are blank. You can answer them" in page
    second = _post(client, "phq9", answers, blank_items_asked="4,7")
    assert second.status_code == 200 and "Sent to your therapist" in second.content.decode()
    record = MeasureAdministration.objects.get()
    assert record.prorated and record.total == 10 and not record.risk_item_unanswered  # 8/7 x 9 = 10.3


def test_a_question_blanked_after_the_first_ask_is_asked_about_again(partner, client):
    response = _post(client, "phq9", [1, 2, 1, 1, 1, 2, None, 1, None], blank_items_asked="9", risk_item_asked="1")
    assert response.status_code == 400 and not MeasureAdministration.objects.exists()
    assert "Question 7: choose an answer, or leave it blank" in response.content.decode()


def test_item_9_blank_with_one_other_is_asked_once_and_flagged_and_an_item_9_answer_still_raises_the_risk(
        partner, client, cast):
    answers = [1, 2, None, 1, 1, 2, 1, 1, None]
    page = _post(client, "phq9", answers).content.decode()
    assert "You left question 9 blank" in page and "you can leave it blank" in page
    assert "Question 3: choose an answer, or leave it blank" in page and 'value="3,9"' in page
    sent = _post(client, "phq9", answers, blank_items_asked="3,9")
    assert "Sent to your therapist" in sent.content.decode()
    assert MeasureAdministration.objects.get().risk_item_unanswered
    # Item 9 answered above 0 with two blanks: asked once, then the crisis information and the risk.
    entries.measure_request_send(account=partner, instrument=PHQ9, by=cast.therapist)
    answers = [1, 2, None, 1, None, 2, 1, 1, 2]
    assert _post(client, "phq9", answers).status_code == 400
    page = _post(client, "phq9", answers, blank_items_asked="3,5").content.decode()
    assert "Samaritans free on 116 123" in page
    assert Risk.objects.filter(couple=cast.couple, partner="a").exists()


def test_gad7_with_any_question_blank_cannot_be_sent(partner, client):
    answers = [1, 2, 1, 0, 1, None, 2]
    for extra in ({}, {"blank_items_asked": "6"}):
        response = _post(client, "gad7", answers, **extra)
        page = response.content.decode()
        assert response.status_code == 400
        assert ("#id_item_6_0", "Question 6: choose an answer.") in _summary(page)
        assert "1 question is blank. Answer at least 1 more question to send: every question needs an answer." in page
    assert not MeasureAdministration.objects.exists()
    assert _post(client, "gad7", [1, 2, 1, 0, 1, 1, 2]).status_code == 200
    assert MeasureAdministration.objects.get().total == 8


def test_sent_list_tells_two_checking_log_entries_apart(cast, client):
    a, b = portal_account(cast.couple, "a"), portal_account(cast.couple, "b")
    today = timezone.localdate()
    for trigger, resisted in (("Late reply from work", True), ("Phone face down at dinner", False)):
        entries.portal_entry_submit(account=a, kind="checking", fields={
            "occurred_on": today, "kind": "checking", "resisted": resisted, "trigger": trigger})
    entries.portal_entry_submit(account=b, kind="checking", fields={
        "occurred_on": today - datetime.timedelta(days=1), "kind": "reassurance", "resisted": True,
        "trigger": "B's private words"})
    sign_in_partner(client, a)
    page = client.get(reverse("portal:entry-list")).content.decode()
    day = f"{today.day} {today:%b}"
    items = re.findall(r'<li><a class="portal-action".*?</li>', page, re.S)
    assert len(items) == 2 and items[0] != items[1]
    assert f"Checking, on {day}, urge not resisted: \u201cPhone face down at dinner\u201d" in page
    assert f"Checking, on {day}, urge resisted: \u201cLate reply from work\u201d" in page
    assert "B&#x27;s private words" not in page and "B's private words" not in page and "Reassurance" not in page


def test_sent_list_summarises_thought_records_and_experiments_in_the_partners_words(cast, client):
    a = portal_account(cast.couple, "a")
    today = timezone.localdate()
    entries.portal_entry_submit(account=a, kind="thought-record", fields={
        "occurred_on": today, "situation": "He came home late and did not say why at all tonight",
        "moods": [{"mood": "anxious", "before": 80, "after": 40}], "automatic_thought": "He is hiding something"})
    entries.portal_entry_submit(account=a, kind="experiment", fields={
        "planned_on": today, "prediction": "If I wait an hour she will be angry", "belief_before": 70})
    sign_in_partner(client, a)
    page = client.get(reverse("portal:entry-list")).content.decode()
    day = f"{today.day} {today:%b}"
    assert f"on {day}: \u201cHe came home late and did not say why a\u2026\u201d" in page
    assert f"planned for {day}: \u201cIf I wait an hour she will be angry\u201d" in page


def test_an_instrument_without_partial_forms_names_its_blank_questions_the_same_way(cast, client):
    csi4 = BUILTIN["csi4"]
    account = portal_account(cast.couple, "b")
    entries.measure_request_send(account=account, instrument=csi4, by=cast.therapist)
    sign_in_partner(client, account)
    answers = [item.options[0].value for item in csi4.items]
    answers[1] = answers[3] = None
    response = _post(client, "csi4", answers)
    page = response.content.decode()
    assert response.status_code == 400 and not MeasureAdministration.objects.exists()
    assert [t for h, t in _summary(page) if h.startswith("#id_item_")] == [
        "Question 2: choose an answer.", "Question 4: choose an answer."]
    assert "2 questions are blank. Answer at least 2 more questions to send: every question needs an answer." in page
