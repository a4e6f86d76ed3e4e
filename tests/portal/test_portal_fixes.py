"""Issue 12 fixes in the partner portal: a second PHQ-9 on one day, item 9 left blank, the partner's wording
and messages, the instrument's display name."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from clinic.models import Risk, RiskSource
from plans.instruments import BUILTIN
from plans.models import EntrySource, MeasureAdministration
from plans.services.measures import measure_record
from portal.models import MeasureRequest
from portal.services import entries
from tests.plans.measure_factories import answers_for
from tests.portal.portal_factories import portal_account, sign_in_partner

pytestmark = pytest.mark.django_db
PHQ9 = BUILTIN["phq9"]


def _post_phq9(client, answers, **extra):
    data = {f"item_{n}": "" if v is None else str(v) for n, v in enumerate(answers, start=1)}
    return client.post(reverse("portal:measure-answer", args=["phq9"]), {**data, **extra}, follow=True)


def test_second_phq9_of_the_day_from_send_now_is_saved_and_raises_the_item_9_risk(cast, client, login):
    account = portal_account(cast.couple, "a")
    entries.portal_measure_submit(account=account, instrument=PHQ9, answers=answers_for(PHQ9, 6, risk=0))
    login(cast.therapist)
    response = client.post(reverse("portal:send-measure", args=[cast.couple.pk, account.pk]),
                           {"send_a-instrument": "phq9"}, follow=True)
    notices = [str(m) for m in get_messages(response.wsgi_request)] + [response.content.decode()]
    assert any("already answered the PHQ-9 today" in n for n in notices)
    client.logout()
    sign_in_partner(client, account)
    response = _post_phq9(client, answers_for(PHQ9, 10, risk=2))
    page = response.content.decode()
    assert "Nothing was saved" not in page and "Measures tab" not in page
    assert "Samaritans free on 116 123" in page
    assert MeasureAdministration.objects.filter(couple=cast.couple, partner="a", source=EntrySource.CLIENT).count() == 2
    assert Risk.objects.filter(couple=cast.couple, partner="a", source=RiskSource.MEASURE).exists()
    assert MeasureRequest.objects.get().completed_at is not None


def test_clinician_entries_are_still_one_a_day(cast):
    measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="a",
                   administered_on=timezone.localdate(), answers=answers_for(PHQ9, 6, risk=0))
    with pytest.raises(Exception, match="already has a PHQ-9"):
        measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="a",
                       administered_on=timezone.localdate(), answers=answers_for(PHQ9, 6, risk=0))


def test_refused_portal_answers_still_raise_the_risk_and_show_crisis_information(cast, client):
    cast.couple.start_date = timezone.localdate() + datetime.timedelta(days=3)  # today is before the start
    cast.couple.save(update_fields=["start_date"])
    account = portal_account(cast.couple, "b")
    entries.measure_request_send(account=account, instrument=PHQ9, by=cast.therapist)
    sign_in_partner(client, account)
    page = _post_phq9(client, answers_for(PHQ9, 10, risk=2)).content.decode()
    assert not MeasureAdministration.objects.exists()
    assert Risk.objects.filter(couple=cast.couple, partner="b", source=RiskSource.CLIENT).exists()
    assert "Samaritans free on 116 123" in page and "could not be saved" in page
    assert "Measures tab" not in page and "start date" not in page


def test_blank_item_9_is_asked_once_more_then_flagged_to_the_therapist(cast, client, login):
    account = portal_account(cast.couple, "a")
    entries.measure_request_send(account=account, instrument=PHQ9, by=cast.therapist)
    sign_in_partner(client, account)
    answers = [*answers_for(PHQ9, 6, risk=0)[:8], None]
    first = _post_phq9(client, answers)
    assert first.status_code == 400 and "You left question 9 blank" in first.content.decode()
    assert 'name="blank_items_asked" value="9"' in first.content.decode()
    assert not MeasureAdministration.objects.exists()
    second = _post_phq9(client, answers, blank_items_asked="9")
    assert second.status_code == 200 and "Sent to your therapist" in second.content.decode()
    administration = MeasureAdministration.objects.get()
    assert administration.risk_item_unanswered and administration.prorated
    assert not Risk.objects.exists()  # missing information, not a risk finding
    client.logout()
    login(cast.therapist)
    today = client.get(reverse("notes:therapist-home")).content.decode()
    assert "1 questionnaire" in today  # a new client entry
    ask = today.split('id="ask-heading"')[1].split("</section>")[0]  # and a question to ask, until followed up
    assert reverse("plans:measure-detail", args=[administration.pk]) in ask
    assert f"Partner A, PHQ-9 of {administration.administered_on:%-d %b %Y}" in ask and "sent from the portal" in ask
    tab = client.get(reverse("plans:measure-list", args=[cast.couple.pk])).content.decode()
    assert "Item 9 not answered" in tab
    detail = client.get(reverse("plans:measure-detail", args=[administration.pk])).content.decode()
    assert "The risk question was left blank: ask at the next contact" in detail and "Record the answer" in detail


def test_outcome_on_a_prorated_total_says_so(cast, client, login):
    day = timezone.localdate()
    measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="a",
                   administered_on=day - datetime.timedelta(days=30), answers=answers_for(PHQ9, 18, risk=0))
    measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="a", administered_on=day,
                   answers=[1, 1, 1, 0, 0, 0, 0, 0, None])
    login(cast.therapist)
    tab = client.get(reverse("plans:measure-list", args=[cast.couple.pk])).content.decode()
    assert "Recovered" in tab and "Rests on a prorated score" in tab
    assert "This classification uses a prorated total" in tab


def test_portal_thought_record_speaks_to_the_partner_and_marks_the_first_mood_required(cast, client):
    sign_in_partner(client, portal_account(cast.couple, "a"))
    page = client.get(reverse("portal:entry-new", args=["thought-record"])).content.decode()
    assert "What went through your mind" in page and "How much you believe" in page
    assert "their mind" not in page and "they believe" not in page
    assert 'for="id_mood_1">Mood 1 <span class="muted">(required)</span>' in page
    response = client.post(reverse("portal:entry-new", args=["thought-record"]),
                           {"occurred_on": str(timezone.localdate()), "situation": "x", "automatic_thought": "y"})
    assert response.status_code == 400 and "Name at least one mood" in response.content.decode()


def test_invitation_expiry_is_formatted_and_requests_use_the_display_name(cast, client, login):
    login(cast.therapist)
    client.post(reverse("portal:invite", args=[cast.couple.pk]),
                {"position": "a", "invite_a-email": "alex@example.org"})
    page = client.get(reverse("portal:couple", args=[cast.couple.pk])).content.decode()
    assert re.search(r"The link works once, until \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d;", page)
    account = portal_account(cast.couple, "b")
    entries.measure_request_send(account=account, instrument=PHQ9, by=cast.therapist)
    page = client.get(reverse("portal:couple", args=[cast.couple.pk])).content.decode()
    assert "Waiting for an answer: PHQ-9" in page and "PHQ9" not in page


def test_partner_sent_list_uses_the_display_name(cast, client):
    account = portal_account(cast.couple, "a")
    entries.portal_measure_submit(account=account, instrument=PHQ9, answers=answers_for(PHQ9, 6, risk=0))
    sign_in_partner(client, account)
    page = client.get(reverse("portal:entry-list")).content.decode()
    assert "Questionnaire: PHQ-9" in page and "PHQ9" not in page


def test_set_password_shows_every_applicable_error(cast, client):
    from portal.services import accounts
    invitation = accounts.portal_invite(couple=cast.couple, position="a", email="alex@example.org", by=cast.therapist)
    response = client.post(reverse("portal:accept", args=[invitation.token]),
                           {"password": "short1", "password_again": "short2"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "at least 12 characters" in page and "not the same" in page
    assert "Nothing was saved" not in page


def test_failed_sign_in_says_what_went_wrong(cast, client):
    portal_account(cast.couple, "a", email="sam@example.org")
    page = client.post(reverse("portal:login"), {"email": "sam@example.org", "password": "wrong password"}).content
    page = page.decode()
    assert "The email address or password is not right" in page and "Nothing was saved" not in page


def test_chart_marks_client_reported_points(cast, client, login):
    day = timezone.localdate()
    measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="a",
                   administered_on=day - datetime.timedelta(days=7), answers=answers_for(PHQ9, 12, risk=0))
    entries.portal_measure_submit(account=portal_account(cast.couple, "a"), instrument=PHQ9,
                                  answers=answers_for(PHQ9, 6, risk=0))
    login(cast.therapist)
    tab = client.get(reverse("plans:measure-list", args=[cast.couple.pk])).content.decode()
    chart = tab[tab.find("<svg"):tab.find("</svg>")]
    assert re.search(r"<title>Partner A, \d{1,2} \w{3} \d{4}: 6 \(client-reported\)</title>", chart)
    assert re.search(r"<title>Partner A, \d{1,2} \w{3} \d{4}: 12</title>", chart)  # the clinician's: no mark
    assert ">Client-reported</text>" in chart


def test_two_portal_answers_on_one_day_are_two_rows_in_the_tab_and_the_report(cast, client, login):
    from reports.builders.sections import build_measures
    account = portal_account(cast.couple, "a")
    for total in (6, 11):
        entries.portal_measure_submit(account=account, instrument=PHQ9, answers=answers_for(PHQ9, total, risk=0))
    (block,) = build_measures(cast.couple, until=timezone.localdate())
    assert sorted(str(row.a_total) for row in block.rows) == ["11", "6"]
    login(cast.therapist)
    tab = client.get(reverse("plans:measure-list", args=[cast.couple.pk])).content.decode()
    assert tab.index(">11</a>") < tab.index(">6</a>")  # latest first, each on its own row
