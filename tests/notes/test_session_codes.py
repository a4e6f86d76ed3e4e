"""Issue 11 item 7: service codes follow the session's kind, length and attendance (CPT time rules, cited in
notes.services.sessions.DEFAULT_CODE_RULES); a session that did not take place has none."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from notes.services.sessions import code_for, session_create, session_update
from tests.notes.note_factories import SessionFactory, screen_partners

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("kind", "minutes", "code"), [
    ("individual_a", 15, ""), ("individual_a", 16, "90832"), ("individual_b", 37, "90832"),
    ("individual_a", 38, "90834"), ("individual_a", 52, "90834"), ("individual_b", 53, "90837"),
    ("individual_a", 90, "90837"),
    ("joint", 20, ""), ("joint", 25, ""), ("joint", 26, "90847"), ("joint", 50, "90847"), ("joint", 120, "90847"),
])
def test_the_code_follows_kind_and_length_at_the_cpt_boundaries(kind, minutes, code):
    assert code_for(kind=kind, duration_minutes=minutes) == code


@pytest.fixture
def after_intake(cast):
    """The couple's intake is behind them, so the next session is coded by kind and length."""
    screen_partners(cast.couple)
    SessionFactory(couple=cast.couple, therapist=cast.therapist, service_code="90791",
                   starts_at=timezone.now() - datetime.timedelta(days=30))
    return cast.couple


def test_a_twenty_minute_joint_session_gets_no_code(cast, after_intake):
    session = session_create(couple=after_intake, by=cast.therapist, starts_at=timezone.now() - datetime.timedelta(
        hours=2), duration_minutes=20, kind="joint", attendance="attended")
    assert session.service_code == ""
    session = session_update(session=session, by=cast.therapist, duration_minutes=50)
    assert session.service_code == "90847"


@pytest.mark.parametrize("attendance", ["no_show", "late_cancelled", "cancelled"])
def test_a_session_that_did_not_take_place_has_no_code(cast, after_intake, attendance):
    starts = timezone.now() - datetime.timedelta(hours=2)
    session = session_create(couple=after_intake, by=cast.therapist, starts_at=starts, kind="joint",
                             attendance=attendance, service_code="90847")
    assert session.service_code == ""
    booked = session_create(couple=after_intake, by=cast.therapist, starts_at=starts - datetime.timedelta(days=1),
                            kind="joint", attendance="scheduled")
    assert booked.service_code == "90847"
    booked = session_update(session=booked, by=cast.therapist, attendance=attendance)
    assert booked.service_code == ""


def test_a_suggested_code_follows_a_change_but_a_typed_one_stays(cast, after_intake):
    starts = timezone.now() - datetime.timedelta(hours=2)
    suggested = session_create(couple=after_intake, by=cast.therapist, starts_at=starts, kind="individual_a",
                               duration_minutes=45, attendance="attended")
    assert suggested.service_code == "90834"
    assert session_update(session=suggested, by=cast.therapist, duration_minutes=55).service_code == "90837"
    typed = session_create(couple=after_intake, by=cast.therapist, starts_at=starts - datetime.timedelta(days=2),
                           kind="individual_b", duration_minutes=45, attendance="attended", service_code="90846")
    assert session_update(session=typed, by=cast.therapist, duration_minutes=55).service_code == "90846"


def test_the_first_session_is_the_intake_whatever_its_length(cast):
    screen_partners(cast.couple)
    session = session_create(couple=cast.couple, by=cast.therapist, starts_at=timezone.now() - datetime.timedelta(
        hours=2), duration_minutes=20, kind="joint", attendance="attended")
    assert session.service_code == "90791"
