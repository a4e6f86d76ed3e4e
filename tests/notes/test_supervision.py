"""Supervision: the review queue, co-sign, return with a comment, resubmit after an addendum (HTML pages).

The cast's therapist is pre-licensed and supervised by `supervisor`, so their signed notes wait for co-signature.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from clinic.models import CareTeamMember
from keys import keyring
from notes.content_hash import note_hash_matches
from notes.models import NoteStatus, ProgressNote
from notes.services.notes import addendum_create, note_sign
from tests.factories import TEST_PASSWORD, CoupleFactory, UserFactory
from tests.notes.note_factories import NoteFactory, SessionFactory, make_addendum, signed_note

pytestmark = pytest.mark.django_db

COMMENT = "Please add how partner B responded to the speaker-listener exercise."


def awaiting(cast, **fields) -> ProgressNote:
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    return signed_note(session=session, **fields)


def returned(cast) -> ProgressNote:
    from notes.services.supervision import note_return

    return note_return(note=awaiting(cast), by=cast.supervisor, comment=COMMENT)


def events(action: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters))


def refresh(note: ProgressNote) -> ProgressNote:
    return ProgressNote.objects.get(pk=note.pk)


# --- The whole lifecycle --------------------------------------------------------------------------


def test_lifecycle_sign_return_addendum_resubmit_cosign_makes_the_note_final(cast, client, login):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    note = note_sign(note=NoteFactory(session=session), by=cast.therapist, secret=TEST_PASSWORD)
    assert note.status == NoteStatus.AWAITING_COSIGN
    signed_hash = note.content_hash

    supervisor = login(cast.supervisor)
    queue = supervisor.get(reverse("notes:review-queue"))
    assert reverse("notes:note-detail", args=[note.pk]) in queue.content.decode()

    response = supervisor.post(reverse("notes:note-return", args=[note.pk]), {"comment": COMMENT})
    assert response.status_code == 302 and response["Location"] == reverse("notes:review-queue")
    note = refresh(note)
    assert (note.status, note.return_comment) == (NoteStatus.RETURNED, COMMENT)
    assert note.returned_at is not None and note.cosigned_at is None

    author = login(cast.therapist)
    refused = author.post(reverse("notes:note-resubmit", args=[note.pk]))
    assert refused.status_code == 409
    assert "Add an addendum" in refused.content.decode()
    assert refresh(note).status == NoteStatus.RETURNED

    addendum_create(note=note, by=cast.therapist, kind="clarification", secret=TEST_PASSWORD,
                    text="Partner B engaged well and summarised partner A's point accurately.")
    response = author.post(reverse("notes:note-resubmit", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notes:note-detail", args=[note.pk])
    assert refresh(note).status == NoteStatus.AWAITING_COSIGN

    supervisor = login(cast.supervisor)
    wrong = supervisor.post(reverse("notes:note-cosign", args=[note.pk]), {"secret": "not my password"})
    assert wrong.status_code == 400
    assert "not your password" in wrong.content.decode()
    assert refresh(note).status == NoteStatus.AWAITING_COSIGN

    response = supervisor.post(reverse("notes:note-cosign", args=[note.pk]), {"secret": TEST_PASSWORD})
    assert response.status_code == 302
    note = refresh(note)
    assert note.status == NoteStatus.FINAL
    assert note.cosigned_by == cast.supervisor and note.cosigned_at is not None
    assert note.content_hash == signed_hash and note_hash_matches(note)  # supervision never touched the content
    actions = [e.action for e in AuditEvent.objects.filter(object_id=str(note.pk)).order_by("id")]
    assert actions == ["note.sign", "note.return", "note.resubmit", "note.cosign"]


def test_each_supervision_change_is_audited_without_the_comment(cast, login):
    note = awaiting(cast)
    client = login(cast.supervisor)
    client.post(reverse("notes:note-return", args=[note.pk]), {"comment": COMMENT})
    (event,) = events("note.return", object_id=str(note.pk))
    assert event.actor_id == cast.supervisor.pk and event.couple_id == cast.couple.pk
    assert COMMENT not in str(event.detail)
    make_addendum(refresh(note))
    login(cast.therapist).post(reverse("notes:note-resubmit", args=[note.pk]))
    (event,) = events("note.resubmit", object_id=str(note.pk))
    assert event.actor_id == cast.therapist.pk
    login(cast.supervisor).post(reverse("notes:note-cosign", args=[note.pk]), {"secret": TEST_PASSWORD})
    (event,) = events("note.cosign", object_id=str(note.pk))
    assert event.actor_id == cast.supervisor.pk
    assert events("reauth.note_cosign", outcome="ok")


def test_supervisor_cannot_cosign_with_a_wrong_secret_and_the_attempt_is_audited(cast, login):
    note = awaiting(cast)
    response = login(cast.supervisor).post(reverse("notes:note-cosign", args=[note.pk]), {"secret": "guess"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="error-summary"' in body and "guess" not in body
    assert refresh(note).status == NoteStatus.AWAITING_COSIGN and refresh(note).cosigned_by is None
    assert events("reauth.note_cosign", outcome="failed", actor_id=cast.supervisor.pk)
    assert not events("note.cosign")


def test_supervisor_cannot_cosign_without_a_secret(cast, login):
    note = awaiting(cast)
    response = login(cast.supervisor).post(reverse("notes:note-cosign", args=[note.pk]), {"secret": ""})
    assert response.status_code == 400
    assert "Enter your password or the code" in response.content.decode()
    assert refresh(note).status == NoteStatus.AWAITING_COSIGN


def test_supervisor_can_cosign_with_a_current_authenticator_code(cast, login):
    from django_otp.oath import totp

    from tests.factories import totp_device_for

    note = awaiting(cast)
    device = totp_device_for(cast.supervisor)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    response = login(cast.supervisor).post(reverse("notes:note-cosign", args=[note.pk]), {"secret": code})
    assert response.status_code == 302
    assert refresh(note).status == NoteStatus.FINAL


def test_supervisor_cannot_return_without_a_comment(cast, login):
    note = awaiting(cast)
    response = login(cast.supervisor).post(reverse("notes:note-return", args=[note.pk]), {"comment": "   "})
    assert response.status_code == 400
    assert "Write what the author should add or correct" in response.content.decode()
    assert refresh(note).status == NoteStatus.AWAITING_COSIGN
    assert not events("note.return")


def test_supervisor_cannot_return_with_a_comment_over_the_limit(cast, login):
    note = awaiting(cast)
    response = login(cast.supervisor).post(reverse("notes:note-return", args=[note.pk]), {"comment": "x" * 20_001})
    assert response.status_code == 400
    assert "at most 20,000 characters" in response.content.decode()
    assert refresh(note).status == NoteStatus.AWAITING_COSIGN


def test_return_comment_with_html_is_stored_as_text_and_escaped(cast, login):
    note = awaiting(cast)
    client = login(cast.supervisor)
    client.post(reverse("notes:note-return", args=[note.pk]), {"comment": "<script>alert('x')</script> see B"})
    assert refresh(note).return_comment == "<script>alert('x')</script> see B"
    page = login(cast.therapist).post(reverse("notes:note-resubmit", args=[note.pk]))  # refused: shows the comment
    body = page.content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; see B" in body
    assert "<script>alert" not in body


# --- Who may act ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["notes:note-cosign", "notes:note-return"])
@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 403),      # the author: can see the case, is not their own supervisor
    ("co_therapist", 403),   # on the case, not the author's supervisor
    ("stranger", 404),
    ("outsider", 404),
    ("manager", 403),
    ("admin", 403),
])
def test_only_the_authors_supervisor_can_cosign_or_return(cast, login, url_name, role, status):
    note = awaiting(cast)
    data = {"secret": TEST_PASSWORD, "comment": COMMENT}
    response = login(getattr(cast, role)).post(reverse(url_name, args=[note.pk]), data)
    assert response.status_code == status
    assert refresh(note).status == NoteStatus.AWAITING_COSIGN


def test_another_supervisor_on_the_care_team_cannot_cosign(cast, login):
    other = UserFactory(practice=cast.practice, role="supervisor", username="olga.othersupervisor")
    CareTeamMember.objects.create(couple=cast.couple, user=other, role="supervisor")
    note = awaiting(cast)
    response = login(other).post(reverse("notes:note-cosign", args=[note.pk]), {"secret": TEST_PASSWORD})
    assert response.status_code == 403
    assert refresh(note).status == NoteStatus.AWAITING_COSIGN
    assert events("access.denied", actor_id=other.pk, object_id=str(note.pk))


def test_a_supervisor_who_cannot_see_the_case_gets_404(cast, login):
    other = UserFactory(practice=cast.practice, role="supervisor", username="olga.othersupervisor")
    note = awaiting(cast)
    response = login(other).post(reverse("notes:note-cosign", args=[note.pk]), {"secret": TEST_PASSWORD})
    assert response.status_code == 404
    assert events("access.denied", actor_id=other.pk, object_id=str(note.pk))


@pytest.mark.parametrize(("role", "status"), [
    ("co_therapist", 403), ("supervisor", 403), ("stranger", 404), ("outsider", 404), ("manager", 403), ("admin", 403),
])
def test_only_the_author_can_resubmit(cast, login, role, status):
    note = returned(cast)
    make_addendum(note)
    response = login(getattr(cast, role)).post(reverse("notes:note-resubmit", args=[note.pk]))
    assert response.status_code == status
    assert refresh(note).status == NoteStatus.RETURNED


def test_cosign_return_and_resubmit_are_post_only(cast, login):
    note = awaiting(cast)
    client = login(cast.supervisor)
    for name in ("notes:note-cosign", "notes:note-return", "notes:note-resubmit"):
        assert client.get(reverse(name, args=[note.pk])).status_code == 405


# --- States ----------------------------------------------------------------------------------------


def test_a_final_note_cannot_be_cosigned_or_returned_again(cast, login):
    from notes.services.supervision import note_cosign

    note = note_cosign(note=awaiting(cast), by=cast.supervisor, secret=TEST_PASSWORD)
    client = login(cast.supervisor)
    again = client.post(reverse("notes:note-cosign", args=[note.pk]), {"secret": TEST_PASSWORD})
    assert again.status_code == 409
    assert "not awaiting co-signature" in again.content.decode()
    back = client.post(reverse("notes:note-return", args=[note.pk]), {"comment": COMMENT})
    assert back.status_code == 409
    assert refresh(note).status == NoteStatus.FINAL and refresh(note).returned_at is None


def test_a_draft_cannot_be_cosigned(cast, login):
    draft = NoteFactory(session=SessionFactory(couple=cast.couple, therapist=cast.therapist))
    response = login(cast.supervisor).post(reverse("notes:note-cosign", args=[draft.pk]), {"secret": TEST_PASSWORD})
    assert response.status_code == 409
    assert refresh(draft).status == NoteStatus.DRAFT and refresh(draft).cosigned_at is None


def test_a_note_awaiting_cosignature_cannot_be_resubmitted(cast, login):
    note = awaiting(cast)
    response = login(cast.therapist).post(reverse("notes:note-resubmit", args=[note.pk]))
    assert response.status_code == 409
    assert refresh(note).status == NoteStatus.AWAITING_COSIGN


def test_an_addendum_written_before_the_return_does_not_answer_it(cast, login):
    note = awaiting(cast)
    make_addendum(note)
    from notes.services.supervision import note_return

    note_return(note=note, by=cast.supervisor, comment=COMMENT)
    response = login(cast.therapist).post(reverse("notes:note-resubmit", args=[note.pk]))
    assert response.status_code == 409
    assert refresh(note).status == NoteStatus.RETURNED


def test_a_returned_note_keeps_its_signed_content(cast):
    note = returned(cast)
    assert note.is_signed and note_hash_matches(refresh(note))
    from notes.services.notes import NoteLocked, note_save_draft

    with pytest.raises(NoteLocked):
        note_save_draft(note=refresh(note), by=cast.therapist, base_version=note.version,
                        content={"subjective": "rewritten"})


# --- The queue -------------------------------------------------------------------------------------


def test_queue_lists_supervisees_notes_oldest_first_with_reference_date_author_and_late_flag(cast, login):
    import datetime

    from django.utils import timezone

    now = timezone.now()
    newer = awaiting(cast, signed_at=now - datetime.timedelta(hours=1))
    older = awaiting(cast, signed_at=now - datetime.timedelta(days=5), late_entry=True)
    final = signed_note(session=SessionFactory(couple=cast.couple, therapist=cast.therapist), status="final")
    co_note = signed_note(session=SessionFactory(couple=cast.couple, therapist=cast.co_therapist))  # not supervised
    response = login(cast.supervisor).get(reverse("notes:review-queue"))
    assert response.status_code == 200
    body = response.content.decode()
    old_link, new_link = (reverse("notes:note-detail", args=[n.pk]) for n in (older, newer))
    assert old_link in body and new_link in body and body.index(old_link) < body.index(new_link)
    assert reverse("notes:note-detail", args=[final.pk]) not in body
    assert reverse("notes:note-detail", args=[co_note.pk]) not in body
    assert cast.couple.reference in body and cast.therapist.display_name in body
    assert "Late entry" in body and "Awaiting your co-signature <span class=\"count\">(2)</span>" in body
    assert 'for="secret-' in body and 'for="comment-' in body  # every control has a label
    for text in note_text(older):
        assert text not in body  # the queue shows no note content


def note_text(note: ProgressNote) -> list[str]:
    return [value for value in refresh(note).content.values() if value]


def test_queue_shows_notes_returned_and_whether_answered(cast, login):
    note = returned(cast)
    body = login(cast.supervisor).get(reverse("notes:review-queue")).content.decode()
    assert "Returned, waiting for the author <span class=\"count\">(1)</span>" in body and "Not yet" in body
    make_addendum(note)
    body = login(cast.supervisor).get(reverse("notes:review-queue")).content.decode()
    assert "Yes, not yet resubmitted" in body


def test_queue_is_empty_for_a_supervisor_without_notes_to_review(cast, login):
    response = login(cast.supervisor).get(reverse("notes:review-queue"))
    assert "No note is waiting for your co-signature." in response.content.decode()


@pytest.mark.parametrize("role", ["therapist", "co_therapist", "stranger", "outsider", "manager", "admin"])
def test_only_supervisors_have_a_review_queue(cast, login, role):
    assert login(getattr(cast, role)).get(reverse("notes:review-queue")).status_code == 403


def test_anonymous_cannot_open_the_queue(client):
    response = client.get(reverse("notes:review-queue"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("clinic:login"))


def _queue_with(cast, count: int) -> None:
    for _ in range(count):
        couple = CoupleFactory(practice=cast.practice, primary=cast.therapist)
        signed_note(session=SessionFactory(couple=couple, therapist=cast.therapist), late_entry=True)
        returned_note = signed_note(session=SessionFactory(couple=couple, therapist=cast.therapist))
        returned_note.status, returned_note.return_comment = NoteStatus.RETURNED, COMMENT
        returned_note.save()


@pytest.mark.django_db(transaction=True)
def test_queue_query_count_does_not_grow_with_notes(cast, login, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cast.supervisor)
    _queue_with(cast, 2)
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("notes:review-queue")).status_code == 200
    _queue_with(cast, 20)
    keyring.clear_cache()
    with django_assert_max_num_queries(len(small)):
        response = client.get(reverse("notes:review-queue"))
    assert "Awaiting your co-signature <span class=\"count\">(22)</span>" in response.content.decode()
    assert len(small) <= 11, len(small)  # 11: the navigation's review-queue count (one query)


# --- The review page and panel ---------------------------------------------------------------------


def test_a_refused_cosign_shows_the_review_page_with_both_forms_labelled(cast, login):
    note = awaiting(cast, late_entry=True)
    response = login(cast.supervisor).post(reverse("notes:note-cosign", args=[note.pk]), {"secret": "nope"})
    body = response.content.decode()
    assert f'action="{reverse("notes:note-cosign", args=[note.pk])}"' in body
    assert f'action="{reverse("notes:note-return", args=[note.pk])}"' in body
    assert '<label for="id_secret">' in body and '<label for="id_comment">' in body
    assert reverse("notes:note-detail", args=[note.pk]) in body and "Late entry" in body
    assert 'href="#id_secret"' in body  # the error summary links to the field


def test_the_panel_offers_each_user_only_what_they_may_do(cast):
    from notes.views.supervision import review_panel_context

    note = refresh(awaiting(cast))
    assert review_panel_context(note, cast.supervisor)["can_review"] is True
    for user in (cast.therapist, cast.co_therapist):
        context = review_panel_context(note, user)
        assert (context["can_review"], context["can_resubmit"]) == (False, False)
        assert context["cosign_form"] is None
    sent_back = refresh(returned(cast))
    assert review_panel_context(sent_back, cast.supervisor)["can_review"] is False
    context = review_panel_context(sent_back, cast.therapist)
    assert (context["can_resubmit"], context["answered"]) == (True, False)
    make_addendum(sent_back)
    assert review_panel_context(sent_back, cast.therapist)["answered"] is True
