"""A signed note cannot change through any path: services (test_note_services), pages and API (test_note_editor,
test_note_api), and, on PostgreSQL, the database itself (a trigger: notes/migrations/0002_signed_notes_locked.py)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from notes.content_hash import note_hash_matches
from notes.models import Addendum, NoteStatus, ObjectiveRating, ProgressNote
from tests.notes.note_factories import NoteFactory, SessionFactory, active_plan, make_addendum, signed_note

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")


@pytest.fixture
def session(cast):
    return SessionFactory(couple=cast.couple, therapist=cast.therapist)


def run(sql: str, params: list) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def refused(sql: str, params: list) -> bool:
    try:
        run(sql, params)
    except DatabaseError as error:
        return "cannot" in str(error) or "keeps its status" in str(error)
    return False


def test_signed_note_row_saved_again_without_changes_is_not_refused(cast, session):
    """Supervision writes status columns with a plain save(): unchanged ciphertext must not trip anything."""
    note = signed_note(session=session)
    note = ProgressNote.objects.get(pk=note.pk)
    assert note.content["plan"]  # decrypted, not changed
    note.status = NoteStatus.RETURNED
    note.save()
    note.refresh_from_db()
    assert note.status == NoteStatus.RETURNED and note_hash_matches(note)


@postgresql_only
@pytest.mark.parametrize(("column", "value"), [
    ("content", b"tampered"), ("risk", b"tampered"), ("interventions_used", b"tampered"), ("template", "dap"),
    ("content_hash", "0" * 64), ("signed_at", None), ("late_entry", True), ("restricted_to_partner", "a"),
])
def test_database_refuses_to_change_a_signed_note(cast, session, column, value):
    note = signed_note(session=session)
    assert refused(f"UPDATE notes_progressnote SET {column} = %s WHERE id = %s", [value, note.pk])
    assert ProgressNote.objects.get(pk=note.pk).content_hash == note.content_hash


@postgresql_only
def test_database_refuses_to_move_a_signed_note_or_its_signer(cast, session):
    note = signed_note(session=session)
    other = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    assert refused("UPDATE notes_progressnote SET session_id = %s WHERE id = %s", [other.pk, note.pk])
    assert refused("UPDATE notes_progressnote SET signed_by_id = %s WHERE id = %s", [cast.co_therapist.pk, note.pk])
    assert refused("UPDATE notes_progressnote SET couple_id = %s, author_id = %s WHERE id = %s",
                   [cast.couple.pk, cast.co_therapist.pk, note.pk])


@postgresql_only
def test_database_refuses_to_delete_a_signed_note_and_reopen_a_final_one(cast, session):
    note = signed_note(session=session, status=NoteStatus.FINAL)
    assert refused("DELETE FROM notes_progressnote WHERE id = %s", [note.pk])
    assert refused("UPDATE notes_progressnote SET status = 'draft' WHERE id = %s", [note.pk])
    assert ProgressNote.objects.filter(pk=note.pk, status=NoteStatus.FINAL).exists()


@postgresql_only
def test_database_lets_supervision_change_status_and_cosignature(cast, session):
    note = signed_note(session=session, status=NoteStatus.AWAITING_COSIGN)
    assert run("UPDATE notes_progressnote SET status = 'final', cosigned_by_id = %s, cosigned_at = now(), "
               "version = version + 1 WHERE id = %s", [cast.supervisor.pk, note.pk]) == 1


@postgresql_only
def test_database_lets_drafts_change_and_go(cast, session):
    note = NoteFactory(session=session)
    assert run("UPDATE notes_progressnote SET template = 'dap' WHERE id = %s", [note.pk]) == 1
    assert run("DELETE FROM notes_progressnote WHERE id = %s", [note.pk]) == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)  # the setting lasts for a transaction: the test needs real ones
def test_key_rotation_may_rewrite_a_signed_notes_ciphertext(cast, session):
    note = signed_note(session=session)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL rapport.rotating_keys = 'on'")
        cursor.execute("UPDATE notes_progressnote SET content = content WHERE id = %s", [note.pk])
        assert cursor.rowcount == 1
    # The setting lasted only for that transaction.
    assert refused("UPDATE notes_progressnote SET content = %s WHERE id = %s", [b"x", note.pk])


@postgresql_only
def test_database_keeps_the_ratings_of_a_signed_note(cast, session):
    _, objective, _ = active_plan(cast.couple, cast.therapist)
    note = signed_note(session=session, ratings=[(objective.lineage, 3)])
    rating = ObjectiveRating.objects.get(note=note)
    assert refused("UPDATE notes_objectiverating SET value = 9 WHERE id = %s", [rating.pk])
    assert refused("DELETE FROM notes_objectiverating WHERE id = %s", [rating.pk])
    assert refused(
        "INSERT INTO notes_objectiverating (id, note_id, couple_id, objective_lineage, value, comment) "
        "VALUES (%s, %s, %s, %s, 1, %s)", [uuid.uuid4(), note.pk, cast.couple.pk, uuid.uuid4(), b""],
    )


@postgresql_only
def test_database_keeps_addenda_as_signed(cast, session):
    addendum = make_addendum(signed_note(session=session))
    assert refused("UPDATE notes_addendum SET kind = 'correction' WHERE id = %s", [addendum.pk])
    assert refused("DELETE FROM notes_addendum WHERE id = %s", [addendum.pk])
    assert Addendum.objects.filter(pk=addendum.pk, kind="clarification").exists()


def test_key_rotation_reseals_signed_notes_ratings_and_addenda(cast, session):
    """rotate_dek rewrites their ciphertext (the triggers let it, for that transaction only); the plaintext and
    so the signature's hash stay the same."""
    from django.core.management import call_command

    from keys import envelope, keyring
    from keys.models import DataKey

    _, objective, _ = active_plan(cast.couple, cast.therapist)
    note = signed_note(session=session, ratings=[(objective.lineage, 3)])
    addendum = make_addendum(note)
    old_key = DataKey.objects.get(owner_kind="couple", owner_id=cast.couple.pk, state="active").pk
    call_command("rotate_dek", "--couple", str(cast.couple.pk), "--grace-seconds", "0")
    keyring.clear_cache()
    new_key = DataKey.objects.get(owner_kind="couple", owner_id=cast.couple.pk, state="active").pk
    assert new_key != old_key
    reloaded = ProgressNote.objects.get(pk=note.pk)
    assert envelope.key_id_of(reloaded.__dict__["content"].blob) == new_key
    assert note_hash_matches(reloaded) and reloaded.content == note.content
    assert Addendum.objects.get(pk=addendum.pk).text == addendum.text


# --- Issue 16: the key-rotation flag lets ciphertext change and nothing else; no TRUNCATE of signed notes -------


def refused_under_rotation_flag(sql: str, params: list) -> bool:
    """Run `sql` in a transaction that sets the key-rotation flag, as any database session could."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL rapport.rotating_keys = 'on'")
            cursor.execute(sql, params)
    except DatabaseError as error:
        return "only the ciphertext" in str(error) or "cannot" in str(error)
    return False


@postgresql_only
@pytest.mark.parametrize(("column", "value"), [
    ("status", "draft"), ("signed_by_id", None), ("signed_at", None), ("content_hash", "0" * 64),
    ("template", "dap"), ("late_entry", True), ("returned_at", "2026-01-01T00:00:00Z"), ("version", 99),
])
def test_rotation_flag_does_not_let_a_signed_notes_other_columns_change(cast, session, column, value):
    note = signed_note(session=session)
    assert refused_under_rotation_flag(f"UPDATE notes_progressnote SET {column} = %s WHERE id = %s", [value, note.pk])
    after = ProgressNote.objects.get(pk=note.pk)
    assert (after.status, after.signed_at, after.signed_by_id, after.content_hash) == (
        note.status, note.signed_at, note.signed_by_id, note.content_hash)


@postgresql_only
def test_rotation_flag_cannot_turn_a_signed_note_back_into_a_draft_with_new_content(cast, session):
    """The probe of issue 16: flag set, status back to draft, signature cleared, content rewritten at once."""
    note = signed_note(session=session)
    other = signed_note(session=SessionFactory(couple=cast.couple, therapist=cast.therapist))
    sql = ("UPDATE notes_progressnote SET status = 'draft', signed_at = NULL, signed_by_id = NULL, content_hash = '', "
           "content = (SELECT content FROM notes_progressnote WHERE id = %s) WHERE id = %s")
    assert refused_under_rotation_flag(sql, [other.pk, note.pk])
    assert ProgressNote.objects.get(pk=note.pk).signed_at == note.signed_at


@postgresql_only
def test_rotation_flag_still_lets_ciphertext_alone_change(cast, session):
    note = signed_note(session=session)
    assert not refused_under_rotation_flag(
        "UPDATE notes_progressnote SET content = content, risk = risk WHERE id = %s", [note.pk])


@postgresql_only
def test_rotation_flag_does_not_let_addenda_or_ratings_change_beyond_ciphertext(cast, session):
    _, objective, _ = active_plan(cast.couple, cast.therapist)
    note = signed_note(session=session, ratings=[(objective.lineage, 3)])
    addendum = make_addendum(note)
    rating = ObjectiveRating.objects.get(note=note)
    assert refused_under_rotation_flag("UPDATE notes_addendum SET kind = 'correction' WHERE id = %s", [addendum.pk])
    assert refused_under_rotation_flag("UPDATE notes_objectiverating SET value = 9 WHERE id = %s", [rating.pk])
    assert not refused_under_rotation_flag("UPDATE notes_addendum SET text = text WHERE id = %s", [addendum.pk])
    assert not refused_under_rotation_flag("UPDATE notes_objectiverating SET comment = comment WHERE id = %s",
                                           [rating.pk])


@postgresql_only
@pytest.mark.parametrize("sql", [
    "TRUNCATE notes_progressnote CASCADE", "TRUNCATE notes_addendum", "TRUNCATE notes_objectiverating",
    "TRUNCATE clinic_couple CASCADE",
])
def test_database_refuses_truncate_of_signed_notes(cast, session, sql):
    note = signed_note(session=session)
    with pytest.raises(DatabaseError, match="TRUNCATE"):
        run(sql, [])
    assert ProgressNote.objects.filter(pk=note.pk).exists()


@postgresql_only
def test_truncate_of_notes_is_allowed_while_none_is_signed(cast, session):
    NoteFactory(session=session)
    run("SET CONSTRAINTS ALL IMMEDIATE", [])  # the test's own transaction still holds deferred FK checks
    run("TRUNCATE notes_objectiverating, notes_addendum, notes_progressnote", [])
    assert not ProgressNote.objects.exists()
