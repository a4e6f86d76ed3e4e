"""The private iCalendar feed: made and revoked by its owner, references only, RFC 5545 text, 404 once revoked
or once the owner can no longer see the couple."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import Client
from notes import ical
from notes.models import CalendarFeed
from notes.services.calendar_feed import calendar_feed_issue, calendar_feed_revoke
from tests.notes.note_factories import NoteFactory, SessionFactory

pytestmark = pytest.mark.django_db
FEED = reverse("notes:calendar-feed")
SETTINGS = reverse("notes:calendar-feed-settings")


def unfold(text: str) -> list[str]:
    """RFC 5545 3.1: a CRLF followed by a space or tab continues the previous line."""
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")


def parse(text: str) -> list[dict[str, str]]:
    """The VEVENTs as {property name: value} (parameters dropped), checking the nesting on the way."""
    events, current, depth = [], None, []
    for line in unfold(text):
        if not line:
            continue
        name, _, value = line.partition(":")
        name = name.split(";")[0]
        if name == "BEGIN":
            depth.append(value)
            if value == "VEVENT":
                current = {}
        elif name == "END":
            assert depth.pop() == value
            if value == "VEVENT":
                events.append(current)
                current = None
        elif current is not None:
            current[name] = value
    assert depth == []
    return events


def feed_of(client, token: str, status: int = 200):
    response = client.get(FEED, {"token": token})
    assert response.status_code == status
    return response


def test_the_feed_lists_references_kinds_and_times_only(cast, client):
    soon = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=3)
    joint = SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=soon, attendance="scheduled",
                           service_code="")
    held = SessionFactory(couple=cast.couple, therapist=cast.therapist, kind="individual_b",
                          starts_at=soon - datetime.timedelta(days=10))
    NoteFactory(session=held)
    SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance="cancelled", service_code="",
                   starts_at=soon + datetime.timedelta(days=7))
    SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=soon - datetime.timedelta(days=40))
    SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance="scheduled",
                   starts_at=soon + datetime.timedelta(days=200))
    SessionFactory(couple=cast.couple, therapist=cast.co_therapist, starts_at=soon)  # not the owner's
    token = calendar_feed_issue(user=cast.therapist)
    response = feed_of(client, token)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    events = parse(text)
    assert len(events) == 3  # 30 days back to 180 ahead, the owner's only
    first = next(e for e in events if e["UID"] == f"session-{joint.pk}@{e['UID'].split('@')[1]}")
    assert first["SUMMARY"] == f"Session {cast.couple.reference} (joint)"
    assert first["DTSTART"] == soon.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert first["DTEND"] == (soon + datetime.timedelta(minutes=50)).astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert first["STATUS"] == "CONFIRMED" and re.fullmatch(r"\d{8}T\d{6}Z", first["DTSTAMP"])
    assert [e["STATUS"] for e in events].count("CANCELLED") == 1
    assert any(e["SUMMARY"].endswith("(individual\\, partner B)") for e in events)
    # No names, no clinical text.
    for client_row in Client.objects.filter(partnerships__couple=cast.couple):
        for name in (client_row.first_name, client_row.last_name):
            assert name not in text
    assert "Trust ruptured" not in text and "Subjective" not in text


def test_long_lines_are_folded_at_75_octets():
    line = "SUMMARY:" + "Séance " * 30
    folded = ical.fold(line)
    physical = folded.split("\r\n")
    assert len(physical) > 1 and all(len(part.encode()) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert re.sub(r"\r\n ", "", folded) == line


def test_text_values_are_escaped():
    assert ical.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 500])
def test_a_wrong_token_is_404(cast, client, token):
    calendar_feed_issue(user=cast.therapist)
    feed_of(client, token, 404)


def test_a_revoked_or_replaced_token_is_404(cast, client):
    first = calendar_feed_issue(user=cast.therapist)
    second = calendar_feed_issue(user=cast.therapist)
    feed_of(client, first, 404)
    feed_of(client, second, 200)
    calendar_feed_revoke(user=cast.therapist)
    feed_of(client, second, 404)


def test_only_a_digest_is_stored_and_the_token_is_never_audited(cast):
    token = calendar_feed_issue(user=cast.therapist)
    feed = CalendarFeed.objects.get()
    assert feed.digest != token and len(feed.digest) == 64
    calendar_feed_revoke(user=cast.therapist)
    events = AuditEvent.objects.filter(action__startswith="calendar_feed.")
    assert sorted(events.values_list("action", flat=True)) == ["calendar_feed.issue", "calendar_feed.revoke"]
    assert all(token not in str(event.detail) for event in events)


def test_a_deactivated_owner_gets_nothing(cast, client):
    token = calendar_feed_issue(user=cast.therapist)
    cast.therapist.is_active = False
    cast.therapist.save()
    feed_of(client, token, 404)


def test_a_couple_the_owner_left_drops_out_at_once(cast, client):
    from clinic.services.couples import care_team_end

    SessionFactory(couple=cast.couple, therapist=cast.co_therapist, attendance="scheduled", service_code="",
                   starts_at=timezone.now() + datetime.timedelta(days=2))
    token = calendar_feed_issue(user=cast.co_therapist)
    assert len(parse(feed_of(client, token).content.decode())) == 1
    care_team_end(member=cast.couple.care_team.get(user=cast.co_therapist), by=cast.therapist,
                  end_date=timezone.localdate() - datetime.timedelta(days=1))
    assert parse(feed_of(client, token).content.decode()) == []


# --- The settings page ----------------------------------------------------------------------------------


def test_making_a_feed_shows_its_address_once(cast, login):
    client = login(cast.therapist)
    response = client.post(SETTINGS, {"action": "issue"})
    body = response.content.decode()
    assert response.status_code == 200 and response["Referrer-Policy"] == "no-referrer"
    url = re.search(r'id="feed-url"[^>]*value="([^"]+)"', body).group(1).replace("&amp;", "&")
    token = url.split("token=")[1]
    assert feed_of(client, token).status_code == 200
    assert token not in client.get(SETTINGS).content.decode()


def test_revoking_from_the_page(cast, login):
    client = login(cast.therapist)
    token = calendar_feed_issue(user=cast.therapist)
    response = client.post(SETTINGS, {"action": "revoke"})
    assert response.status_code == 302 and not CalendarFeed.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Your calendar feed address was revoked; calendar apps using it will stop updating." in page
    feed_of(client, token, 404)


def test_making_and_replacing_a_feed_say_so(cast, login):
    client = login(cast.therapist)
    assert "Your calendar feed address was made" in client.post(SETTINGS, {"action": "issue"}).content.decode()
    again = client.post(SETTINGS, {"action": "issue"}).content.decode()
    assert "Your new calendar feed address is below; the earlier one stopped working." in again


def test_an_unknown_action_is_400(cast, login):
    response = login(cast.therapist).post(SETTINGS, {"action": "share"})
    assert response.status_code == 400 and "Choose to make or revoke" in response.content.decode()


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_cannot_make_a_feed(cast, login, role):
    assert login(getattr(cast, role)).post(SETTINGS, {"action": "issue"}).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_a_feed_asked_for_too_often_is_refused_for_the_hour_with_retry_after(cast, client, settings):
    settings.RAPPORT_FEED_REQUESTS_PER_HOUR = 3
    token = calendar_feed_issue(user=cast.therapist)
    for _ in range(3):
        feed_of(client, token)
    refused = feed_of(client, token, status=429)
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "Too many requests" in refused.content.decode() and "BEGIN:VCALENDAR" not in refused.content.decode()
    # Another clinician's feed is counted apart.
    feed_of(client, calendar_feed_issue(user=cast.co_therapist))



def test_wrong_addresses_are_not_limited_per_ip_address(cast, client, settings):
    """Behind a proxy every request has its address: a per-address limit on wrong tokens would stop every feed."""
    settings.RAPPORT_FEED_REQUESTS_PER_HOUR = 3
    token = calendar_feed_issue(user=cast.therapist)
    for n in range(10):
        feed_of(client, f"guess-{n}", status=404)
    feed_of(client, token)

def test_the_counts_name_no_token(cast, client, settings):
    from django.core.cache import cache

    token = calendar_feed_issue(user=cast.therapist)
    feed_of(client, token)
    feed_of(client, "a-wrong-token", status=404)
    keys = list(cache._cache.keys())  # the test settings' per-process memory cache
    assert keys and not any(token in key or "a-wrong-token" in key for key in keys)
