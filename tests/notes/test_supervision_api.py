"""/api/v1/supervision/: the review queue, co-sign, return and resubmit, for every role of the cast."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from keys import keyring
from notes.models import NoteStatus, ProgressNote
from notes.services.supervision import note_return
from tests.factories import TEST_PASSWORD, CoupleFactory
from tests.notes.note_factories import SessionFactory, make_addendum, signed_note

pytestmark = pytest.mark.django_db

ROLES = ["therapist", "co_therapist", "stranger", "supervisor", "manager", "admin", "outsider", "anonymous"]
COMMENT = "Please say which objective the homework serves."


@pytest.fixture
def as_role(cast, login, client):
    def _as(role: str):
        return client if role == "anonymous" else login(getattr(cast, role))

    return _as


def awaiting(cast, couple=None, **fields) -> ProgressNote:
    return signed_note(session=SessionFactory(couple=couple or cast.couple, therapist=cast.therapist), **fields)


def post(api, url: str, data: dict | None = None):
    return api.post(url, data=json.dumps(data or {}), content_type="application/json")


def action_url(note: ProgressNote, action: str) -> str:
    return reverse(f"supervision-note-{action}", args=[note.pk])


def refresh(note: ProgressNote) -> ProgressNote:
    return ProgressNote.objects.get(pk=note.pk)


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


# --- Queue ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [
    ("supervisor", 200), ("therapist", 403), ("co_therapist", 403), ("stranger", 403), ("outsider", 403),
    ("manager", 403), ("admin", 403), ("anonymous", 401),
])
def test_review_queue_by_role(cast, as_role, role, status):
    awaiting(cast)
    assert as_role(role).get(reverse("supervision-queue-list")).status_code == status


def test_supervisor_queue_lists_notes_oldest_first_without_content(cast, as_role):
    import datetime

    from django.utils import timezone

    newer = awaiting(cast, signed_at=timezone.now())
    older = awaiting(cast, signed_at=timezone.now() - datetime.timedelta(days=3), late_entry=True)
    signed_note(session=SessionFactory(couple=cast.couple, therapist=cast.co_therapist))  # not a supervisee
    data = as_role("supervisor").get(reverse("supervision-queue-list")).json()
    assert data["count"] == 2
    assert [row["id"] for row in data["results"]] == [str(older.pk), str(newer.pk)]
    row = data["results"][0]
    assert set(row) == {"id", "couple", "couple_reference", "session", "session_starts_at", "session_kind",
                        "author", "signed_at", "late_entry", "status"}
    assert row["couple_reference"] == cast.couple.reference and row["late_entry"] is True
    assert row["author"] == {"id": str(cast.therapist.pk), "name": cast.therapist.display_name}
    assert row["status"] == "awaiting_cosign"


@pytest.mark.django_db(transaction=True)
def test_queue_query_count_does_not_grow(cast, as_role, django_assert_max_num_queries):
    api = as_role("supervisor")
    for _ in range(2):
        awaiting(cast, couple=CoupleFactory(practice=cast.practice, primary=cast.therapist))
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as small:
        assert api.get(reverse("supervision-queue-list")).json()["count"] == 2
    for _ in range(25):
        awaiting(cast, couple=CoupleFactory(practice=cast.practice, primary=cast.therapist))
    keyring.clear_cache()
    with django_assert_max_num_queries(len(small)):
        assert api.get(reverse("supervision-queue-list")).json()["count"] == 27


# --- Co-sign ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 403), ("co_therapist", 403), ("stranger", 404), ("outsider", 404),
    ("manager", 403), ("admin", 403), ("anonymous", 401),
])
def test_only_the_supervisor_can_cosign(cast, as_role, role, status):
    note = awaiting(cast)
    response = post(as_role(role), action_url(note, "cosign"), {"secret": TEST_PASSWORD})
    assert response.status_code == status
    assert refresh(note).status == NoteStatus.AWAITING_COSIGN


def test_supervisor_cosigns_with_their_password(cast, as_role):
    note = awaiting(cast)
    response = post(as_role("supervisor"), action_url(note, "cosign"), {"secret": TEST_PASSWORD})
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "final" and data["cosigned_by"]["id"] == str(cast.supervisor.pk)
    assert data["cosigned_at"] and "secret" not in data
    assert refresh(note).status == NoteStatus.FINAL
    assert AuditEvent.objects.filter(action="note.cosign", object_id=str(note.pk)).exists()


def test_cosign_with_a_wrong_secret_is_400_and_changes_nothing(cast, as_role):
    note = awaiting(cast)
    error = error_of(post(as_role("supervisor"), action_url(note, "cosign"), {"secret": "wrong-guess"}), 400)
    assert error["code"] == "invalid" and "secret" in error["fields"]
    assert "wrong-guess" not in json.dumps(error)
    assert refresh(note).status == NoteStatus.AWAITING_COSIGN
    assert AuditEvent.objects.filter(action="reauth.note_cosign", outcome="failed").exists()


def test_cosign_without_a_secret_is_400(cast, as_role):
    error = error_of(post(as_role("supervisor"), action_url(awaiting(cast), "cosign"), {}), 400)
    assert error["fields"]["secret"] == ["Give your password or a current authenticator code."]


def test_cosign_of_a_final_note_is_400(cast, as_role):
    note = awaiting(cast, status="final")
    error = error_of(post(as_role("supervisor"), action_url(note, "cosign"), {"secret": TEST_PASSWORD}), 400)
    assert "not awaiting co-signature" in json.dumps(error)


# --- Return and resubmit -------------------------------------------------------------------------------


def test_supervisor_returns_with_a_comment(cast, as_role):
    note = awaiting(cast)
    response = post(as_role("supervisor"), action_url(note, "return"), {"comment": COMMENT})
    assert response.status_code == 200
    assert response.json()["status"] == "returned" and response.json()["return_comment"] == COMMENT
    assert refresh(note).returned_at is not None


@pytest.mark.parametrize("comment", ["", "   "])
def test_return_without_a_comment_is_400(cast, as_role, comment):
    note = awaiting(cast)
    error = error_of(post(as_role("supervisor"), action_url(note, "return"), {"comment": comment}), 400)
    assert "comment" in error["fields"]
    assert refresh(note).status == NoteStatus.AWAITING_COSIGN


def test_return_with_a_comment_over_the_limit_is_400_without_echo(cast, as_role):
    note = awaiting(cast)
    error = error_of(post(as_role("supervisor"), action_url(note, "return"), {"comment": "y" * 20_001}), 400)
    assert "20,000" in error["fields"]["comment"][0]
    assert refresh(note).status == NoteStatus.AWAITING_COSIGN


@pytest.mark.parametrize(("role", "status"), [
    ("co_therapist", 403), ("supervisor", 403), ("stranger", 404), ("outsider", 404),
    ("manager", 403), ("admin", 403), ("anonymous", 401),
])
def test_only_the_author_can_resubmit(cast, as_role, role, status):
    note = note_return(note=awaiting(cast), by=cast.supervisor, comment=COMMENT)
    make_addendum(note)
    assert post(as_role(role), action_url(note, "resubmit")).status_code == status
    assert refresh(note).status == NoteStatus.RETURNED


def test_author_resubmits_after_an_addendum(cast, as_role):
    note = note_return(note=awaiting(cast), by=cast.supervisor, comment=COMMENT)
    api = as_role("therapist")
    error = error_of(post(api, action_url(note, "resubmit")), 400)
    assert "addendum" in error["fields"]["non_field_errors"][0]
    make_addendum(note)
    response = post(api, action_url(note, "resubmit"))
    assert response.status_code == 200 and response.json()["status"] == "awaiting_cosign"


def test_supervision_routes_are_post_only(cast, as_role):
    note = awaiting(cast)
    for action in ("cosign", "return", "resubmit"):
        assert as_role("supervisor").get(action_url(note, action)).status_code == 405
