"""factory_boy factories for the practice core. Text is invented; names come from a small pool."""

from __future__ import annotations

import datetime

import factory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import CareTeamMember, Client, Couple, Partner, Practice, User
from keys.blind_index import blind_index

TEST_PASSWORD = "correct horse battery staple 42"


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = "Harbour Couples Counselling"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    practice = factory.SubFactory(PracticeFactory)
    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = "therapist"
    password = factory.django.Password(TEST_PASSWORD)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    practice = factory.SubFactory(PracticeFactory)
    first_name = factory.Iterator(["Alex", "Jordan", "Sam", "Robin", "Avery", "Morgan", "Riley", "Quinn"])
    last_name = factory.Iterator(["Okafor", "Lindqvist", "Moreau", "Tanaka", "Byrne", "Haddad", "Novak"])
    date_of_birth = datetime.date(1988, 4, 12)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        client = model_class(*args, **kwargs)
        client.name_index = blind_index(client.practice_id, client.full_name)
        client.last_name_index = blind_index(client.practice_id, client.last_name)
        client.save()
        return client


class CoupleFactory(factory.django.DjangoModelFactory):
    """A couple with two partners and a care team (primary, optional co-therapist)."""

    class Meta:
        model = Couple
        skip_postgeneration_save = True

    practice = factory.SubFactory(PracticeFactory)
    reference = factory.Sequence(lambda n: f"C-{n + 1:04d}")
    status = "active"
    # In care since 2020, like their care team: tests date sessions, measures and logs in the past, and no
    # record may predate the couple's start (clinic.services.record_dates).
    start_date = datetime.date(2020, 1, 1)
    presenting_concerns = "Trust ruptured after a disclosed affair; frequent checking of phone."

    @factory.post_generation
    def partners(self, create, extracted, **kwargs):
        if not create:
            return
        for position in ("a", "b"):
            Partner.objects.create(couple=self, client=ClientFactory(practice=self.practice), position=position)

    @factory.post_generation
    def primary(self, create, extracted, **kwargs):
        if create and extracted is not None:
            CareTeamMember.objects.create(couple=self, user=extracted, role="primary",
                                          start_date=datetime.date(2020, 1, 1))

    @factory.post_generation
    def co_therapist(self, create, extracted, **kwargs):
        if create and extracted is not None:
            CareTeamMember.objects.create(couple=self, user=extracted, role="co_therapist",
                                          start_date=datetime.date(2020, 1, 1))


def totp_device_for(user) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="default", defaults={"confirmed": True})
    return device


def sign_in_verified(client, user) -> None:
    """Sign the Django test client in as `user` and mark the session as having passed 2FA."""
    device = totp_device_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
