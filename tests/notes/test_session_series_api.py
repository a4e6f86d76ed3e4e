"""/api/v1/ recurring sessions: make a series (every occurrence through the single-session rules), read it with its
occurrences, end it; each session says which series it belongs to. Same rules and messages as the calendar's form."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from notes.models import Attendance, Session, SessionSeries
from tests.notes.note_factories import NoteFactory, screen_partners

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def series_url(cast):
    return reverse("couple-session-series-list", args=[cast.couple.pk])


def next_week_at_five(cast) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(cast.couple.practice.time_zone)
    day = timezone.localdate() + datetime.timedelta(days=7)
    return datetime.datetime.combine(day, datetime.time(17, 0), tzinfo=zone)


def test_therapist_makes_a_weekly_series_of_four(cast, login):
    screen_partners(cast.couple)
    first = next_week_at_five(cast)
    response = post(login(cast.therapist), series_url(cast), {
        "starts_at": first.isoformat(), "repeat": 1, "repeat_count": 4, "kind": "joint", "modality": "video"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["repeat"], body["repeat_count"], body["repeat_until"], body["ended_at"]) == (1, 4, None, None)
    starts = [datetime.datetime.fromisoformat(s["starts_at"]) for s in body["sessions"]]
    assert len(starts) == 4 and all(s["series"] == body["id"] for s in body["sessions"])
    zone = zoneinfo.ZoneInfo(cast.couple.practice.time_zone)
    # Each a week after the one before, at 17:00 local time (daylight-saving changes keep the wall time).
    assert [s.astimezone(zone).date() - first.date() for s in starts] == [datetime.timedelta(weeks=n) for n in range(4)]
    assert {s.astimezone(zone).time() for s in starts} == {datetime.time(17, 0)}
    assert {s["attendance"] for s in body["sessions"]} == {Attendance.SCHEDULED}
    assert AuditEvent.objects.filter(action="session_series.create", object_id=body["id"]).exists()
    # A single session's answer names its series too.
    one = login(cast.therapist).get(reverse("session-detail", args=[body["sessions"][1]["id"]])).json()
    assert one["series"] == body["id"]


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"repeat_count": 4, "repeat_until": "2099-01-01"}, "repeat_until", "not both"),
    ({}, "repeat_until", "last day or a number"),
    ({"repeat_count": 60}, "repeat_count", "from 2 to 52"),
    ({"repeat": 3, "repeat_count": 4}, "repeat", "allowed values"),
])
def test_a_series_without_a_clear_end_is_refused_with_the_field_named(cast, login, extra, field, words):
    screen_partners(cast.couple)
    data = {"starts_at": next_week_at_five(cast).isoformat(), "repeat": 1, **extra}
    response = post(login(cast.therapist), series_url(cast), data)
    assert response.status_code == 400
    assert words in str(response.json()), response.json()
    assert field in str(response.json())
    assert not SessionSeries.objects.exists() and not Session.objects.exists()


def test_one_refused_occurrence_records_none(cast, login):
    """A joint series before both partners' IPV screens: every occurrence or none."""
    response = post(login(cast.therapist), series_url(cast), {
        "starts_at": next_week_at_five(cast).isoformat(), "repeat": 2, "repeat_count": 3, "kind": "joint"})
    assert response.status_code == 400
    assert not SessionSeries.objects.exists() and not Session.objects.exists()


def test_ending_a_series_keeps_what_was_documented(cast, login):
    screen_partners(cast.couple)
    client = login(cast.therapist)
    body = post(client, series_url(cast), {"starts_at": next_week_at_five(cast).isoformat(), "repeat": 1,
                                           "repeat_count": 4}).json()
    ids = [s["id"] for s in body["sessions"]]
    NoteFactory(session=Session.objects.get(pk=ids[3]))  # a note on the last one: it stays
    response = post(client, reverse("session-series-end", args=[body["id"]]),
                    {"since": body["sessions"][1]["starts_at"]})
    assert response.status_code == 200, response.json()
    ended = response.json()
    assert ended["removed"] == 2 and ended["series"]["ended_at"] is not None
    assert [s["id"] for s in ended["series"]["sessions"]] == [ids[0], ids[3]]
    assert client.get(reverse("session-series-detail", args=[body["id"]])).json()["sessions"] == \
        ended["series"]["sessions"]


def test_supervisor_reads_a_series_but_cannot_make_or_end_one(cast, login):
    screen_partners(cast.couple)
    body = post(login(cast.therapist), series_url(cast), {"starts_at": next_week_at_five(cast).isoformat(),
                                                          "repeat": 1, "repeat_count": 2}).json()
    supervisor = login(cast.supervisor)
    assert supervisor.get(reverse("session-series-detail", args=[body["id"]])).status_code == 200
    assert post(supervisor, reverse("session-series-end", args=[body["id"]]), {}).status_code == 404
    assert post(supervisor, series_url(cast), {}).status_code == 404
    assert Session.objects.filter(series_id=body["id"]).count() == 2


def test_ending_a_series_twice_keeps_the_first_end(cast, login):
    screen_partners(cast.couple)
    client = login(cast.therapist)
    body = post(client, series_url(cast), {"starts_at": next_week_at_five(cast).isoformat(), "repeat": 1,
                                           "repeat_count": 2}).json()
    first = post(client, reverse("session-series-end", args=[body["id"]]), {}).json()
    again = post(client, reverse("session-series-end", args=[body["id"]]), {}).json()
    assert (first["removed"], again["removed"]) == (2, 0)
    assert again["series"]["ended_at"] == first["series"]["ended_at"]
