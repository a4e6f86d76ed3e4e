"""Progress-note services: draft, autosave versions, template change, sign and lock, addenda, progress points."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import CareTeamMember
from notes import content_hash
from notes.models import Addendum, NoteStatus, ObjectiveRating, ProgressNote
from notes.services import notes as services
from notes.services.notes import NoteLocked, ReauthFailed
from notes.services.validation import RatingInput
from plans.models import ProgressPoint
from rapport.versioning import StaleVersion
from tests.factories import TEST_PASSWORD, UserFactory
from tests.notes.note_factories import (
    SOAP_TEXT,
    NoteFactory,
    SessionFactory,
    active_plan,
    all_clear_risk,
    signed_note,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(cast):
    return SessionFactory(couple=cast.couple, therapist=cast.therapist)


@pytest.fixture
def draft(cast, session):
    note, created = services.note_start(session=session, by=cast.therapist)
    assert created
    return note


def fill(note, by, **extra):
    return services.note_save_draft(note=note, by=by, base_version=note.version, content=dict(SOAP_TEXT),
                                    risk=all_clear_risk(), **extra)


# --- start -----------------------------------------------------------------------------------------


def test_therapist_can_start_a_draft_once_per_session(cast, session):
    note, created = services.note_start(session=session, by=cast.therapist)
    again, created_again = services.note_start(session=session, by=cast.therapist)
    assert created and not created_again
    assert again.pk == note.pk
    assert note.status == NoteStatus.DRAFT and note.version == 1 and note.author == cast.therapist
    assert set(note.content) == {"subjective", "objective", "assessment", "plan"}
    assert AuditEvent.objects.filter(action="note.create", object_id=str(note.pk)).count() == 1


@pytest.mark.parametrize("attendance", ["cancelled", "late_cancelled", "no_show"])
def test_therapist_cannot_start_a_note_for_a_session_not_attended(cast, attendance):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance=attendance)
    with pytest.raises(ValidationError) as error:
        services.note_start(session=session, by=cast.therapist)
    assert "attended session" in str(error.value)
    assert not ProgressNote.objects.exists()


def test_therapist_cannot_start_a_note_for_a_scheduled_session_still_to_come(cast):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance="scheduled",
                             starts_at=timezone.now() + datetime.timedelta(hours=2))
    with pytest.raises(ValidationError) as error:
        services.note_start(session=session, by=cast.therapist)
    assert "attended session" in str(error.value)
    assert not ProgressNote.objects.exists()
    session.refresh_from_db()
    assert session.attendance == "scheduled"


def test_opening_the_note_of_a_scheduled_session_that_has_started_records_it_attended(cast):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance="scheduled",
                             starts_at=timezone.now() - datetime.timedelta(minutes=55))
    note, created = services.note_start(session=session, by=cast.therapist)
    session.refresh_from_db()
    assert created and note.session_id == session.pk
    assert session.attendance == "attended" and session.service_code
    assert AuditEvent.objects.filter(action="session.update", object_id=str(session.pk)).exists()


def test_an_empty_draft_of_a_session_that_did_not_happen_can_be_removed(cast):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance="scheduled",
                             starts_at=timezone.now() - datetime.timedelta(minutes=55))
    note, _ = services.note_start(session=session, by=cast.therapist)
    services.note_discard_not_attended(note=note, by=cast.therapist, attendance="no_show")
    session.refresh_from_db()
    assert session.attendance == "no_show" and session.service_code == ""
    assert not ProgressNote.objects.filter(session=session).exists()
    assert AuditEvent.objects.filter(action="note.discard", object_id=str(note.pk)).exists()


def test_a_draft_with_text_stays_and_keeps_its_session_attended(cast):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    note, _ = services.note_start(session=session, by=cast.therapist)
    note = services.note_save_draft(note=note, by=cast.therapist, base_version=1, content={"plan": "Words."})
    with pytest.raises(ValidationError) as error:
        services.note_discard_not_attended(note=note, by=cast.therapist, attendance="no_show")
    assert "attendance" in error.value.message_dict
    session.refresh_from_db()
    assert session.attendance == "attended" and ProgressNote.objects.filter(pk=note.pk).exists()


def test_a_new_draft_has_the_active_plans_interventions_ticked(cast):
    _plan, _objective, intervention = active_plan(cast.couple, cast.therapist)
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    note, _ = services.note_start(session=session, by=cast.therapist)
    assert note.interventions_used == [{"key": f"plan:{intervention.pk}", "label": "Graded reduction of checking"}]


def test_individual_session_note_is_restricted_to_that_partner(cast):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, kind="individual_b", service_code="90834")
    note, _ = services.note_start(session=session, by=cast.therapist)
    assert note.restricted_to_partner == "b"


def test_practice_template_setting_limits_the_default_and_the_choice(cast, session):
    cast.practice.note_templates = "birp"
    cast.practice.save()
    cast.therapist.refresh_from_db()
    note, _ = services.note_start(session=session, by=cast.therapist)
    assert note.template == "birp"
    with pytest.raises(ValidationError):
        services.note_save_draft(note=note, by=cast.therapist, base_version=note.version, template="soap")


# --- save -----------------------------------------------------------------------------------------


def test_author_can_save_a_draft_and_each_change_bumps_the_version(cast, draft):
    saved = fill(draft, cast.therapist)
    assert saved.version == 2
    again = services.note_save_draft(note=saved, by=cast.therapist, base_version=2, content=dict(SOAP_TEXT))
    assert again.version == 2, "nothing changed: same version"
    reloaded = ProgressNote.objects.get(pk=draft.pk)
    assert reloaded.content["plan"] == SOAP_TEXT["plan"]
    event = AuditEvent.objects.filter(action="note.update").last()
    assert event.detail == {"fields": ["content", "risk"], "version": 2}
    assert SOAP_TEXT["plan"] not in str(event.detail)


def test_stale_save_is_refused_and_writes_nothing(cast, draft):
    fill(draft, cast.therapist)  # version 2, as another tab would
    with pytest.raises(StaleVersion) as error:
        services.note_save_draft(note=draft, by=cast.therapist, base_version=1, content={"plan": "Older text"})
    assert error.value.current_version == 2
    assert ProgressNote.objects.get(pk=draft.pk).content["plan"] == SOAP_TEXT["plan"]


def test_co_therapist_cannot_change_someone_elses_draft(cast, draft):
    with pytest.raises(PermissionDenied):
        services.note_save_draft(note=draft, by=cast.co_therapist, base_version=1, content={"plan": "Mine"})


def test_text_over_the_limit_is_refused_with_the_field_and_the_limit(cast, draft):
    with pytest.raises(ValidationError) as error:
        services.note_save_draft(note=draft, by=cast.therapist, base_version=1, content={"assessment": "x" * 20_001})
    assert error.value.message_dict["assessment"] == [
        "Assessment: shorten it to 20,000 characters or fewer (it has 20,001)."
    ]
    assert ProgressNote.objects.get(pk=draft.pk).version == 1


def test_changing_the_template_keeps_every_word(cast, draft):
    saved = fill(draft, cast.therapist)
    dap = services.note_save_draft(note=saved, by=cast.therapist, base_version=saved.version, template="dap")
    assert dap.template == "dap"
    assert set(dap.content) == {"data", "assessment", "plan"}
    assert SOAP_TEXT["subjective"] in dap.content["data"] and SOAP_TEXT["objective"] in dap.content["data"]
    assert dap.content["assessment"] == SOAP_TEXT["assessment"]
    assert dap.content["plan"] == SOAP_TEXT["plan"]


def test_interventions_and_ratings_are_saved_with_labels(cast, draft):
    _, objective, intervention = active_plan(cast.couple, cast.therapist)
    saved = services.note_save_draft(
        note=draft, by=cast.therapist, base_version=1,
        interventions_used=["cbt:thought_records", f"plan:{intervention.pk}"],
        objective_ratings=[RatingInput(objective.lineage, Decimal("4.5"), "fewer checks")],
    )
    assert saved.interventions_used == [
        {"key": "cbt:thought_records", "label": "Thought records"},
        {"key": f"plan:{intervention.pk}", "label": "Graded reduction of checking"},
    ]
    rating = ObjectiveRating.objects.get(note=draft)
    assert rating.value == Decimal("4.50") and rating.comment == "fewer checks"
    # Removing the value removes the rating.
    services.note_save_draft(note=saved, by=cast.therapist, base_version=saved.version, objective_ratings=[])
    assert not ObjectiveRating.objects.filter(note=draft).exists()


def test_unknown_intervention_is_refused(cast, draft):
    with pytest.raises(ValidationError):
        services.note_save_draft(note=draft, by=cast.therapist, base_version=1, interventions_used=["cbt:hypnosis"])


# --- copy the previous plan ------------------------------------------------------------------------


def test_start_from_previous_note_copies_its_plan_section(cast, draft):
    earlier = SessionFactory(couple=cast.couple, therapist=cast.therapist,
                             starts_at=draft.session.starts_at - datetime.timedelta(days=7))
    signed_note(session=earlier, content={**SOAP_TEXT, "plan": "Keep the checking log daily."})
    note, copied = services.note_copy_previous_plan(note=draft, by=cast.therapist, base_version=1)
    assert copied
    assert note.content["plan"] == "Keep the checking log daily."
    assert AuditEvent.objects.filter(action="note.copy_previous_plan").exists()


def test_start_from_previous_note_without_one_changes_nothing(cast, draft):
    note, copied = services.note_copy_previous_plan(note=draft, by=cast.therapist, base_version=1)
    assert not copied and note.version == 1


# --- sign -----------------------------------------------------------------------------------------


def test_author_can_sign_and_the_note_is_locked_with_its_hash(cast, draft):
    cast.therapist.supervisor = None
    cast.therapist.save()
    saved = fill(draft, cast.therapist)
    signed = services.note_sign(note=saved, by=cast.therapist, secret=TEST_PASSWORD, base_version=saved.version)
    assert signed.status == NoteStatus.FINAL and not signed.requires_cosign
    assert signed.signed_by == cast.therapist and signed.signed_at is not None
    assert len(signed.content_hash) == 64 and content_hash.note_hash_matches(signed)
    assert not signed.late_entry
    assert AuditEvent.objects.filter(action="note.sign", object_id=str(signed.pk)).exists()
    assert AuditEvent.objects.filter(action="reauth.note_sign", outcome="ok").exists()
    with pytest.raises(NoteLocked):
        services.note_save_draft(note=signed, by=cast.therapist, base_version=signed.version, content={"plan": "x"})
    with pytest.raises(NoteLocked):
        services.note_copy_previous_plan(note=signed, by=cast.therapist, base_version=signed.version)
    with pytest.raises(NoteLocked):
        services.note_sign(note=signed, by=cast.therapist, secret=TEST_PASSWORD)


def test_supervised_therapist_signature_awaits_cosignature(cast, draft):
    saved = fill(draft, cast.therapist)
    signed = services.note_sign(note=saved, by=cast.therapist, secret=TEST_PASSWORD)
    assert signed.requires_cosign and signed.status == NoteStatus.AWAITING_COSIGN


def test_wrong_secret_signs_nothing_and_is_audited(cast, draft):
    saved = fill(draft, cast.therapist)
    with pytest.raises(ReauthFailed) as error:
        services.note_sign(note=saved, by=cast.therapist, secret="not my password")
    assert "secret" in error.value.message_dict
    reloaded = ProgressNote.objects.get(pk=draft.pk)
    assert reloaded.signed_at is None and reloaded.status == NoteStatus.DRAFT
    assert AuditEvent.objects.filter(action="reauth.note_sign", outcome="failed").exists()


def test_co_therapist_cannot_sign_someone_elses_note(cast, draft):
    saved = fill(draft, cast.therapist)
    with pytest.raises(PermissionDenied):
        services.note_sign(note=saved, by=cast.co_therapist, secret=TEST_PASSWORD)
    assert ProgressNote.objects.get(pk=draft.pk).signed_at is None


def test_sign_needs_every_section_and_the_risk_check(cast, draft):
    with pytest.raises(ValidationError) as error:
        services.note_sign(note=draft, by=cast.therapist, secret=TEST_PASSWORD)
    problems = error.value.message_dict
    assert "subjective" in problems and "risk_a_suicidal_ideation" in problems and "risk_b_partner_violence" in problems
    assert "secret" not in problems, "the right password is not reported as a problem"
    assert ProgressNote.objects.get(pk=draft.pk).signed_at is None


def test_sign_reports_a_wrong_password_and_every_missing_part_in_one_round(cast, draft):
    with pytest.raises(services.SignRefused) as error:
        services.note_sign(note=draft, by=cast.therapist, secret="not my password")
    problems = error.value.message_dict
    assert problems["secret"] == [services.REAUTH_FAILED]
    assert set(problems) == {"secret", "subjective", "objective", "assessment", "plan",
                             *(f"risk_{p}_{k}" for p in "ab"
                               for k in ("suicidal_ideation", "harm_to_others", "partner_violence"))}
    assert AuditEvent.objects.filter(action="reauth.note_sign", outcome="failed").count() == 1


def test_sign_without_a_password_says_so_with_the_rest_and_counts_no_attempt(cast, draft):
    with pytest.raises(services.SignRefused) as error:
        services.note_sign(note=draft, by=cast.therapist, secret="  ")
    assert "secret" in error.value.message_dict and "plan" in error.value.message_dict
    assert not AuditEvent.objects.filter(action="reauth.note_sign").exists()


def test_a_risk_concern_needs_a_safety_plan_for_that_partner(cast, draft):
    saved = services.note_save_draft(
        note=draft, by=cast.therapist, base_version=1, content=dict(SOAP_TEXT),
        risk=all_clear_risk(b={"partner_violence": "concern"}),
    )
    with pytest.raises(ValidationError) as error:
        services.note_sign(note=saved, by=cast.therapist, secret=TEST_PASSWORD)
    assert list(error.value.message_dict) == ["risk_b_safety_plan"]
    assert "partner violence" in error.value.message_dict["risk_b_safety_plan"][0]
    saved = services.note_save_draft(
        note=saved, by=cast.therapist, base_version=saved.version,
        risk=all_clear_risk(b={"partner_violence": "concern", "safety_plan": "Separate sessions; hotline number."}),
    )
    assert services.note_sign(note=saved, by=cast.therapist, secret=TEST_PASSWORD).is_signed


def test_note_signed_after_the_deadline_is_a_late_entry(cast):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist,
                             starts_at=timezone.now() - datetime.timedelta(hours=80))
    note = NoteFactory(session=session)
    signed = services.note_sign(note=note, by=cast.therapist, secret=TEST_PASSWORD)
    assert signed.late_entry


def test_note_signed_within_the_practice_deadline_is_not_late(cast):
    cast.practice.note_deadline_hours = 100
    cast.practice.save()
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist,
                             starts_at=timezone.now() - datetime.timedelta(hours=80))
    note = NoteFactory(session=session)
    assert not services.note_sign(note=note, by=cast.therapist, secret=TEST_PASSWORD).late_entry


def test_signing_turns_ratings_into_progress_points_dated_the_session_day(cast, draft):
    _, objective, _ = active_plan(cast.couple, cast.therapist)
    saved = fill(draft, cast.therapist, objective_ratings=[RatingInput(objective.lineage, Decimal("3"))])
    signed = services.note_sign(note=saved, by=cast.therapist, secret=TEST_PASSWORD)
    point = ProgressPoint.objects.get(objective_lineage=objective.lineage)
    assert point.value == Decimal("3.00") and point.source == "session" and point.source_id == signed.pk
    assert point.recorded_on == timezone.localtime(draft.session.starts_at).date()
    assert point.recorded_by == cast.therapist


def test_hash_detects_a_change_after_signing(cast, session):
    note = signed_note(session=session)
    assert content_hash.note_hash_matches(note)
    note.content = {**note.content, "plan": "Quietly changed"}
    assert not content_hash.note_hash_matches(note)


# --- addenda --------------------------------------------------------------------------------------


def test_an_addendum_signed_at_a_local_time_verifies_after_the_database_round_trip(cast, session, monkeypatch):
    """A moment made in the practice's zone (British summer time here) hashes as the UTC value read back."""
    import zoneinfo

    note = signed_note(session=session)
    summer = datetime.datetime(2026, 7, 1, 10, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    monkeypatch.setattr(services.timezone, "now", lambda: summer)
    addendum = services.addendum_create(note=note, by=cast.therapist, kind="clarification",
                                        text="Seen in the summer.", secret=TEST_PASSWORD)
    assert addendum.content_hash == content_hash.addendum_content_hash(Addendum.objects.get(pk=addendum.pk))


def test_co_therapist_can_add_a_signed_addendum_and_the_note_stays_as_it_was(cast, session):
    note = signed_note(session=session)
    before = (note.content_hash, note.version, note.content)
    addendum = services.addendum_create(note=note, by=cast.co_therapist, kind="correction",
                                        text="The homework was set for both partners.", secret=TEST_PASSWORD)
    assert addendum.author == cast.co_therapist and len(addendum.content_hash) == 64
    assert addendum.content_hash == content_hash.addendum_content_hash(Addendum.objects.get(pk=addendum.pk))
    note.refresh_from_db()
    assert (note.content_hash, note.version, note.content) == before
    event = AuditEvent.objects.get(action="addendum.create")
    assert event.detail == {"note_id": str(note.pk), "kind": "correction"}


def test_addendum_on_a_draft_is_refused(cast, draft):
    with pytest.raises(ValidationError):
        services.addendum_create(note=draft, by=cast.therapist, kind="correction", text="x", secret=TEST_PASSWORD)
    assert not Addendum.objects.exists()


def test_addendum_needs_the_right_secret_a_kind_and_text(cast, session):
    note = signed_note(session=session)
    with pytest.raises(ReauthFailed):
        services.addendum_create(note=note, by=cast.therapist, kind="correction", text="Fix.", secret="wrong")
    with pytest.raises(ValidationError) as error:
        services.addendum_create(note=note, by=cast.therapist, kind="rewrite", text=" ", secret=TEST_PASSWORD)
    assert set(error.value.message_dict) == {"kind", "text"}
    with pytest.raises(ValidationError) as error:
        services.addendum_create(note=note, by=cast.therapist, kind="correction", text="y" * 20_001,
                                 secret=TEST_PASSWORD)
    assert "20,000" in error.value.message_dict["text"][0]
    assert not Addendum.objects.exists()


def test_lifecycle_draft_signed_addendum(cast, session):
    lone = UserFactory(practice=cast.practice, username="lone.therapist")
    CareTeamMember.objects.create(couple=cast.couple, user=lone, role="co_therapist",
                                  start_date=datetime.date(2020, 1, 1))
    own = SessionFactory(couple=cast.couple, therapist=lone)
    note, _ = services.note_start(session=own, by=lone)
    note = fill(note, lone)
    note = services.note_sign(note=note, by=lone, secret=TEST_PASSWORD, base_version=note.version)
    assert note.status == NoteStatus.FINAL
    services.addendum_create(note=note, by=lone, kind="late_information", text="Partner B called after.",
                             secret=TEST_PASSWORD)
    actions = list(AuditEvent.objects.filter(object_id__in=[str(note.pk)]).values_list("action", flat=True))
    assert actions[:1] == ["note.create"] and "note.update" in actions and "note.sign" in actions
    assert note.addenda.count() == 1
