"""Write services of the practice core used by the couple pages (clinic.services.couples)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import CareTeamMember, Client, Couple
from clinic.selectors.clients import find_clients_by_name
from clinic.services import couples as services
from tests.clinic.discharge_support import DISCHARGE
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

PRIYA = {"first_name": "Priya", "last_name": "Raman", "date_of_birth": datetime.date(1985, 3, 2)}
TOM = {"first_name": "Tomás", "last_name": "Ó Briain", "email": "tom@example.org"}


def test_therapist_can_register_a_couple_in_one_go(cast):
    created = services.couple_register(by=cast.stranger, partner_a=PRIYA, partner_b=TOM,
                                       presenting_concerns="Trust issues.", confidentiality="no_secrets")
    couple = Couple.objects.get(pk=created.couple.pk)
    assert couple.partner_a.client.full_name == "Priya Raman"
    assert couple.partner_b.client.email == "tom@example.org"
    assert CareTeamMember.objects.get(couple=couple).user == cast.stranger
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions[-3:] == ["client.create", "client.create", "couple.create"]
    assert [c.pk for c in find_clients_by_name(practice_id=cast.practice.pk, name="o briain")] == [
        created.partner_b.client_id]


def test_registration_is_all_or_nothing(cast):
    clients_before, events_before = Client.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.couple_register(by=cast.manager, partner_a=PRIYA, partner_b=TOM)  # managers cannot open cases
    assert Client.objects.count() == clients_before
    assert AuditEvent.objects.count() == events_before


def test_invalid_second_partner_leaves_no_first_partner(cast):
    with pytest.raises(ValidationError):
        services.couple_register(by=cast.therapist, partner_a=PRIYA, partner_b={"first_name": "Tom"})
    assert Client.objects.count() == 2  # the cast couple's only


def test_same_client_twice_is_refused(cast):
    client = ClientFactory(practice=cast.practice)
    with pytest.raises(ValidationError, match="two partners must be different people"):
        services.couple_create(by=cast.therapist, partner_a=client, partner_b=client)


def test_stale_update_raises_and_writes_nothing(cast):
    couple = Couple.objects.get(pk=cast.couple.pk)
    services.couple_update(couple=couple, by=cast.therapist, base_version=1, status="on_hold")
    stale = Couple.objects.get(pk=cast.couple.pk)
    stale.version = 1
    with pytest.raises(services.StaleVersion) as raised:
        services.couple_update(couple=stale, by=cast.co_therapist, base_version=1, presenting_concerns="Mine")
    assert raised.value.current_version == 2
    fresh = Couple.objects.get(pk=cast.couple.pk)
    assert fresh.presenting_concerns.startswith("Trust ruptured") and fresh.version == 2


def test_update_works_when_the_creator_is_unknown(cast):
    # created_by is null for factory-made records and once the creating user is deleted (SET_NULL).
    assert cast.couple.created_by_id is None
    couple = services.couple_update(couple=Couple.objects.get(pk=cast.couple.pk), by=cast.therapist,
                                    base_version=1, status="discharged", discharge=DISCHARGE)
    assert couple.end_date == timezone.localdate() and couple.version == 2
    client = cast.couple.partner_a.client
    assert client.created_by_id is None
    services.client_update(client=client, by=cast.therapist, phone="07700 900999")
    assert Client.objects.get(pk=client.pk).phone == "07700 900999"


def test_end_before_start_is_refused_by_the_model(cast):
    couple = Couple.objects.get(pk=cast.couple.pk)
    with pytest.raises(ValidationError):
        services.couple_update(couple=couple, by=cast.therapist, base_version=1,
                               end_date=couple.start_date - datetime.timedelta(days=1))
    assert Couple.objects.get(pk=cast.couple.pk).end_date is None


def test_screen_result_needs_a_date(cast):
    partner = Couple.objects.get(pk=cast.couple.pk).partner_a
    with pytest.raises(ValidationError) as raised:
        services.partner_update(partner=partner, by=cast.therapist, ipv_result="concern")
    assert raised.value.message_dict == {"ipv_screened_on": ["Give the date the screen was done."]}


def test_someone_already_on_the_team_cannot_be_added_again(cast):
    with pytest.raises(ValidationError, match="already on the care team"):
        services.care_team_add(couple=cast.couple, user=cast.co_therapist, role="co_therapist", by=cast.manager)


def test_non_clinician_cannot_join_a_care_team(cast):
    with pytest.raises(ValidationError, match="active therapist or supervisor"):
        services.care_team_add(couple=cast.couple, user=cast.manager, role="co_therapist", by=cast.manager)
