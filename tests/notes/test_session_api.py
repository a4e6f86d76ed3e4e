"""/api/v1/ sessions: list with filters, create, change with version; same rules as the pages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from notes.models import Session
from tests.notes.note_factories import NoteFactory, SessionFactory, screen_partners, signed_note

pytestmark = pytest.mark.django_db


def api(client, method, url, data=None):
    return getattr(client, method)(url, data, content_type="application/json") if method != "get" else \
        client.get(url, data or {})


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 200), ("co_therapist", 200), ("supervisor", 200), ("stranger", 404), ("outsider", 404),
    ("manager", 403), ("admin", 403),
])
def test_session_list_by_role(cast, login, role, status):
    SessionFactory(couple=cast.couple, therapist=cast.therapist)
    response = login(getattr(cast, role)).get(reverse("couple-session-list", args=[cast.couple.pk]))
    assert response.status_code == status


def test_session_list_filters_and_carries_the_note_status(cast, login):
    now = timezone.now()
    joint = SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=now - datetime.timedelta(days=3))
    note = signed_note(session=joint)
    SessionFactory(couple=cast.couple, therapist=cast.therapist, kind="individual_a", attendance="no_show",
                   starts_at=now - datetime.timedelta(days=20))
    client = login(cast.therapist)
    url = reverse("couple-session-list", args=[cast.couple.pk])
    rows = client.get(url).json()["results"]
    assert [r["kind"] for r in rows] == ["joint", "individual_a"]
    assert rows[0]["note"] == {"id": str(note.pk), "status": note.status, "late_entry": False}
    assert rows[1]["note"] is None
    assert [r["id"] for r in client.get(url, {"attendance": "no_show"}).json()["results"]] == [rows[1]["id"]]
    assert len(client.get(url, {"kind": "joint"}).json()["results"]) == 1
    since = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    assert [r["id"] for r in client.get(url, {"date_from": since}).json()["results"]] == [str(joint.pk)]
    assert client.get(url, {"date_to": since}).json()["count"] == 1
    assert client.get(url, {"kind": "triad"}).status_code == 400


def test_therapist_records_a_session_through_the_api(cast, login):
    screen_partners(cast.couple)
    starts = (timezone.now() - datetime.timedelta(hours=3)).replace(microsecond=0)
    response = api(login(cast.therapist), "post", reverse("couple-session-list", args=[cast.couple.pk]), {
        "starts_at": starts.isoformat(), "kind": "joint", "attendance": "attended", "modality": "video",
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["service_code"] == "90791" and body["therapist"]["id"] == str(cast.therapist.pk)
    assert body["version"] == 1 and body["note"] is None


def test_api_refuses_a_joint_session_before_the_screens_and_a_future_attended_one(cast, login):
    client = login(cast.therapist)
    url = reverse("couple-session-list", args=[cast.couple.pk])
    past = (timezone.now() - datetime.timedelta(hours=3)).isoformat()
    response = api(client, "post", url, {"starts_at": past, "kind": "joint", "attendance": "attended"})
    assert response.status_code == 400
    assert "IPV screens" in response.json()["error"]["fields"]["kind"][0]
    future = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    response = api(client, "post", url, {"starts_at": future, "kind": "individual_a", "attendance": "attended"})
    assert response.status_code == 400
    assert "has not happened yet" in response.json()["error"]["fields"]["attendance"][0]
    assert not Session.objects.exists()


def test_api_session_patch_with_version_and_conflict(cast, login):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance="scheduled",
                             starts_at=timezone.now() + datetime.timedelta(days=1))
    client = login(cast.co_therapist)
    url = reverse("session-detail", args=[session.pk])
    response = api(client, "patch", url, {"version": 1, "modality": "phone"})
    assert response.status_code == 200 and response.json()["version"] == 2
    response = api(client, "patch", url, {"version": 1, "modality": "video"})
    assert response.status_code == 409
    assert response.json()["error"] == {"code": "conflict", "message": response.json()["error"]["message"],
                                        "current_version": 2}
    assert Session.objects.get().modality == "phone"
    assert api(client, "patch", url, {"modality": "video"}).status_code == 400


def test_api_session_with_a_draft_cannot_be_cancelled(cast, login):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    NoteFactory(session=session)
    response = api(login(cast.therapist), "patch", reverse("session-detail", args=[session.pk]),
                   {"version": 1, "attendance": "cancelled"})
    assert response.status_code == 400
    assert "must stay attended" in response.json()["error"]["fields"]["attendance"][0]


def test_supervisor_can_read_but_not_change_a_session(cast, login):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    client = login(cast.supervisor)
    assert client.get(reverse("session-detail", args=[session.pk])).status_code == 200
    response = api(client, "patch", reverse("session-detail", args=[session.pk]), {"version": 1, "modality": "phone"})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(session.pk)).exists()


@pytest.mark.django_db(transaction=True)
def test_session_api_list_query_count_does_not_grow(cast, login, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from keys import keyring

    client = login(cast.therapist)
    url = reverse("couple-session-list", args=[cast.couple.pk])

    def add(count, offset):
        for i in range(count):
            session = SessionFactory(couple=cast.couple, therapist=cast.therapist,
                                     starts_at=timezone.now() - datetime.timedelta(days=2 + offset + i))
            signed_note(session=session) if i % 2 else NoteFactory(session=session)

    add(3, 0)
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(27, 3)
    keyring.clear_cache()
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.json()["count"] == 30
    # session, user, OTP device; couple with partners, clients, care team and users (clinic.access); count and
    # page of sessions with therapist and note; audit event (4; 5 on PostgreSQL with its advisory lock); the
    # session's idle-time save (3).
    assert len(small) <= 17 + (connection.vendor == "postgresql"), len(small)
