"""The sessions tab: list with note status, record a session (rules, service code), change it, conflicts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from keys import keyring
from notes.models import NoteStatus, Session
from notes.services.sessions import IPV_SCREENS_MISSING
from tests.notes.note_factories import NoteFactory, SessionFactory, screen_partners, signed_note

pytestmark = pytest.mark.django_db


def as_role(cast, login, client, role):
    return client if role == "anonymous" else login(getattr(cast, role))


def session_data(**overrides):
    start = timezone.localtime() - datetime.timedelta(hours=2)
    data = {
        "date": start.date().isoformat(), "time": start.strftime("%H:00"), "duration_minutes": "50",
        "modality": "in_person", "kind": "joint", "attendance": "attended", "service_code": "",
    }
    data.update(overrides)
    return data


# --- list -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 200), ("co_therapist", 200), ("supervisor", 200), ("stranger", 404), ("outsider", 404),
    ("manager", 403), ("admin", 403),
])
def test_session_list_by_role(cast, login, client, role, status):
    SessionFactory(couple=cast.couple, therapist=cast.therapist)
    response = as_role(cast, login, client, role).get(reverse("notes:session-list", args=[cast.couple.pk]))
    assert response.status_code == status


def test_anonymous_cannot_open_the_session_list(cast, client):
    response = client.get(reverse("notes:session-list", args=[cast.couple.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("clinic:login"))


def test_session_list_shows_attendance_and_each_note_status(cast, login):
    now = timezone.now()

    def at(days):
        return SessionFactory(couple=cast.couple, therapist=cast.therapist,
                              starts_at=now - datetime.timedelta(days=days))

    SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance="cancelled",
                   starts_at=now - datetime.timedelta(days=1))
    at(2)  # attended, no note yet
    NoteFactory(session=at(3))
    signed_note(session=at(4), status=NoteStatus.AWAITING_COSIGN)
    signed_note(session=at(5), status=NoteStatus.RETURNED)
    signed_note(session=at(6), status=NoteStatus.FINAL)
    signed_note(session=at(7), status=NoteStatus.FINAL, late_entry=True)
    response = login(cast.therapist).get(reverse("notes:session-list", args=[cast.couple.pk]))
    page = response.content.decode()
    for label in ("Cancelled", "No note", "Draft", "Signed, awaiting co-signature", "Returned by supervisor",
                  "Late entry", "Write the note", "Continue the draft"):
        assert label in page, label
    assert page.count(">Signed</span>") == 2
    event = AuditEvent.objects.filter(action="session.list").last()
    assert event.couple_id == cast.couple.pk and event.detail == {"shown": 7}


def test_supervisor_reads_the_list_without_write_links(cast, login):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    page = login(cast.supervisor).get(reverse("notes:session-list", args=[cast.couple.pk])).content.decode()
    assert reverse("notes:session-create", args=[cast.couple.pk]) not in page
    assert reverse("notes:note-edit", args=[session.pk]) not in page


def test_session_list_filters_by_kind_and_attendance(cast, login):
    SessionFactory(couple=cast.couple, therapist=cast.therapist, kind="individual_a")
    SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance="no_show")
    client = login(cast.therapist)
    page = client.get(reverse("notes:session-list", args=[cast.couple.pk]), {"kind": "individual_a"}).content.decode()
    assert page.count('<th scope="row">') == 1
    assert "<td>Individual session, partner A</td>" in page and "attendance-no_show" not in page


@pytest.mark.django_db(transaction=True)
def test_session_list_query_count_does_not_grow_with_sessions(cast, login, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cast.therapist)
    url = reverse("notes:session-list", args=[cast.couple.pk])

    def add(count):
        for i in range(count):
            session = SessionFactory(couple=cast.couple, therapist=cast.therapist,
                                     starts_at=timezone.now() - datetime.timedelta(days=2 + len(added) + i))
            signed_note(session=session) if i % 2 else NoteFactory(session=session)
        added.extend(range(count))

    added: list[int] = []
    add(3)
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(27)
    keyring.clear_cache()
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.content.decode().count('<th scope="row">') == 30
    # session, user, OTP device; couple, partners, clients, care team, its users (clinic.access); sessions
    # with therapist and note; may I write; audit event (BEGIN, last hash, INSERT, COMMIT); session save.
    # PostgreSQL adds the audit chain's advisory lock.
    assert len(small) <= 17 + (connection.vendor == "postgresql"), len(small)


# --- create ---------------------------------------------------------------------------------------


def test_therapist_opens_the_form_with_sensible_defaults(cast, login):
    page = login(cast.therapist).get(reverse("notes:session-create", args=[cast.couple.pk])).content.decode()
    assert 'value="attended" selected' in page or 'value="attended" selected>' in page
    assert "IPV screens needed before a joint session" in page  # the cast's couple is not screened
    assert reverse("clinic:partner-edit", args=[cast.couple.pk, "a"]) in page


def test_joint_session_is_refused_until_both_ipv_screens_are_recorded(cast, login):
    client = login(cast.therapist)
    response = client.post(reverse("notes:session-create", args=[cast.couple.pk]), session_data())
    assert response.status_code == 400
    assert IPV_SCREENS_MISSING in response.content.decode().replace("&#x27;", "'")
    assert not Session.objects.exists()
    screen_partners(cast.couple)
    response = client.post(reverse("notes:session-create", args=[cast.couple.pk]), session_data())
    session = Session.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("notes:note-edit", args=[session.pk])
    assert session.therapist == cast.therapist and session.created_by == cast.therapist
    assert session.service_code == "90791", "the couple's first session is the intake"
    assert AuditEvent.objects.filter(action="session.create", object_id=str(session.pk)).exists()


def test_individual_session_can_be_recorded_before_the_screens(cast, login):
    response = login(cast.therapist).post(reverse("notes:session-create", args=[cast.couple.pk]),
                                          session_data(kind="individual_b"))
    assert response.status_code == 302
    assert Session.objects.get().kind == "individual_b"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"date": "1999-12-31", "attendance": "scheduled"}, "Give a date from 2000 to at most 2 years ahead."),
    ({"date": "2090-01-01", "attendance": "scheduled"}, "Give a date from 2000 to at most 2 years ahead."),
    ({"service_code": "90<8"}, "Enter the service code with letters and digits only, for example 90847."),
])
def test_the_session_form_refuses_typing_slips_with_a_message(cast, login, overrides, message):
    response = login(cast.therapist).post(reverse("notes:session-create", args=[cast.couple.pk]),
                                          session_data(kind="individual_a", **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Session.objects.exists()


@pytest.mark.parametrize(("kind", "minutes", "code"), [
    ("joint", "50", "90847"), ("individual_a", "45", "90834"), ("individual_a", "52", "90834"),
    ("individual_b", "53", "90837"), ("individual_b", "60", "90837"),
])
def test_service_code_is_suggested_after_the_intake(cast, login, kind, minutes, code):
    screen_partners(cast.couple)
    SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=timezone.now() - datetime.timedelta(days=30))
    login(cast.therapist).post(reverse("notes:session-create", args=[cast.couple.pk]),
                               session_data(kind=kind, duration_minutes=minutes))
    assert Session.objects.latest("created_at").service_code == code


def test_typed_service_code_is_kept(cast, login):
    screen_partners(cast.couple)
    login(cast.therapist).post(reverse("notes:session-create", args=[cast.couple.pk]),
                               session_data(service_code="90847"))
    assert Session.objects.get().service_code == "90847"


def test_future_session_cannot_be_marked_attended(cast, login):
    screen_partners(cast.couple)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    client = login(cast.therapist)
    response = client.post(reverse("notes:session-create", args=[cast.couple.pk]),
                           session_data(date=tomorrow.isoformat()))
    assert response.status_code == 400
    assert "A session that has not happened yet cannot be marked as having taken place" in \
        response.content.decode()
    assert not Session.objects.exists()
    response = client.post(reverse("notes:session-create", args=[cast.couple.pk]),
                           session_data(date=tomorrow.isoformat(), attendance="scheduled"))
    assert response.status_code == 302 and response["Location"] == reverse("notes:session-list",
                                                                           args=[cast.couple.pk])


def test_supervisor_cannot_record_a_session(cast, login):
    response = login(cast.supervisor).post(reverse("notes:session-create", args=[cast.couple.pk]),
                                           session_data(kind="individual_a"))
    assert response.status_code == 404
    assert not Session.objects.exists()


def test_bad_input_is_a_clear_400(cast, login):
    response = login(cast.therapist).post(reverse("notes:session-create", args=[cast.couple.pk]),
                                          session_data(duration_minutes="0", kind="triad", time="25:99"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter a length from 1 to 480 minutes." in page and "Enter the start time like 14:30." in page
    assert 'class="error-summary"' in page


# --- edit -----------------------------------------------------------------------------------------


def edit_data(session, **overrides):
    local = timezone.localtime(session.starts_at)
    data = {
        "date": local.date().isoformat(), "time": local.strftime("%H:%M"),
        "duration_minutes": str(session.duration_minutes), "modality": session.modality, "kind": session.kind,
        "attendance": session.attendance, "therapist": str(session.therapist_id),
        "service_code": session.service_code, "version": str(session.version),
    }
    data.update(overrides)
    return data


def test_co_therapist_can_change_a_session(cast, login):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance="scheduled")
    response = login(cast.co_therapist).post(reverse("notes:session-edit", args=[session.pk]),
                                             edit_data(session, attendance="no_show"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.attendance == "no_show" and session.version == 2
    assert session.service_code == ""  # a no-show is not billed (notes.services.sessions.UNBILLED_ATTENDANCE)
    assert AuditEvent.objects.get(action="session.update").detail == {"fields": ["attendance", "service_code"]}


def test_session_with_a_draft_cannot_be_cancelled(cast, login):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    NoteFactory(session=session)
    response = login(cast.therapist).post(reverse("notes:session-edit", args=[session.pk]),
                                          edit_data(session, attendance="cancelled"))
    assert response.status_code == 400
    assert "A progress note has been started for this session, so it must stay attended." in \
        response.content.decode()
    session.refresh_from_db()
    assert session.attendance == "attended"


def test_signed_note_keeps_its_session_date(cast, login):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    signed_note(session=session)
    earlier = (timezone.localdate() - datetime.timedelta(days=5)).isoformat()
    response = login(cast.therapist).post(reverse("notes:session-edit", args=[session.pk]),
                                          edit_data(session, date=earlier))
    assert response.status_code == 400
    assert "progress note is signed" in response.content.decode()


def test_stale_session_edit_is_a_409_with_both_versions(cast, login):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance="scheduled",
                             starts_at=timezone.now() + datetime.timedelta(days=3))
    client = login(cast.therapist)
    stale = edit_data(session)
    client.post(reverse("notes:session-edit", args=[session.pk]), edit_data(session, modality="video"))
    response = client.post(reverse("notes:session-edit", args=[session.pk]), {**stale, "modality": "phone"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this session" in page and "Video" in page and "Phone" in page
    session.refresh_from_db()
    assert session.modality == "video"
    assert 'name="version" value="2"' in page, "saving again is a deliberate choice over version 2"


def test_stranger_cannot_edit_a_session(cast, login):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    response = login(cast.stranger).get(reverse("notes:session-edit", args=[session.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(session.pk)).exists()
