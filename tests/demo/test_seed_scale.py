"""manage.py seed_scale: a small run gives a consistent, readable practice built like the services build it."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse

from audit.chain import verify_chain
from audit.models import AuditEvent
from clinic.models import CareTeamMember, Client, Couple, IPVResult, Partner, User
from clinic.selectors.clients import find_clients_by_name
from demo.management.commands.seed_scale import CLINICAL_STEPS
from demo.scale import practice as scale
from keys.fields import encrypted_fields
from keys.models import DataKey
from notes.content_hash import note_hash_matches
from notes.models import NoteStatus, ObjectiveRating, ProgressNote, Session
from notes.selectors.notes import session_ends_at
from plans.instruments import BUILTIN
from plans.models import MeasureAdministration, Objective, ProgressPoint, TreatmentPlan

THERAPISTS, COUPLES = 3, 12


def seed(*extra: str, therapists: int = THERAPISTS, couples: int = COUPLES) -> str:
    out = StringIO()
    call_command("seed_scale", "--therapists", str(therapists), "--couples", str(couples), "--years", "1",
                 "--seed", "7", "--batch", "5", *extra, stdout=out)
    return out.getvalue()


def remove_seeded(after_event_id: int) -> None:
    """Delete the scale practice and the events written since `after_event_id` (committed data)."""
    practice = scale.find_practice()
    if practice is not None:
        scale.delete_practice(practice, [step.delete_for for step in CLINICAL_STEPS])
    with transaction.atomic():
        if connection.vendor == "postgresql":  # audit rows are append-only there: lift the trigger for cleanup
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        AuditEvent.objects.filter(id__gt=after_event_id).delete()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One seeding for the module, committed (so data keys are cached as in a real run), removed afterwards."""
    with django_db_blocker.unblock(), override_settings(DEBUG=True):
        last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        try:
            output = seed()
            yield scale.find_practice(), output
        finally:
            remove_seeded(last)


def test_seed_creates_the_expected_rows(db, seeded):
    practice, output = seeded
    assert "Built" in output
    couples = Couple.objects.filter(practice=practice)
    assert couples.count() == COUPLES
    assert Client.objects.filter(practice=practice).count() == 2 * COUPLES
    assert Partner.objects.filter(couple__practice=practice).count() == 2 * COUPLES
    usernames = set(User.objects.filter(practice=practice).values_list("username", flat=True))
    assert usernames == {"scale-therapist-001", "scale-therapist-002", "scale-therapist-003", "scale-manager",
                         "scale-admin"}
    assert User.objects.filter(practice=practice, supervisor__isnull=False).exists()
    assert all(user.check_password(scale.PASSWORD) for user in User.objects.filter(practice=practice))
    assert CareTeamMember.objects.filter(couple__practice=practice, role="primary").count() == COUPLES
    assert DataKey.objects.filter(owner_kind="couple", owner_id__in=couples.values("pk"), state="active").count() \
        == COUPLES
    assert couples.filter(status="active").count() >= COUPLES // 2
    sessions = Session.objects.filter(couple__practice=practice)
    attended = sessions.filter(attendance="attended")
    assert sessions.count() >= 10 * COUPLES
    assert ProgressNote.objects.filter(couple__practice=practice).count() == attended.count()
    assert sessions.exclude(attendance__in=["attended", "scheduled"]).filter(note__isnull=False).count() == 0
    assert TreatmentPlan.objects.filter(couple__practice=practice, status="active").exists()
    assert Objective.objects.filter(couple__practice=practice, baseline__isnull=False).exists()
    assert MeasureAdministration.objects.filter(couple__practice=practice).values("instrument").distinct().count() \
        == 3
    signed_ratings = ObjectiveRating.objects.filter(note__signed_at__isnull=False, couple__practice=practice)
    assert ProgressPoint.objects.filter(couple__practice=practice, source="session").count() \
        == signed_ratings.count() > 0


def test_every_encrypted_value_opens_through_the_orm(db, seeded):
    opened = 0
    for model in apps.get_models():
        fields = encrypted_fields(model)
        for row in model._base_manager.all() if fields else []:
            for field in fields:
                getattr(row, field.attname)
                opened += 1
    # Thousands of values: the exact number follows the seeded random choices (e.g. how many library signs
    # each plan samples, which moves when the library grows), so the floor leaves room.
    assert opened > 2500
    client = Client.objects.first()
    assert client.first_name and isinstance(client.date_of_birth, datetime.date)
    note = ProgressNote.objects.filter(signed_at__isnull=False).first()
    assert all(isinstance(text, str) and len(text) > 100 for text in note.content.values())


def test_signed_notes_are_consistent_with_the_sign_service(db, seeded):
    practice, _ = seeded
    notes = ProgressNote.objects.filter(couple__practice=practice).select_related("session", "author")
    signed = [note for note in notes if note.signed_at is not None]
    assert signed and all(note_hash_matches(note) for note in signed)
    deadline = datetime.timedelta(hours=practice.note_deadline_hours)
    for note in signed:
        ended = session_ends_at(note.session)
        assert note.signed_by_id == note.author_id and note.signed_at > ended
        assert note.late_entry == (note.signed_at > ended + deadline)
        assert note.requires_cosign == (note.author.supervisor_id is not None)
        expected = {NoteStatus.FINAL, NoteStatus.AWAITING_COSIGN} if note.requires_cosign else {NoteStatus.FINAL}
        assert note.status in expected
        assert (note.status == NoteStatus.FINAL and note.requires_cosign) == (note.cosigned_at is not None)
        assert all(note.risk[p][key] in ("none", "concern") for p in "ab" for key in
                   ("suicidal_ideation", "harm_to_others", "partner_violence"))
    drafts = [note for note in notes if note.signed_at is None]
    assert all(n.status == NoteStatus.DRAFT and not n.content_hash for n in drafts)
    lengths = [len(text) for note in signed for text in note.content.values()]
    assert min(lengths) >= 100 and max(lengths) >= 500


def test_joint_sessions_only_after_both_ipv_screens(db, seeded):
    practice, _ = seeded
    for couple in Couple.objects.filter(practice=practice).prefetch_related("partners"):
        joint = Session.objects.filter(couple=couple, kind="joint")
        if joint.exists():
            screens = [p.ipv_screened_on for p in couple.partners.all() if p.ipv_result != IPVResult.NOT_DONE]
            assert len(screens) == 2
            assert all(s.starts_at.date() >= max(screens) for s in joint)


def test_measures_are_scored_by_their_instrument(db, seeded):
    for row in MeasureAdministration.objects.all():
        score = BUILTIN[row.instrument].score(row.answers)
        assert (score.total, score.band, score.risk_flag) == (row.total, row.band, row.risk_flag)


def test_audit_chain_verifies_and_names_no_client(db, seeded):
    checked, broken = verify_chain()
    assert broken is None and checked == AuditEvent.objects.count()
    seeded_events = AuditEvent.objects.filter(detail__source=scale.SEED_SOURCE)
    assert seeded_events.filter(action="note.sign").count() == \
        ProgressNote.objects.filter(signed_at__isnull=False).count()
    names = {c.last_name for c in Client.objects.all()[:5]}
    assert not any(name in str(e.detail) for e in seeded_events[:500] for name in names)


def test_client_search_by_name_finds_the_seeded_client(db, seeded):
    practice, _ = seeded
    client = Client.objects.filter(practice=practice).first()
    assert client in find_clients_by_name(practice_id=practice.pk, name=client.full_name.upper())


def test_therapist_home_couple_page_and_search_load(db, seeded, login):
    therapist = User.objects.get(username="scale-therapist-001")
    couple = Couple.objects.visible_to(therapist).filter(status="active").first()
    assert couple is not None
    web = login(therapist)
    home = web.get(reverse("clinic:home"), follow=True)
    assert home.status_code == 200 and home.redirect_chain
    page = web.get(reverse("clinic:couple-detail", args=[couple.pk]))
    assert page.status_code == 200
    partner = couple.partners.get(position="a").client
    found = web.post(reverse("clinic:couple-list"), {"name": partner.full_name})
    assert found.status_code == 200 and couple.reference in found.content.decode()


def test_refuses_a_second_run_and_replace_rebuilds_the_same_practice(db, seeded, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--replace"):
        seed()

    def fingerprint() -> tuple[list, list]:
        practice = scale.find_practice()
        couples = Couple.objects.filter(practice=practice)
        return (sorted(couples.values_list("reference", "status", "start_date", "end_date")),
                sorted(Session.objects.filter(couple__in=couples).values_list("starts_at", "kind", "attendance")))

    seed("--replace", therapists=2, couples=2)
    first, first_practice = fingerprint(), scale.find_practice()
    seed("--replace", therapists=2, couples=2)
    assert scale.find_practice().pk != first_practice.pk
    assert fingerprint() == first and len(first[0]) == 2
    assert verify_chain()[1] is None


def test_refuses_without_debug_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="RAPPORT_DEBUG"):
        seed()
