"""/api/v1/notes/: list with filters, read (audited), start a draft, save with version (409), sign, addenda."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from keys import keyring
from notes.models import Addendum, NoteStatus, ProgressNote
from tests.factories import TEST_PASSWORD, CoupleFactory
from tests.notes.note_factories import SOAP_TEXT, NoteFactory, SessionFactory, active_plan, all_clear_risk, signed_note

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def api(client, method, url, data=None):
    return getattr(client, method)(url, data or {}, content_type="application/json")


@pytest.fixture
def session(cast):
    return SessionFactory(couple=cast.couple, therapist=cast.therapist)


@pytest.mark.parametrize(("role", "count", "status"), [
    ("therapist", 1, 200), ("co_therapist", 1, 200), ("supervisor", 1, 200), ("stranger", 0, 200),
    ("outsider", 0, 200), ("manager", None, 403), ("admin", None, 403),
])
def test_note_list_is_scoped_to_the_couples_one_can_see(cast, login, session, role, count, status):
    signed_note(session=session)
    response = login(getattr(cast, role)).get(reverse("note-list"))
    assert response.status_code == status
    if count is not None:
        assert response.json()["count"] == count


def test_note_list_filters_and_carries_no_text(cast, login, session):
    final = signed_note(session=session)
    older = SessionFactory(couple=cast.couple, therapist=cast.therapist,
                           starts_at=timezone.now() - datetime.timedelta(days=40))
    draft = NoteFactory(session=older)
    other_couple = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    signed_note(session=SessionFactory(couple=other_couple, therapist=cast.therapist))
    client = login(cast.therapist)
    url = reverse("note-list")
    everything = client.get(url).json()
    assert everything["count"] == 3
    assert "sections" not in everything["results"][0] and SOAP_TEXT["plan"] not in str(everything)
    assert [r["id"] for r in client.get(url, {"couple": cast.couple.pk}).json()["results"]] == [
        str(final.pk), str(draft.pk)]
    assert [r["id"] for r in client.get(url, {"couple": cast.couple.pk, "status": "draft"}).json()["results"]] == [
        str(draft.pk)]
    since = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    assert client.get(url, {"couple": cast.couple.pk, "date_from": since}).json()["count"] == 1
    assert client.get(url, {"date_to": since}).json()["count"] == 1
    assert client.get(url, {"status": "lost"}).status_code == 400


def test_reading_a_note_is_audited_and_shows_its_content(cast, login, session):
    note = signed_note(session=session)
    response = login(cast.supervisor).get(reverse("note-detail", args=[note.pk]))
    body = response.json()
    assert response.status_code == 200
    assert body["sections"] == SOAP_TEXT and body["risk"] == all_clear_risk()
    assert body["content_hash"] == note.content_hash and body["status"] == note.status
    assert AuditEvent.objects.filter(action="note.view", object_id=str(note.pk), actor_id=cast.supervisor.pk).exists()
    assert login(cast.stranger).get(reverse("note-detail", args=[note.pk])).status_code == 404


def test_api_draft_save_sign_addendum(cast, login, session):
    cast.therapist.supervisor = None
    cast.therapist.save()
    _, objective, _ = active_plan(cast.couple, cast.therapist)
    client = login(cast.therapist)
    response = api(client, "post", reverse("note-list"), {"session": str(session.pk), "template": "dap"})
    assert response.status_code == 201
    note_id = response.json()["id"]
    assert api(client, "post", reverse("note-list"), {"session": str(session.pk)}).status_code == 200
    url = reverse("note-detail", args=[note_id])
    response = api(client, "patch", url, {
        "version": 1,
        "sections": {"data": f"Data {SCRIPT}", "assessment": "Assessed.", "plan": "Planned."},
        "risk": {"a": {"suicidal_ideation": "none", "harm_to_others": "none", "partner_violence": "none"},
                 "b": {"suicidal_ideation": "none", "harm_to_others": "none", "partner_violence": "none"}},
        "interventions_used": ["cbt:boundaries"],
        "objective_ratings": [{"objective_lineage": str(objective.lineage), "value": "5.5"}],
    })
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["version"] == 2 and body["sections"]["data"] == f"Data {SCRIPT}"
    assert body["interventions_used"] == [{"key": "cbt:boundaries", "label": "Boundaries"}]
    assert body["objective_ratings"] == [{"objective_lineage": str(objective.lineage), "partner": "", "value": 5.5,
                                        "comment": ""}]
    # Only partner B's answer changes; the rest of the risk check stays.
    response = api(client, "patch", url, {"version": 2, "risk": {"b": {"partner_violence": "concern",
                                                                         "safety_plan": "Plan."}}})
    assert response.json()["risk"]["a"]["suicidal_ideation"] == "none"
    assert response.json()["risk"]["b"]["partner_violence"] == "concern"
    response = api(client, "post", reverse("note-sign", args=[note_id]), {"version": 3, "secret": "wrong"})
    assert response.status_code == 400 and "secret" in response.json()["error"]["fields"]
    response = api(client, "post", reverse("note-sign", args=[note_id]), {"version": 3, "secret": TEST_PASSWORD})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == NoteStatus.FINAL and response.json()["signed_at"]
    # Signed: changes are a clear 409, and nothing changed.
    response = api(client, "patch", url, {"version": 4, "sections": {"plan": "Rewritten."}})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "note_signed"
    assert "signed notes cannot change" in response.json()["error"]["message"]
    assert ProgressNote.objects.get().content["plan"] == "Planned."
    assert api(client, "post", reverse("note-sign", args=[note_id]),
               {"version": 4, "secret": TEST_PASSWORD}).status_code == 409
    response = api(client, "post", reverse("note-addenda", args=[note_id]),
                   {"kind": "correction", "text": "Corrected.", "secret": TEST_PASSWORD})
    assert response.status_code == 201 and response.json()["kind"] == "correction"
    listed = client.get(reverse("note-addenda", args=[note_id])).json()
    assert [a["text"] for a in listed] == ["Corrected."]


def test_api_stale_save_is_409_with_the_current_version(cast, login, session):
    note = NoteFactory(session=session)
    client = login(cast.therapist)
    url = reverse("note-detail", args=[note.pk])
    assert api(client, "patch", url, {"version": 1, "sections": {"plan": "First tab."}}).status_code == 200
    response = api(client, "patch", url, {"version": 1, "sections": {"plan": "Second tab."}})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict" and response.json()["error"]["current_version"] == 2
    assert ProgressNote.objects.get().content["plan"] == "First tab."


def test_api_bad_input_is_a_clear_400(cast, login, session):
    note = NoteFactory(session=session)
    client = login(cast.therapist)
    url = reverse("note-detail", args=[note.pk])
    response = api(client, "patch", url, {"version": 1, "sections": {"plan": "x" * 20_001}})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["sections.plan"] == ["Shorten it to 20,000 characters or fewer."]
    response = api(client, "patch", url, {"version": 1, "sections": {"data": "Not a SOAP section."}})
    assert response.status_code == 400 and "subjective" in response.json()["error"]["fields"]["sections"][0]
    response = api(client, "patch", url, {"version": 1, "interventions_used": ["cbt:hypnosis"]})
    assert response.status_code == 400
    assert api(client, "patch", url, {"sections": {"plan": "No version."}}).status_code == 400
    assert ProgressNote.objects.get().version == 1
    cancelled = SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance="cancelled")
    response = api(client, "post", reverse("note-list"), {"session": str(cancelled.pk)})
    assert response.status_code == 400 and "attended session" in response.json()["error"]["fields"][
        "non_field_errors"][0]


def test_api_someone_elses_draft_cannot_be_changed_or_signed(cast, login, session):
    note = NoteFactory(session=session)
    client = login(cast.co_therapist)
    assert api(client, "patch", reverse("note-detail", args=[note.pk]),
               {"version": 1, "sections": {"plan": "Mine."}}).status_code == 403
    assert api(client, "post", reverse("note-sign", args=[note.pk]),
               {"version": 1, "secret": TEST_PASSWORD}).status_code == 403
    assert ProgressNote.objects.get().signed_at is None
    supervisor = login(cast.supervisor)
    assert api(supervisor, "patch", reverse("note-detail", args=[note.pk]),
               {"version": 1, "sections": {"plan": "Mine."}}).status_code == 404


def test_api_addendum_on_a_draft_is_refused(cast, login, session):
    note = NoteFactory(session=session)
    response = api(login(cast.therapist), "post", reverse("note-addenda", args=[note.pk]),
                   {"kind": "correction", "text": "x", "secret": TEST_PASSWORD})
    assert response.status_code == 400
    assert not Addendum.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_note_api_list_query_count_does_not_grow(cast, login, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cast.therapist)

    def add(count, offset):
        for i in range(count):
            session = SessionFactory(couple=cast.couple, therapist=cast.therapist,
                                     starts_at=timezone.now() - datetime.timedelta(days=2 + offset + i))
            signed_note(session=session) if i % 2 else NoteFactory(session=session)

    add(3, 0)
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("note-list")).status_code == 200
    add(27, 3)
    keyring.clear_cache()
    with django_assert_max_num_queries(len(small)):
        response = client.get(reverse("note-list"))
    assert response.json()["count"] == 30
    # session, user, OTP device; count, page of notes with session/author/signer, ratings; audit (4); no data key.
    # PostgreSQL adds the audit chain's advisory lock.
    assert len(small) <= 12 + (connection.vendor == "postgresql"), len(small)
