"""Psychotherapy notes (45 CFR 164.501): readable by their author alone, audited on every read, never in the
couple's record, its note search or list, or the API."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from audit.models import AuditEvent
from keys import keyring
from notes.models import PsychotherapyNote
from notes.services.psychotherapy import private_note_create
from tests.factories import CoupleFactory
from tests.keys.crypto_support import raw
from tests.notes.note_factories import SessionFactory

pytestmark = pytest.mark.django_db

SECRET_TEXT = "Countertransference: I notice I side with partner A when B raises money. Xylophone-7731."
OTHERS = ["co_therapist", "stranger", "supervisor", "manager", "admin", "outsider"]


def private_note(cast, *, author=None, text: str = SECRET_TEXT, session=None, couple=None) -> PsychotherapyNote:
    return private_note_create(couple=couple or cast.couple, by=author or cast.therapist, text=text, session=session)


def detail_url(note) -> str:
    return reverse("notes:private-note-detail", args=[note.pk])


def list_url(cast) -> str:
    return reverse("notes:private-note-list", args=[cast.couple.pk])


def create_url(cast) -> str:
    return reverse("notes:private-note-create", args=[cast.couple.pk])


def views_of(note) -> int:
    return AuditEvent.objects.filter(action="private_note.view", object_id=str(note.pk)).count()


# --- Writing and reading one's own ----------------------------------------------------------------------


def test_therapist_can_write_a_private_note_about_a_session(cast, login):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    client = login(cast.therapist)
    form = client.get(create_url(cast) + f"?session={session.pk}")
    assert form.status_code == 200
    assert "only you can read these notes" in form.content.decode()
    assert f'value="{session.pk}" selected' in form.content.decode()
    response = client.post(create_url(cast), {"text": SECRET_TEXT, "session": str(session.pk)})
    note = PsychotherapyNote.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(note)
    assert (note.author, note.couple, note.session, note.text) == (cast.therapist, cast.couple, session, SECRET_TEXT)
    event = AuditEvent.objects.get(action="private_note.create")
    assert event.object_id == str(note.pk) and event.detail == {"session_linked": True}


def test_private_note_text_is_encrypted_at_rest(cast):
    note = private_note(cast)
    assert b"Xylophone" not in raw("notes_psychotherapynote", "text", note.pk)


def test_author_reads_their_note_and_every_read_is_audited(cast, login):
    note = private_note(cast)
    client = login(cast.therapist)
    for _ in range(2):
        response = client.get(detail_url(note))
        assert response.status_code == 200
        assert SECRET_TEXT in response.content.decode()
    assert views_of(note) == 2
    event = AuditEvent.objects.filter(action="private_note.view").last()
    assert event.actor_id == cast.therapist.pk and event.couple_id == cast.couple.pk
    assert "Xylophone" not in str(event.detail)


def test_author_edits_their_note(cast, login):
    note = private_note(cast)
    response = login(cast.therapist).post(detail_url(note), {"text": "Revised reflection.", "version": "1"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.text, note.version) == ("Revised reflection.", 2)
    assert AuditEvent.objects.get(action="private_note.update").detail == {"fields": ["text"]}


def test_a_save_based_on_an_old_version_is_409_with_both_texts(cast, login):
    note = private_note(cast)
    client = login(cast.therapist)
    client.post(detail_url(note), {"text": "Saved from the other tab.", "version": "1"})
    response = client.post(detail_url(note), {"text": "Typed in this tab.", "version": "1"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Saved from the other tab." in body and "Typed in this tab." in body
    assert 'name="version" value="2"' in body
    note.refresh_from_db()
    assert (note.text, note.version) == ("Saved from the other tab.", 2)


def test_private_note_over_the_limit_is_refused_with_the_limit_named(cast, login):
    client = login(cast.therapist)
    response = client.post(create_url(cast), {"text": "z" * 20_001})
    assert response.status_code == 400
    body = response.content.decode()
    assert "at most 20,000 characters" in body and 'class="error-summary"' in body
    assert not PsychotherapyNote.objects.exists()


def test_empty_private_note_is_refused(cast, login):
    response = login(cast.therapist).post(create_url(cast), {"text": "   "})
    assert response.status_code == 400
    assert "Write the note before saving it." in response.content.decode()
    assert not PsychotherapyNote.objects.exists()


def test_a_session_of_another_couple_is_refused(cast, login):
    other = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    elsewhere = SessionFactory(couple=other, therapist=cast.therapist)
    response = login(cast.therapist).post(create_url(cast), {"text": SECRET_TEXT, "session": str(elsewhere.pk)})
    assert response.status_code == 400
    assert "Choose one of this couple&#x27;s sessions" in response.content.decode()
    assert not PsychotherapyNote.objects.exists()


def test_html_in_a_private_note_is_stored_as_text_and_escaped(cast, login):
    note = private_note(cast, text="<script>alert(1)</script><b>bold</b>")
    body = login(cast.therapist).get(detail_url(note)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in body
    assert "<script>alert(1)" not in body
    assert PsychotherapyNote.objects.get().text == "<script>alert(1)</script><b>bold</b>"


# --- Nobody else ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", OTHERS)
def test_nobody_but_the_author_can_read_a_private_note(cast, login, role):
    note = private_note(cast)
    response = login(getattr(cast, role)).get(detail_url(note))
    assert response.status_code == 404
    assert "Xylophone" not in response.content.decode()
    assert views_of(note) == 0
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(note.pk),
                                     actor_id=getattr(cast, role).pk).exists()


@pytest.mark.parametrize("role", OTHERS)
def test_nobody_but_the_author_can_change_a_private_note(cast, login, role):
    note = private_note(cast)
    response = login(getattr(cast, role)).post(detail_url(note), {"text": "overwritten", "version": "1"})
    assert response.status_code == 404
    note.refresh_from_db()
    assert (note.text, note.version) == (SECRET_TEXT, 1)


def test_anonymous_is_sent_to_sign_in(cast, client):
    note = private_note(cast)
    for url in (detail_url(note), list_url(cast), create_url(cast)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("clinic:login"))


def test_the_list_shows_only_ones_own_notes_and_no_text(cast, login):
    mine = private_note(cast)
    theirs = private_note(cast, author=cast.co_therapist, text="Co-therapist's own reflection. Quokka-99.")
    body = login(cast.therapist).get(list_url(cast)).content.decode()
    assert detail_url(mine) in body and detail_url(theirs) not in body
    assert "Xylophone" not in body and "Quokka" not in body
    assert "only you can read" in body.lower()
    body = login(cast.co_therapist).get(list_url(cast)).content.decode()
    assert detail_url(theirs) in body and detail_url(mine) not in body


def test_a_supervisor_sees_an_empty_list_and_cannot_write(cast, login):
    private_note(cast)
    client = login(cast.supervisor)
    response = client.get(list_url(cast))
    assert response.status_code == 200
    body = response.content.decode()
    assert "You have written no private notes" in body and "Xylophone" not in body
    assert client.get(create_url(cast)).status_code == 404


@pytest.mark.parametrize(("role", "status"), [("stranger", 404), ("outsider", 404), ("manager", 403), ("admin", 403)])
def test_the_private_tab_is_refused_to_those_off_the_case(cast, login, role, status):
    private_note(cast)
    client = login(getattr(cast, role))
    assert client.get(list_url(cast)).status_code == status
    assert client.get(create_url(cast)).status_code == status
    assert client.post(create_url(cast), {"text": "x"}).status_code == status
    assert PsychotherapyNote.objects.count() == 1


def test_an_author_who_left_the_case_no_longer_reaches_the_note(cast, login):
    import datetime

    note = private_note(cast, author=cast.co_therapist)
    member = cast.couple.care_team.get(user=cast.co_therapist)
    member.end_date = datetime.date.today() - datetime.timedelta(days=1)
    member.save()
    assert login(cast.co_therapist).get(detail_url(note)).status_code == 404


# --- Not in the record, the search or the API ---------------------------------------------------------------


def test_no_api_route_serves_psychotherapy_notes(cast, login):
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    for route, callback in walk(get_resolver().url_patterns):
        if not route.startswith("api/"):
            continue
        assert "private" not in route and "psychotherapy" not in route, route
        view_class = getattr(callback, "cls", None)
        queryset = getattr(view_class, "queryset", None)
        if queryset is not None:
            assert queryset.model is not PsychotherapyNote, route
    schema = login(cast.therapist).get("/api/schema/").content.decode().lower()
    assert "psychotherapynote" not in schema
    assert "psychotherapy notes" in schema  # the API description says there is no endpoint for them


def test_no_api_list_returns_private_note_text_even_to_its_author(cast, login):
    """Every API list the author can reach, for the couple or in general, is free of the note's text."""
    from django.urls import URLPattern, URLResolver, get_resolver, reverse

    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    private_note(cast, session=session)
    client = login(cast.therapist)

    def names(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from names(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and pattern.name.endswith("-list"):
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, set(pattern.pattern.regex.groupindex)

    probed = 0
    for name, params in names(get_resolver().url_patterns):
        if params - {"couple_pk"}:
            continue
        url = reverse(name, kwargs={"couple_pk": cast.couple.pk} if params else {})
        if not url.startswith("/api/"):
            continue
        response = client.get(url)
        assert "Xylophone" not in response.content.decode(), url
        probed += 1
    assert probed >= 3


def test_the_couples_record_pages_and_note_search_never_show_private_text(cast, login):
    from tests.notes.note_factories import signed_note

    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    note = signed_note(session=session)
    private_note(cast, session=session, text="Private: phone checking makes me anxious too. Xylophone-7731.")
    client = login(cast.therapist)
    search = client.post(reverse("notes:note-search", args=[cast.couple.pk]), {"term": "checking"})
    assert search.status_code == 200
    assert reverse("notes:note-detail", args=[note.pk]) in search.content.decode()  # the search does find notes
    pages = [
        search,
        client.post(reverse("notes:note-search", args=[cast.couple.pk]), {"term": "Xylophone"}),
        client.get(reverse("clinic:couple-detail", args=[cast.couple.pk])),
        client.get(reverse("notes:session-list", args=[cast.couple.pk])),
        client.get(reverse("notes:note-detail", args=[note.pk])),
    ]
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode()
        assert "Xylophone-7731" not in body and "makes me anxious too" not in body
    assert not AuditEvent.objects.filter(action="private_note.view").exists()


@pytest.mark.django_db(transaction=True)
def test_private_list_query_count_does_not_grow(cast, login, django_assert_max_num_queries):
    from django.test.utils import CaptureQueriesContext

    client = login(cast.therapist)
    for _ in range(2):
        private_note(cast, session=SessionFactory(couple=cast.couple, therapist=cast.therapist))
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as small:
        assert client.get(list_url(cast)).status_code == 200
    for _ in range(20):
        private_note(cast, session=SessionFactory(couple=cast.couple, therapist=cast.therapist))
    keyring.clear_cache()
    with django_assert_max_num_queries(len(small)):
        response = client.get(list_url(cast))
    assert response.content.decode().count('href="/private-notes/') == 22
