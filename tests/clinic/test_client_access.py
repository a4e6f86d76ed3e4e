"""Client identity follows the care team (issue 16, item 7): a client's name, date of birth and contact details
are readable and editable only by staff who may read one of the client's couples now. The clinician who
registered a client keeps access of their own only while the client is in no couple yet."""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import CareTeamMember, Client
from clinic.services.couples import care_team_end
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(cast) -> Client:
    """Partner a of the cast's couple, registered by the couple's primary therapist."""
    client = cast.couple.partner_a.client
    Client.objects.filter(pk=client.pk).update(created_by=cast.therapist)
    return client


def leave_case(cast, user) -> None:
    """End `user`'s care-team place on the cast's couple as of yesterday."""
    member = CareTeamMember.objects.get(couple=cast.couple, user=user)
    care_team_end(member=member, by=cast.manager, end_date=timezone.localdate() - datetime.timedelta(days=1))


def denied(client_record: Client, user) -> bool:
    return AuditEvent.objects.filter(action="access.denied", object_id=str(client_record.pk), actor_id=user.pk,
                                     outcome=AuditEvent.Outcome.DENIED).exists()


def test_registering_therapist_reads_and_edits_while_on_the_care_team(cast, login, registered):
    api = login(cast.therapist)
    assert api.get(reverse("client-detail", args=[registered.pk])).status_code == 200
    assert api.get(reverse("clinic:client-edit", args=[registered.pk])).status_code == 200


def test_registering_therapist_who_left_the_case_cannot_read_the_client_by_api(cast, login, registered):
    leave_case(cast, cast.therapist)
    api = login(cast.therapist)
    response = api.get(reverse("client-detail", args=[registered.pk]))
    assert response.status_code == 404
    assert registered.last_name not in response.content.decode()
    assert denied(registered, cast.therapist)


def test_registering_therapist_who_left_the_case_cannot_edit_the_client(cast, login, registered):
    leave_case(cast, cast.therapist)
    api = login(cast.therapist)
    response = api.patch(reverse("client-detail", args=[registered.pk]), data=json.dumps({"phone": "0123"}),
                         content_type="application/json")
    assert response.status_code == 404
    page = api.get(reverse("clinic:client-edit", args=[registered.pk]))
    assert page.status_code == 404 and registered.last_name not in page.content.decode()
    posted = api.post(reverse("clinic:client-edit", args=[registered.pk]), {"first_name": "X", "last_name": "Y"})
    assert posted.status_code == 404
    registered.refresh_from_db()
    assert registered.phone == "" and registered.first_name != "X"


def test_registering_therapist_who_left_the_case_no_longer_lists_or_finds_the_client(cast, login, registered):
    leave_case(cast, cast.therapist)
    api = login(cast.therapist)
    listed = api.get(reverse("client-list")).json()
    assert str(registered.pk) not in {row["id"] for row in listed["results"]}
    found = api.get(reverse("client-list"), {"name": registered.last_name}).json()
    assert found["count"] == 0


def test_co_therapist_still_on_the_case_keeps_access_after_the_registering_therapist_left(cast, login, registered):
    leave_case(cast, cast.therapist)
    api = login(cast.co_therapist)
    assert api.get(reverse("client-detail", args=[registered.pk])).status_code == 200
    assert api.get(reverse("clinic:client-edit", args=[registered.pk])).status_code == 200


def test_supervisor_reads_but_cannot_edit_a_supervisees_client(cast, login, registered):
    api = login(cast.supervisor)
    assert api.get(reverse("client-detail", args=[registered.pk])).status_code == 200
    assert api.patch(reverse("client-detail", args=[registered.pk]), data=json.dumps({"phone": "1"}),
                     content_type="application/json").status_code == 404


def test_registering_clinician_keeps_a_client_without_couple_and_loses_them_to_the_care_team(cast, login):
    """A client with no couple yet belongs to whoever registered them; once they join a couple, the couple's
    care team decides (here: a couple the registering stranger is not on)."""
    alone = ClientFactory(practice=cast.practice, created_by=cast.stranger)
    api = login(cast.stranger)
    assert api.get(reverse("client-detail", args=[alone.pk])).status_code == 200
    assert api.get(reverse("clinic:client-edit", args=[alone.pk])).status_code == 200
    assert str(alone.pk) in {row["id"] for row in api.get(reverse("client-list")).json()["results"]}
    cast.couple.partners.filter(position="b").update(client=alone)
    assert api.get(reverse("client-detail", args=[alone.pk])).status_code == 404
    assert api.get(reverse("clinic:client-edit", args=[alone.pk])).status_code == 404
    assert str(alone.pk) not in {row["id"] for row in api.get(reverse("client-list")).json()["results"]}


def test_deactivated_clinician_has_no_client(cast, registered):
    cast.therapist.is_active = False
    cast.therapist.save(update_fields=["is_active"])
    assert not Client.objects.visible_to(cast.therapist).exists()
    assert not Client.objects.editable_by(cast.therapist).exists()
