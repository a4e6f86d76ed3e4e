"""Issue 11 item 7: a session is not dated before the couple's start; it may be booked ahead, but a future
session cannot be recorded as attended or missed. Pages and the API refuse alike (notes.services.sessions)."""

from __future__ import annotations

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from notes.models import Session
from notes.services.sessions import session_create, session_update
from tests.notes.note_factories import SessionFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2024, 3, 6)
BEFORE_START_MESSAGE = "A session's date cannot be before this couple's start date (6 March 2024)"


@pytest.fixture
def couple(cast):
    cast.couple.start_date = START
    cast.couple.save(update_fields=["start_date"])
    return cast.couple


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_a_session_before_the_couples_start_is_refused(cast, couple):
    with pytest.raises(ValidationError) as excinfo:
        session_create(couple=couple, by=cast.therapist, starts_at=at(START - datetime.timedelta(days=1)),
                       kind="individual_a", attendance="attended")
    assert excinfo.value.message_dict["starts_at"][0].startswith(BEFORE_START_MESSAGE)
    session = session_create(couple=couple, by=cast.therapist, starts_at=at(START), kind="individual_a",
                             attendance="attended")
    with pytest.raises(ValidationError) as excinfo:
        session_update(session=session, by=cast.therapist, starts_at=at(datetime.date(2001, 1, 1)))
    assert excinfo.value.message_dict["starts_at"][0].startswith(BEFORE_START_MESSAGE)


def test_a_session_dated_before_a_later_corrected_start_can_still_change_its_attendance(cast, couple):
    """Only a changed date is checked, so an older session stays editable if the start date moves."""
    session = SessionFactory(couple=couple, therapist=cast.therapist, kind="individual_a", attendance="scheduled",
                             starts_at=at(START - datetime.timedelta(days=30)))
    session_update(session=session, by=cast.therapist, attendance="attended")
    assert Session.objects.get().attendance == "attended"


def test_a_session_may_be_booked_ahead_but_not_recorded_as_attended_or_missed(cast, couple):
    ahead = timezone.now() + datetime.timedelta(days=14)
    session = session_create(couple=couple, by=cast.therapist, starts_at=ahead, kind="individual_b")
    assert session.attendance == "scheduled"
    for attendance, words in (("attended", "cannot be marked as having taken place"),
                              ("no_show", "cannot be recorded as missed")):
        with pytest.raises(ValidationError) as excinfo:
            session_update(session=session, by=cast.therapist, attendance=attendance)
        assert words in excinfo.value.message_dict["attendance"][0]
    session_update(session=session, by=cast.therapist, attendance="late_cancelled")  # cancelled late: ahead


def test_the_session_page_and_api_refuse_a_date_before_the_start(cast, couple, login):
    client = login(cast.therapist)
    response = client.post(reverse("notes:session-create", args=[couple.pk]), {
        "date": "2024-03-05", "time": "10:00", "duration_minutes": "50", "modality": "in_person",
        "kind": "individual_a", "attendance": "attended", "service_code": ""})
    assert response.status_code == 400
    assert BEFORE_START_MESSAGE in html.unescape(response.content.decode())
    response = client.post(reverse("couple-session-list", args=[couple.pk]), {
        "starts_at": at(datetime.date(2024, 3, 5)).isoformat(), "kind": "individual_a", "attendance": "attended",
    }, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["starts_at"][0].startswith(BEFORE_START_MESSAGE)
    assert not Session.objects.exists()
