"""Couple pages: home, "My couples" (filter, name search), registration, the case page, case and partner edits."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import CareTeamMember, Client, Couple, Partner
from clinic.services.couples import couple_update, partner_update
from keys import keyring
from tests.factories import CoupleFactory

pytestmark = pytest.mark.django_db

ROLES = ["therapist", "co_therapist", "supervisor", "stranger", "outsider", "manager", "admin"]


def as_role(cast, login, client, role):
    """The test client signed in as the cast member `role`, or anonymous."""
    if role == "anonymous":
        return client
    return login(getattr(cast, role))


def assert_sent_to_login(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("clinic:login"))


def today():
    return timezone.localdate()


# --- home -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "target"), [
    ("therapist", "notes:therapist-home"),
    ("supervisor", "notes:therapist-home"),
    ("manager", "clinic:practice-home"),
    ("admin", "clinic:user-list"),
])
def test_home_sends_each_role_to_its_start_page(cast, login, role, target):
    response = login(getattr(cast, role)).get(reverse("clinic:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(target)


def test_anonymous_cannot_open_home(client):
    assert_sent_to_login(client.get(reverse("clinic:home")))


# --- My couples -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status", "sees_couple"), [
    ("therapist", 200, True),
    ("co_therapist", 200, True),
    ("supervisor", 200, True),
    ("stranger", 200, False),
    ("outsider", 200, False),
    ("manager", 403, False),
    ("admin", 403, False),
])
def test_couple_list_by_role(cast, login, client, role, status, sees_couple):
    response = as_role(cast, login, client, role).get(reverse("clinic:couple-list"))
    assert response.status_code == status
    detail_url = reverse("clinic:couple-detail", args=[cast.couple.pk])
    assert (detail_url in response.content.decode()) is sees_couple


def test_anonymous_cannot_open_couple_list(cast, client):
    assert_sent_to_login(client.get(reverse("clinic:couple-list")))


def test_therapist_can_see_partners_role_status_and_screens_in_list(cast, login):
    html = login(cast.therapist).get(reverse("clinic:couple-list")).content.decode()
    a, b = cast.couple.partner_a.client, cast.couple.partner_b.client
    assert a.full_name in html and b.full_name in html
    assert cast.couple.reference in html
    assert "Primary therapist" in html
    assert 'badge status-active">Active' in html
    assert "Missing" in html  # IPV screens not done


def test_supervisor_sees_supervising_role_in_list(cast, login):
    html = login(cast.supervisor).get(reverse("clinic:couple-list")).content.decode()
    assert "Supervising" in html
    assert "Primary therapist" not in html


def test_manager_is_refused_and_the_refusal_is_audited(cast, login):
    login(cast.manager).get(reverse("clinic:couple-list"))
    event = AuditEvent.objects.filter(action="access.denied", actor_id=cast.manager.pk).last()
    assert event.detail == {"reason": "role", "view": "couple_list"}


def test_therapist_can_filter_couples_by_status(cast, login):
    on_hold = CoupleFactory(practice=cast.practice, primary=cast.therapist, status="on_hold")
    client = login(cast.therapist)
    html = client.get(reverse("clinic:couple-list"), {"status": "on_hold"}).content.decode()
    assert on_hold.reference in html
    assert cast.couple.reference not in html
    html = client.get(reverse("clinic:couple-list"), {"status": "nonsense"}).content.decode()
    assert on_hold.reference in html and cast.couple.reference in html


def _count_list_queries(client) -> int:
    keyring.clear_cache()  # a cold key cache: the practice's key is loaded once, not once per name
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("clinic:couple-list"))
    assert response.status_code == 200
    return len(queries)


# Data keys created in a transaction that has not committed are never cached (keys.keyring), so
# this test commits its data to measure what a running server does.
@pytest.mark.django_db(transaction=True)
def test_couple_list_query_count_does_not_grow_with_couples(cast, login, django_assert_max_num_queries):
    client = login(cast.therapist)
    for _ in range(2):
        CoupleFactory(practice=cast.practice, primary=cast.therapist)
    small = _count_list_queries(client)
    for _ in range(27):
        CoupleFactory(practice=cast.practice, co_therapist=cast.therapist)
    keyring.clear_cache()
    # session, user, OTP device; couples, partners with clients, my care-team rows; the practice's data
    # key (partners' names); the session's idle-time save (BEGIN, UPDATE, COMMIT on SQLite).
    with django_assert_max_num_queries(small):
        response = client.get(reverse("clinic:couple-list"))
    assert response.content.decode().count("<tr>") == 31  # 30 couples and the header row
    assert small <= 10, small


# --- Search by name -------------------------------------------------------------------------------


@pytest.fixture
def named_couple(cast):
    couple = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    client = couple.partner_a.client
    client.first_name, client.last_name = "Tomás", "Ó Briain"
    from clinic.services.couples import _index_names

    _index_names(client)
    client.save()
    return couple


@pytest.mark.parametrize("typed", ["Tomás Ó Briain", "tomas o briain", "  TOMÁS   Ó BRIAIN ", "o briain", "Ó BRIAIN"])
def test_therapist_can_find_a_client_by_name_whatever_the_case_and_accents(cast, login, named_couple, typed):
    response = login(cast.therapist).post(reverse("clinic:couple-list"), {"name": typed})
    html = response.content.decode()
    assert response.status_code == 200
    assert named_couple.reference in html
    assert cast.couple.reference not in html
    assert "1 couple found" in html


def test_search_for_a_name_nobody_has_finds_nothing(cast, login, named_couple):
    html = login(cast.therapist).post(reverse("clinic:couple-list"), {"name": "Zebedee"}).content.decode()
    assert named_couple.reference not in html
    assert "No couple you can see has a partner whose first, last or preferred name contains that" in html


def test_stranger_cannot_find_a_couple_they_cannot_see(cast, login, named_couple):
    html = login(cast.stranger).post(reverse("clinic:couple-list"), {"name": "o briain"}).content.decode()
    assert named_couple.reference not in html
    assert reverse("clinic:couple-detail", args=[named_couple.pk]) not in html


def test_outsider_cannot_find_a_client_of_another_practice(cast, login, named_couple):
    html = login(cast.outsider).post(reverse("clinic:couple-list"), {"name": "Tomás Ó Briain"}).content.decode()
    assert named_couple.reference not in html


def test_search_term_never_reaches_a_url_and_is_audited_without_it(cast, login, named_couple):
    client = login(cast.therapist)
    page = client.get(reverse("clinic:couple-list")).content.decode()
    assert re.search(r'<form method="post" action="/couples/"[^>]*role="search"', page)
    response = client.post(reverse("clinic:couple-list"), {"name": "Ó Briain"})
    links = re.findall(r'(?:href|action|hx-[a-z]+)="([^"]*)"', response.content.decode())
    assert links and not any("briain" in link.lower() for link in links)
    event = AuditEvent.objects.filter(action="client.search").last()
    assert event.detail == {"matches": 1, "shown": 1}
    assert "briain" not in str(event.detail).lower()


def test_empty_search_shows_what_to_fix(cast, login):
    html = login(cast.therapist).post(reverse("clinic:couple-list"), {"name": ""}).content.decode()
    assert "error-summary" in html
    assert "Type part of a name to search for." in html


# --- Register a couple ----------------------------------------------------------------------------


def registration(**overrides):
    data = {
        "a-first_name": "Priya", "a-last_name": "Raman", "a-preferred_name": "", "a-pronouns": "she/her",
        "a-date_of_birth": "1985-03-02", "a-email": "priya@example.org", "a-phone": "07700 900123",
        "b-first_name": "Tomás", "b-last_name": "Ó Briain", "b-preferred_name": "Tom", "b-pronouns": "he/him",
        "b-date_of_birth": "1983-11-20", "b-email": "", "b-phone": "",
        "start_date": today().isoformat(),
        "presenting_concerns": "Trust issues after Tom's disclosure; checking each other's phones.",
        "confidentiality": "no_secrets",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 200), ("co_therapist", 200), ("supervisor", 200), ("stranger", 200), ("outsider", 200),
    ("manager", 403), ("admin", 403),
])
def test_couple_create_page_by_role(cast, login, client, role, status):
    assert as_role(cast, login, client, role).get(reverse("clinic:couple-create")).status_code == status


def test_anonymous_cannot_register_a_couple(cast, client):
    assert_sent_to_login(client.post(reverse("clinic:couple-create"), registration()))
    assert not Couple.objects.exclude(pk=cast.couple.pk).exists()


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_manager_and_admin_cannot_register_a_couple(cast, login, role):
    assert login(getattr(cast, role)).post(reverse("clinic:couple-create"), registration()).status_code == 403
    assert Client.objects.count() == 2


def test_therapist_can_register_a_couple(cast, login):
    response = login(cast.therapist).post(reverse("clinic:couple-create"), registration())
    couple = Couple.objects.exclude(pk=cast.couple.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:couple-detail", args=[couple.pk])
    assert couple.presenting_concerns.startswith("Trust issues")
    assert couple.confidentiality == "no_secrets"
    assert couple.status == "intake"
    a, b = couple.partner_a.client, couple.partner_b.client
    assert (a.first_name, a.last_name, a.pronouns, a.email) == ("Priya", "Raman", "she/her", "priya@example.org")
    assert (b.full_name, b.preferred_name, b.date_of_birth) == ("Tomás Ó Briain", "Tom", datetime.date(1983, 11, 20))
    team = CareTeamMember.objects.get(couple=couple)
    assert (team.user, team.role) == (cast.therapist, "primary")
    follow = login(cast.therapist).get(response["Location"])
    assert f"Couple {couple.reference} registered" in follow.content.decode()


def test_the_registration_form_says_which_partner_each_field_belongs_to(cast, login):
    html = login(cast.therapist).get(reverse("clinic:couple-create")).content.decode()
    assert "<legend>Partner A</legend>" in html and "<legend>Partner B</legend>" in html
    assert re.search(r'<label for="id_b-last_name"><span class="visually-hidden">Partner B: </span>Last name', html)
    assert 'for="id_presenting_concerns"' in html
    assert html.count("<label") >= 17  # 7 per partner, 3 for the couple


def test_missing_last_name_is_reported_for_the_right_partner(cast, login):
    response = login(cast.therapist).post(reverse("clinic:couple-create"), registration(**{"b-last_name": ""}))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html
    assert '<a href="#id_b-last_name">Partner B: Last name: Enter the last name.</a>' in html
    assert 'id="id_b-last_name_error"' in html  # the message next to the field too
    assert 'aria-invalid="true"' in html
    assert Client.objects.count() == 2 and Couple.objects.count() == 1


def test_future_date_of_birth_is_refused(cast, login):
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    html = login(cast.therapist).post(
        reverse("clinic:couple-create"), registration(**{"a-date_of_birth": tomorrow})
    ).content.decode()
    assert "Partner A: Date of birth: The date of birth cannot be in the future." in html
    assert Couple.objects.count() == 1


def test_same_person_twice_is_refused(cast, login):
    same = registration(**{"b-first_name": "PRIYA", "b-last_name": " raman ", "b-date_of_birth": "1985-03-02"})
    html = login(cast.therapist).post(reverse("clinic:couple-create"), same).content.decode()
    assert "Partner B has the same name and date of birth as Partner A" in html
    assert Client.objects.count() == 2 and Couple.objects.count() == 1


def test_errors_never_echo_what_was_typed_in_the_summary(cast, login):
    html = login(cast.therapist).post(
        reverse("clinic:couple-create"), registration(**{"a-email": "not-an-email", "a-first_name": ""})
    ).content.decode()
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    assert "Enter an email address like name@example.org." in summary
    assert "not-an-email" not in summary and "Raman" not in summary


# --- Couple page ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 200), ("co_therapist", 200), ("supervisor", 200), ("stranger", 404), ("outsider", 404),
    ("manager", 403), ("admin", 403),
])
def test_couple_administration_by_role(cast, login, client, role, status):
    response = as_role(cast, login, client, role).get(reverse("clinic:couple-administration", args=[cast.couple.pk]))
    assert response.status_code == status
    html = response.content.decode()
    concerns = "Trust ruptured after a disclosed affair"
    assert (concerns in html) is (status == 200)
    assert (cast.couple.partner_a.client.last_name in html) is (status == 200)


def test_anonymous_cannot_open_couple_detail(cast, client):
    assert_sent_to_login(client.get(reverse("clinic:couple-detail", args=[cast.couple.pk])))


def test_each_view_of_a_couple_is_audited(cast, login):
    client = login(cast.co_therapist)
    url = reverse("clinic:couple-detail", args=[cast.couple.pk])
    client.get(url)
    client.get(url)
    events = AuditEvent.objects.filter(action="couple.view", couple_id=cast.couple.pk)
    assert events.count() == 2
    event = events.last()
    assert event.actor_id == cast.co_therapist.pk and event.object_id == str(cast.couple.pk)
    assert cast.couple.partner_a.client.last_name not in str(event.detail)


def test_stranger_refused_couple_is_audited_as_denied(cast, login):
    login(cast.stranger).get(reverse("clinic:couple-detail", args=[cast.couple.pk]))
    assert AuditEvent.objects.filter(action="access.denied", actor_id=cast.stranger.pk,
                                     couple_id=cast.couple.pk).exists()
    assert not AuditEvent.objects.filter(action="couple.view", actor_id=cast.stranger.pk).exists()


def test_couple_page_shows_case_partners_and_care_team(cast, login):
    partner = cast.couple.partner_a
    partner_update(partner=partner, by=cast.therapist, agreed_confidentiality_on=datetime.date(2024, 2, 3),
                   ipv_result="no_concern", ipv_screened_on=datetime.date(2024, 2, 3))
    html = login(cast.therapist).get(reverse("clinic:couple-administration", args=[cast.couple.pk])).content.decode()
    assert cast.couple.reference in html
    assert "3 February 2024" in html  # Partner A's agreement and screen date
    assert "No concern" in html
    assert cast.therapist.display_name in html and cast.co_therapist.display_name in html
    assert "Co-therapist" in html
    assert reverse("clinic:client-edit", args=[partner.client.pk]) in html


def test_missing_ipv_screen_is_announced_until_both_are_recorded(cast, login):
    client = login(cast.therapist)
    url = reverse("clinic:couple-detail", args=[cast.couple.pk])
    notice = "Record both partners' IPV screens before the first joint session"
    assert notice in client.get(url).content.decode()
    partner_update(partner=cast.couple.partner_a, by=cast.therapist, ipv_result="no_concern",
                   ipv_screened_on=today())
    html = client.get(url).content.decode()
    assert notice in html and "Not yet screened: Partner B" in html
    partner_update(partner=Couple.objects.get(pk=cast.couple.pk).partner_b, by=cast.therapist,
                   ipv_result="concern", ipv_screened_on=today())
    assert notice not in client.get(url).content.decode()


def test_editors_see_edit_links(cast, login):
    html = login(cast.co_therapist).get(reverse("clinic:couple-administration", args=[cast.couple.pk])).content.decode()
    assert reverse("clinic:couple-edit", args=[cast.couple.pk]) in html
    assert reverse("clinic:partner-edit", args=[cast.couple.pk, "b"]) in html


@pytest.mark.parametrize("page", ["clinic:couple-detail", "clinic:couple-administration"])
def test_supervisor_sees_the_record_read_only(cast, login, page):
    html = login(cast.supervisor).get(reverse(page, args=[cast.couple.pk])).content.decode()
    assert "You can read this record but not change it" in html
    assert reverse("clinic:couple-edit", args=[cast.couple.pk]) not in html
    assert reverse("clinic:partner-edit", args=[cast.couple.pk, "a"]) not in html
    assert reverse("clinic:client-edit", args=[cast.couple.partner_a.client.pk]) not in html
    assert reverse("clinic:care-team-add", args=[cast.couple.pk]) not in html


def test_only_the_primary_therapist_sees_care_team_controls(cast, login):
    add_url = reverse("clinic:care-team-add", args=[cast.couple.pk])
    url = reverse("clinic:couple-administration", args=[cast.couple.pk])
    assert add_url in login(cast.therapist).get(url).content.decode()
    html = login(cast.co_therapist).get(url).content.decode()
    assert add_url not in html
    assert "/end/" not in html


# --- Edit case details ----------------------------------------------------------------------------


def edit_data(couple, **overrides):
    data = {
        "status": couple.status, "start_date": couple.start_date.isoformat(), "end_date": "",
        "presenting_concerns": couple.presenting_concerns, "confidentiality": couple.confidentiality,
        "version": str(couple.version),
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 200), ("co_therapist", 200), ("supervisor", 404), ("stranger", 404), ("outsider", 404),
    ("manager", 403), ("admin", 403),
])
def test_couple_edit_page_by_role(cast, login, client, role, status):
    response = as_role(cast, login, client, role).get(reverse("clinic:couple-edit", args=[cast.couple.pk]))
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), [
    ("supervisor", 404), ("stranger", 404), ("outsider", 404), ("manager", 403), ("admin", 403),
])
def test_refused_roles_cannot_save_case_details(cast, login, role, status):
    data = edit_data(cast.couple, presenting_concerns="overwritten")
    response = login(getattr(cast, role)).post(reverse("clinic:couple-edit", args=[cast.couple.pk]), data)
    assert response.status_code == status
    fresh = Couple.objects.get(pk=cast.couple.pk)
    assert fresh.version == 1 and fresh.presenting_concerns != "overwritten"


def test_anonymous_cannot_save_case_details(cast, client):
    response = client.post(reverse("clinic:couple-edit", args=[cast.couple.pk]), edit_data(cast.couple))
    assert_sent_to_login(response)


def test_co_therapist_can_save_case_details(cast, login):
    data = edit_data(cast.couple, status="on_hold", presenting_concerns="Paused while they move house.",
                     confidentiality="limited_secrets")
    response = login(cast.co_therapist).post(reverse("clinic:couple-edit", args=[cast.couple.pk]), data)
    assert response.status_code == 302
    fresh = Couple.objects.get(pk=cast.couple.pk)
    assert (fresh.status, fresh.presenting_concerns, fresh.confidentiality, fresh.version) == (
        "on_hold", "Paused while they move house.", "limited_secrets", 2)
    event = AuditEvent.objects.filter(action="couple.update").last()
    assert event.detail == {"fields": ["confidentiality", "presenting_concerns", "status"]}


def test_end_date_before_start_date_is_refused(cast, login):
    data = edit_data(cast.couple, end_date=(cast.couple.start_date - datetime.timedelta(days=1)).isoformat())
    html = login(cast.therapist).post(reverse("clinic:couple-edit", args=[cast.couple.pk]), data).content.decode()
    assert "End date: The end date cannot be before the start date." in html
    assert Couple.objects.get(pk=cast.couple.pk).version == 1


def test_stale_save_is_a_conflict_showing_both_texts_and_overwriting_nothing(cast, login):
    therapist = login(cast.therapist)
    url = reverse("clinic:couple-edit", args=[cast.couple.pk])
    assert 'name="version" value="1"' in therapist.get(url).content.decode()
    couple_update(couple=Couple.objects.get(pk=cast.couple.pk), by=cast.co_therapist, base_version=1,
                  presenting_concerns="Co-therapist's saved wording.")
    response = therapist.post(url, edit_data(cast.couple, presenting_concerns="My typed wording.", version="1"))
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this case while you were editing" in html
    assert "Co-therapist&#x27;s saved wording." in html
    assert html.count("My typed wording.") == 2  # in the comparison and still in the form
    assert 'name="version" value="2"' in html
    fresh = Couple.objects.get(pk=cast.couple.pk)
    assert (fresh.presenting_concerns, fresh.version) == ("Co-therapist's saved wording.", 2)
    # Saving again from the conflict page is a deliberate choice, based on the version now shown.
    response = therapist.post(url, edit_data(cast.couple, presenting_concerns="My typed wording.", version="2"))
    assert response.status_code == 302
    assert Couple.objects.get(pk=cast.couple.pk).presenting_concerns == "My typed wording."


# --- Partner agreement and IPV screen -------------------------------------------------------------


def partner_data(**overrides):
    data = {"agreed_confidentiality_on": "", "ipv_result": "not_done", "ipv_screened_on": "", "ipv_notes": ""}
    data.update(overrides)
    return data


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 200), ("co_therapist", 200), ("supervisor", 404), ("stranger", 404), ("outsider", 404),
    ("manager", 403), ("admin", 403),
])
def test_partner_edit_page_by_role(cast, login, client, role, status):
    url = reverse("clinic:partner-edit", args=[cast.couple.pk, "b"])
    assert as_role(cast, login, client, role).get(url).status_code == status


def test_anonymous_cannot_open_partner_edit(cast, client):
    assert_sent_to_login(client.get(reverse("clinic:partner-edit", args=[cast.couple.pk, "a"])))


@pytest.mark.parametrize("role", ["supervisor", "stranger", "outsider"])
def test_refused_clinicians_cannot_record_a_screen(cast, login, role):
    url = reverse("clinic:partner-edit", args=[cast.couple.pk, "a"])
    data = partner_data(ipv_result="concern", ipv_screened_on=today().isoformat())
    assert login(getattr(cast, role)).post(url, data).status_code == 404
    assert Partner.objects.get(couple=cast.couple, position="a").ipv_result == "not_done"


def test_unknown_partner_position_is_not_found(cast, login):
    assert login(cast.therapist).get(reverse("clinic:partner-edit", args=[cast.couple.pk, "c"])).status_code == 404


def test_therapist_can_record_a_screen(cast, login):
    url = reverse("clinic:partner-edit", args=[cast.couple.pk, "b"])
    data = partner_data(agreed_confidentiality_on="2024-05-01", ipv_result="concern",
                        ipv_screened_on="2024-05-02", ipv_notes="Reports fear during arguments.",
                        hits_hurt="1", hits_insult="3", hits_threaten="1", hits_scream="3")
    response = login(cast.therapist).post(url, data)
    assert response.status_code == 302
    partner = Partner.objects.get(couple=cast.couple, position="b")
    assert partner.ipv_result == "concern" and partner.ipv_screened_by == cast.therapist
    assert partner.ipv_notes == "Reports fear during arguments."
    assert partner.agreed_confidentiality_on == datetime.date(2024, 5, 1)


def test_screen_result_without_date_and_future_dates_are_refused(cast, login):
    client = login(cast.therapist)
    url = reverse("clinic:partner-edit", args=[cast.couple.pk, "a"])
    html = client.post(url, partner_data(ipv_result="no_concern")).content.decode()
    assert "Date of the IPV screen: Give the date the screen was done." in html
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    html = client.post(url, partner_data(ipv_result="no_concern", ipv_screened_on=tomorrow,
                                         agreed_confidentiality_on=tomorrow)).content.decode()
    assert "The screen date cannot be in the future." in html
    assert "The agreement date cannot be in the future." in html
    assert Partner.objects.get(couple=cast.couple, position="a").ipv_result == "not_done"


def test_edit_without_a_version_is_refused_without_saving(cast, login):
    data = edit_data(cast.couple, presenting_concerns="Changed.", version="")
    html = login(cast.therapist).post(reverse("clinic:couple-edit", args=[cast.couple.pk]), data).content.decode()
    assert "The form was incomplete: open the edit page again and redo your change." in html
    assert Couple.objects.get(pk=cast.couple.pk).version == 1
