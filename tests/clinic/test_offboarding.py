"""Deactivating a clinician: their couples, care-team places, supervisees and unsigned work are listed, and
handed over (or explicitly left unassigned, which the practice overview then shows)."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import CareRole, CareTeamMember, User
from clinic.services.offboarding import SUPERVISEES_MESSAGE, UNASSIGNED_MESSAGE
from tests.factories import TEST_PASSWORD, CoupleFactory, UserFactory
from tests.notes.note_factories import NoteFactory, SessionFactory

pytestmark = pytest.mark.django_db


def url(user) -> str:
    return reverse("clinic:user-deactivate", args=[user.pk])


def primary_of(couple) -> User | None:
    member = CareTeamMember.objects.current().filter(couple=couple, role=CareRole.PRIMARY).first()
    return member.user if member else None


def test_the_page_lists_couples_roles_supervisees_and_drafts(cast, login):
    second = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    CareTeamMember.objects.create(couple=CoupleFactory(practice=cast.practice, primary=cast.stranger),
                                  user=cast.therapist, role=CareRole.CO_THERAPIST, start_date=timezone.localdate())
    NoteFactory(session=SessionFactory(couple=cast.couple, therapist=cast.therapist))
    supervisee = UserFactory(practice=cast.practice, supervisor=cast.therapist, role="therapist")
    html = unescape(login(cast.admin).get(url(cast.therapist)).content.decode())
    assert "Couples they are primary therapist of (2)" in html
    assert f"Couple {cast.couple.reference}" in html and f"Couple {second.reference}" in html
    assert "Other care-team places (1)" in html and "co-therapist" in html
    assert "Their supervisees (1)" in html and supervisee.display_name in html
    assert "Their draft notes (1)" in html and cast.couple.reference in html
    assert cast.couple.partner_a.client.last_name not in html  # references only


def test_deactivating_without_a_successor_is_refused_until_left_unassigned(cast, login):
    client = login(cast.admin)
    response = client.post(url(cast.therapist), {"secret": TEST_PASSWORD})
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert UNASSIGNED_MESSAGE in html and SUPERVISEES_MESSAGE not in html  # the therapist supervises nobody
    cast.therapist.refresh_from_db()
    assert cast.therapist.is_active and primary_of(cast.couple) == cast.therapist
    assert not AuditEvent.objects.filter(action="user.deactivate").exists()

    response = client.post(url(cast.therapist), {"leave_unassigned": "on", "secret": TEST_PASSWORD})
    assert response.status_code == 302
    cast.therapist.refresh_from_db()
    assert not cast.therapist.is_active and primary_of(cast.couple) is None
    ended = CareTeamMember.objects.get(couple=cast.couple, user=cast.therapist)
    assert ended.end_date == max(timezone.localdate(), ended.start_date)
    event = AuditEvent.objects.get(action="user.offboard")
    assert event.detail == {"reassigned": 0, "left_unassigned": 1, "roles_ended": 1, "supervisees_moved": 0,
                            "supervisees_left": 0}
    # The practice overview shows the couple as needing a primary therapist
    manager = login(cast.manager)
    for page in (reverse("clinic:practice-home"), reverse("reports:practice-report")):
        html = manager.get(page).content.decode()
        assert "Couples without a primary therapist (1)" in html and cast.couple.reference in html, page
        assert "#}" not in html


def test_a_co_therapist_chosen_for_all_becomes_the_primary_therapist(cast, login):
    other = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    response = login(cast.admin).post(url(cast.therapist), {"all_successor": str(cast.co_therapist.pk),
                                                            f"successor_{other.pk.hex}": str(cast.stranger.pk),
                                                            "secret": TEST_PASSWORD})
    assert response.status_code == 302
    assert primary_of(cast.couple) == cast.co_therapist  # for all
    assert primary_of(other) == cast.stranger  # the per-couple choice wins
    team = CareTeamMember.objects.current().filter(couple=cast.couple, user=cast.co_therapist)
    assert [member.role for member in team] == [CareRole.PRIMARY]  # no longer also co-therapist
    overview = login(cast.manager).get(reverse("clinic:practice-home")).content.decode()
    assert "Couples without a primary therapist" not in overview


def test_a_supervisors_supervisees_move_to_the_chosen_supervisor(cast, login):
    successor = UserFactory(practice=cast.practice, role="supervisor", username="nina.newsupervisor")
    client = login(cast.admin)
    response = client.post(url(cast.supervisor), {"secret": TEST_PASSWORD})
    assert response.status_code == 400 and SUPERVISEES_MESSAGE in unescape(response.content.decode())
    response = client.post(url(cast.supervisor), {"supervisor": str(successor.pk), "secret": TEST_PASSWORD})
    assert response.status_code == 302
    cast.therapist.refresh_from_db()
    assert cast.therapist.supervisor == successor
    assert AuditEvent.objects.get(action="user.offboard").detail["supervisees_moved"] == 1


def test_a_successor_must_be_an_active_clinician_of_the_practice(cast, login):
    response = login(cast.admin).post(url(cast.therapist), {"all_successor": str(cast.outsider.pk),
                                                            "secret": TEST_PASSWORD})
    assert response.status_code == 400
    cast.therapist.refresh_from_db()
    assert cast.therapist.is_active
