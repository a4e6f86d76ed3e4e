"""Care-team pages: the couple's primary therapist and the practice manager add and end members."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import CareTeamMember
from tests.factories import CoupleFactory, UserFactory

pytestmark = pytest.mark.django_db


def as_role(cast, login, client, role):
    return client if role == "anonymous" else login(getattr(cast, role))


def team_url(couple):
    return reverse("clinic:care-team-add", args=[couple.pk])


def end_url(member):
    return reverse("clinic:care-team-end", args=[member.couple_id, member.pk])


def membership(cast, user):
    return CareTeamMember.objects.get(couple=cast.couple, user=user)


def today():
    return timezone.localdate()


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 200), ("manager", 200),
    ("co_therapist", 403), ("supervisor", 403), ("admin", 403),
    ("stranger", 404), ("outsider", 404),
])
def test_care_team_page_by_role(cast, login, client, role, status):
    assert as_role(cast, login, client, role).get(team_url(cast.couple)).status_code == status


def test_anonymous_cannot_open_the_care_team_page(cast, client):
    response = client.get(team_url(cast.couple))
    assert response.status_code == 302 and response["Location"].startswith(reverse("clinic:login"))


def test_manager_of_another_practice_cannot_reach_the_couple(cast, login):
    other_manager = UserFactory(practice=cast.other_practice, role="practice_manager")
    assert login(other_manager).get(team_url(cast.couple)).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor_id=other_manager.pk,
                                     couple_id=cast.couple.pk).exists()


def test_manager_care_team_page_shows_staff_but_no_client_data(cast, login):
    html = login(cast.manager).get(team_url(cast.couple)).content.decode()
    assert cast.couple.reference in html
    assert cast.therapist.display_name in html and cast.co_therapist.display_name in html
    for partner in cast.couple.partners.all():
        assert partner.client.full_name not in html
        assert partner.client.last_name not in html
    assert "Trust ruptured" not in html
    assert f'href="{reverse("clinic:couple-detail", args=[cast.couple.pk])}"' not in html


def test_add_form_lists_active_clinicians_of_the_practice_not_on_the_team(cast, login):
    gone = UserFactory(practice=cast.practice, role="therapist", is_active=False)
    html = login(cast.manager).get(team_url(cast.couple)).content.decode()
    options = html.split('name="user"')[1].split("</select>")[0]
    assert cast.stranger.display_name in options and cast.supervisor.display_name in options
    for absent in (cast.therapist, cast.co_therapist, cast.manager, cast.admin, cast.outsider, gone):
        assert str(absent.pk) not in options


@pytest.mark.parametrize("role", ["therapist", "manager"])
def test_primary_therapist_and_manager_can_add_a_member(cast, login, role):
    data = {"user": cast.stranger.pk, "role": "co_therapist", "start_date": today().isoformat()}
    response = login(getattr(cast, role)).post(team_url(cast.couple), data)
    assert response.status_code == 302
    expected = team_url(cast.couple) if role == "manager" else (
        reverse("clinic:couple-administration", args=[cast.couple.pk]) + "#care-team")
    assert response["Location"] == expected
    member = membership(cast, cast.stranger)
    assert (member.role, member.start_date, member.end_date) == ("co_therapist", today(), None)
    event = AuditEvent.objects.get(action="care_team.add")
    assert event.actor_id == getattr(cast, role).pk and event.couple_id == cast.couple.pk


@pytest.mark.parametrize(("role", "status"), [
    ("co_therapist", 403), ("supervisor", 403), ("admin", 403), ("stranger", 404), ("outsider", 404),
])
def test_others_cannot_add_a_member(cast, login, role, status):
    data = {"user": cast.stranger.pk, "role": "co_therapist", "start_date": today().isoformat()}
    assert login(getattr(cast, role)).post(team_url(cast.couple), data).status_code == status
    assert not CareTeamMember.objects.filter(user=cast.stranger).exists()


def test_anonymous_cannot_add_a_member(cast, client):
    data = {"user": cast.stranger.pk, "role": "co_therapist", "start_date": today().isoformat()}
    assert client.post(team_url(cast.couple), data).status_code == 302
    assert not CareTeamMember.objects.filter(user=cast.stranger).exists()


def test_second_primary_therapist_is_refused_with_the_services_message(cast, login):
    data = {"user": cast.stranger.pk, "role": "primary", "start_date": today().isoformat()}
    response = login(cast.manager).post(team_url(cast.couple), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Role on the care team: The couple already has a primary therapist; end that role first." in html
    assert 'class="error-summary"' in html
    assert not CareTeamMember.objects.filter(user=cast.stranger).exists()


def test_clinician_of_another_practice_cannot_be_added(cast, login):
    data = {"user": cast.outsider.pk, "role": "co_therapist", "start_date": today().isoformat()}
    html = login(cast.therapist).post(team_url(cast.couple), data).content.decode()
    assert "Clinician: Choose a clinician from the list." in html
    assert not CareTeamMember.objects.filter(user=cast.outsider).exists()


@pytest.mark.parametrize("role", ["therapist", "manager"])
def test_primary_therapist_and_manager_can_end_a_role(cast, login, role):
    member = membership(cast, cast.co_therapist)
    response = login(getattr(cast, role)).post(end_url(member), {"end_date": today().isoformat()})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.end_date == today()
    assert AuditEvent.objects.filter(action="care_team.end", object_id=str(member.pk)).exists()


@pytest.mark.parametrize(("role", "status"), [
    ("co_therapist", 403), ("supervisor", 403), ("admin", 403), ("stranger", 404), ("outsider", 404),
])
def test_others_cannot_end_a_role(cast, login, role, status):
    member = membership(cast, cast.therapist)
    assert login(getattr(cast, role)).post(end_url(member), {"end_date": today().isoformat()}).status_code == status
    member.refresh_from_db()
    assert member.end_date is None


def test_anonymous_cannot_end_a_role(cast, client):
    member = membership(cast, cast.therapist)
    assert client.post(end_url(member), {"end_date": today().isoformat()}).status_code == 302
    member.refresh_from_db()
    assert member.end_date is None


def test_ending_is_post_only(cast, login):
    member = membership(cast, cast.co_therapist)
    assert login(cast.therapist).get(end_url(member)).status_code == 405


def test_member_of_another_couple_is_not_found(cast, login):
    other = CoupleFactory(practice=cast.practice, primary=cast.stranger)
    foreign = CareTeamMember.objects.get(couple=other)
    url = reverse("clinic:care-team-end", args=[cast.couple.pk, foreign.pk])
    assert login(cast.therapist).post(url, {"end_date": today().isoformat()}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.end_date is None


def test_last_day_before_the_start_is_refused(cast, login):
    member = membership(cast, cast.co_therapist)
    response = login(cast.therapist).post(end_url(member), {"end_date": "2019-12-31"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The last day cannot be before they joined the care team (1 January 2020)." in html
    assert f'id="id_end_{member.pk.hex}_end_date_error"' in html
    member.refresh_from_db()
    assert member.end_date is None


def test_therapist_who_ends_their_own_place_returns_to_their_list(cast, login):
    member = membership(cast, cast.therapist)
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    response = login(cast.therapist).post(end_url(member), {"end_date": yesterday, "successor": cast.co_therapist.pk,
                                                            "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("clinic:couple-list")


def test_ending_ones_own_primary_role_asks_for_a_successor_and_a_confirmation(cast, login):
    member = membership(cast, cast.therapist)
    client = login(cast.therapist)
    page = client.get(team_url(cast.couple)).content.decode()
    assert "Hand this couple over" in page and "Who takes over as primary therapist" in page
    assert "Hand over" in client.get(reverse("clinic:couple-administration", args=[cast.couple.pk])).content.decode()
    response = client.post(end_url(member), {"end_date": today().isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose who takes over as primary therapist." in html and "Confirm that you are handing" in html
    member.refresh_from_db()
    assert member.end_date is None
    response = client.post(end_url(member), {"end_date": today().isoformat(), "successor": cast.co_therapist.pk,
                                             "confirm": "on"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.end_date == today()
    tomorrow = today() + datetime.timedelta(days=1)
    successor = CareTeamMember.objects.get(couple=cast.couple, user=cast.co_therapist, role="primary")
    assert successor.start_date == tomorrow and successor.end_date is None
    old_place = CareTeamMember.objects.get(couple=cast.couple, user=cast.co_therapist, role="co_therapist")
    assert old_place.end_date == today()  # a co-therapist until the handover
    assert [m.user for m in CareTeamMember.objects.current(tomorrow).filter(couple=cast.couple, role="primary")] \
        == [cast.co_therapist]


# --- htmx: the section is swapped in place --------------------------------------------------------


def test_htmx_add_returns_the_refreshed_section(cast, login):
    data = {"user": cast.supervisor.pk, "role": "supervisor", "start_date": today().isoformat()}
    response = login(cast.therapist).post(team_url(cast.couple), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="care-team"')
    assert "<html" not in html
    assert f"{cast.supervisor.display_name} added to the care team as supervisor." in html


def test_htmx_validation_error_is_shown_in_the_section(cast, login):
    data = {"user": "", "role": "co_therapist", "start_date": today().isoformat()}
    response = login(cast.manager).post(team_url(cast.couple), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps 2xx answers only
    assert html.lstrip().startswith('<section id="care-team"')
    assert "Clinician: Choose a clinician." in html


def test_htmx_end_of_own_place_redirects_the_browser(cast, login):
    member = membership(cast, cast.therapist)
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    response = login(cast.therapist).post(end_url(member), {"end_date": yesterday, "successor": cast.stranger.pk,
                                                            "confirm": "on"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("clinic:couple-list")


def test_care_team_names_the_supervisor_of_a_supervised_member(cast, login):
    """Supervision is a relation between clinicians, not a care-team row: the care team says who supervises a
    current member (and co-signs their notes), on the care-team page and the case administration page."""
    cast.therapist.refresh_from_db()
    supervisor = cast.therapist.supervisor
    expected = f"Supervised by {supervisor.display_name}, who co-signs their notes"
    for url in (team_url(cast.couple), reverse("clinic:couple-administration", args=[cast.couple.pk])):
        html = login(cast.therapist).get(url).content.decode()
        assert expected in html, url
    # The co-therapist has no supervisor: nothing is said about one.
    assert html.count("Supervised by") == 1


def test_an_ended_member_s_supervisor_is_not_shown(cast, login):
    CareTeamMember.objects.filter(pk=membership(cast, cast.therapist).pk).update(
        start_date=today() - datetime.timedelta(days=30), end_date=today() - datetime.timedelta(days=1))
    html = login(cast.manager).get(team_url(cast.couple)).content.decode()
    assert cast.therapist.get_full_name() in html  # still listed, as a past member
    assert "Supervised by" not in html
