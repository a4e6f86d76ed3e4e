"""A client's identity and contact details page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import Client
from clinic.selectors.clients import find_clients_by_name

pytestmark = pytest.mark.django_db


def client_url(cast):
    return reverse("clinic:client-edit", args=[cast.couple.partner_a.client.pk])


def form_data(client, **overrides):
    data = {
        "first_name": client.first_name, "last_name": client.last_name, "preferred_name": "", "pronouns": "",
        "date_of_birth": client.date_of_birth.isoformat() if client.date_of_birth else "",
        "email": "", "phone": "", "address": "", "emergency_contact_name": "", "emergency_contact_phone": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 200), ("co_therapist", 200), ("supervisor", 404), ("stranger", 404), ("outsider", 404),
    ("manager", 403), ("admin", 403),
])
def test_client_edit_page_by_role(cast, login, role, status):
    response = login(getattr(cast, role)).get(client_url(cast))
    assert response.status_code == status
    assert (cast.couple.partner_a.client.last_name in response.content.decode()) is (status == 200)


def test_anonymous_cannot_open_client_edit(cast, client):
    response = client.get(client_url(cast))
    assert response.status_code == 302 and response["Location"].startswith(reverse("clinic:login"))


@pytest.mark.parametrize(("role", "status"), [
    ("supervisor", 404), ("stranger", 404), ("outsider", 404), ("manager", 403), ("admin", 403),
])
def test_refused_roles_cannot_change_a_client(cast, login, role, status):
    target = cast.couple.partner_a.client
    response = login(getattr(cast, role)).post(client_url(cast), form_data(target, last_name="Changed"))
    assert response.status_code == status
    assert Client.objects.get(pk=target.pk).last_name == target.last_name


def test_opening_the_page_is_audited(cast, login):
    login(cast.therapist).get(client_url(cast))
    event = AuditEvent.objects.get(action="client.view")
    assert event.object_id == str(cast.couple.partner_a.client.pk) and event.detail == {}


def test_co_therapist_can_change_contact_details_and_name(cast, login):
    target = cast.couple.partner_a.client
    data = form_data(target, last_name="Nørgaard", email="new@example.org", phone="07700 900555",
                     address="1 Quay Street", emergency_contact_name="Kim", emergency_contact_phone="07700 900556")
    response = login(cast.co_therapist).post(client_url(cast), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:couple-administration", args=[cast.couple.pk])
    fresh = Client.objects.get(pk=target.pk)
    assert (fresh.last_name, fresh.email, fresh.address, fresh.emergency_contact_name) == (
        "Nørgaard", "new@example.org", "1 Quay Street", "Kim")
    assert [c.pk for c in find_clients_by_name(practice_id=cast.practice.pk, name="NØRGAARD")] == [target.pk]
    event = AuditEvent.objects.get(action="client.update")
    assert "last_name" in event.detail["fields"] and "Nørgaard" not in str(event.detail)


def test_renamed_client_is_found_by_the_new_name(cast, login):
    target = cast.couple.partner_a.client
    login(cast.therapist).post(client_url(cast), form_data(target, first_name="Zoë", last_name="Ashby"))
    html = login(cast.therapist).post(reverse("clinic:couple-list"), {"name": "zoe ashby"}).content.decode()
    assert cast.couple.reference in html


def test_missing_last_name_future_birth_date_and_bad_email_are_refused(cast, login):
    target = cast.couple.partner_a.client
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    html = login(cast.therapist).post(
        client_url(cast), form_data(target, last_name="", date_of_birth=tomorrow, email="nope")
    ).content.decode()
    assert "There are 3 problems" in html
    assert '<a href="#id_last_name">Last name: Enter the last name.</a>' in html
    assert "Date of birth: The date of birth cannot be in the future." in html
    assert "Email: Enter an email address like name@example.org." in html
    assert Client.objects.get(pk=target.pk).last_name == target.last_name


def test_labels_for_every_field(cast, login):
    html = login(cast.therapist).get(client_url(cast)).content.decode()
    for name in ("first_name", "last_name", "preferred_name", "pronouns", "date_of_birth", "email", "phone",
                 "address", "emergency_contact_name", "emergency_contact_phone"):
        assert f'<label for="id_{name}">' in html
