"""seed_demo's sessions and notes (demo.notes): months of signed notes, the pieces in flight, a live home page,
and nothing of it readable in the database without the keys.

The demo is seeded once for this module (see tests/demo/test_plans.py, whose fixture this reuses).
"""

from __future__ import annotations

import datetime
import re
from collections import Counter

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clinic.models import Couple, CoupleStatus, User
from notes.content_hash import note_hash_matches
from notes.models import (
    Addendum,
    Attendance,
    NoteStatus,
    NoteTemplate,
    ProgressNote,
    PsychotherapyNote,
    Session,
    SessionKind,
)
from plans.models import (
    BehaviouralExperiment,
    CheckingLogEntry,
    Homework,
    LibraryItem,
    MeasureAdministration,
    Objective,
    Problem,
    ProgressPoint,
    ProgressSource,
    ThoughtRecord,
    TreatmentPlan,
)
from tests.demo.test_plans import seeded  # noqa: F401  (the module-scoped demo)

pytestmark = pytest.mark.django_db


def notes_of(practice):
    return ProgressNote.objects.filter(couple__practice=practice).select_related("session", "author")


# --- Sessions ----------------------------------------------------------------------------------------------


def test_months_of_sessions_with_codes_kinds_and_missed_appointments(seeded):  # noqa: F811
    sessions = Session.objects.filter(couple__practice=seeded.practice)
    assert sessions.count() >= 150
    attendance = Counter(sessions.values_list("attendance", flat=True))
    assert attendance[Attendance.ATTENDED] > 0.9 * sessions.count()
    assert attendance[Attendance.CANCELLED] and attendance[Attendance.LATE_CANCELLED] and attendance[Attendance.NO_SHOW]
    kinds = Counter(sessions.values_list("kind", flat=True))
    assert kinds[SessionKind.JOINT] > 0.85 * sessions.count()
    assert kinds[SessionKind.INDIVIDUAL_A] >= 4 and kinds[SessionKind.INDIVIDUAL_B] >= 4
    codes = Counter(sessions.values_list("service_code", flat=True))
    assert set(codes) == {"90791", "90847", "90834", ""}
    # A session that did not take place has no service code (notes.services.sessions.UNBILLED_ATTENDANCE).
    assert set(sessions.filter(service_code="").values_list("attendance", flat=True)) == {
        Attendance.CANCELLED, Attendance.LATE_CANCELLED, Attendance.NO_SHOW}
    # One intake per couple seen, and each couple's first session is the intake.
    for couple in Couple.objects.filter(practice=seeded.practice, sessions__isnull=False).distinct():
        first = couple.sessions.order_by("starts_at").first()
        assert first.service_code == "90791"
    # Weekly, then fortnightly: a year-long couple has months of sessions.
    spans = {c.pk: c.sessions.order_by("starts_at") for c in Couple.objects.filter(practice=seeded.practice)}
    longest = max((s.last().starts_at - s.first().starts_at).days for s in spans.values() if s.exists())
    assert longest > 200
    assert not sessions.filter(couple__status=CoupleStatus.INTAKE).exists()


def test_the_demo_therapist_has_sessions_today_and_a_draft_for_the_first(seeded):  # noqa: F811
    therapist = User.objects.get(username="therapist")
    today = [s for s in Session.objects.filter(therapist=therapist).select_related("note")
             if timezone.localdate(s.starts_at) == timezone.localdate()]
    assert today
    earlier = min(today, key=lambda s: s.starts_at)
    assert earlier.attendance == Attendance.ATTENDED and earlier.kind == SessionKind.JOINT
    assert earlier.note.status == NoteStatus.DRAFT and earlier.note.content["subjective"]
    assert MeasureAdministration.objects.filter(couple=earlier.couple, instrument="csi4",
                                                administered_on=timezone.localdate()).count() == 2


def test_the_demo_therapist_home_page_is_alive(seeded, login):  # noqa: F811
    therapist = User.objects.get(username="therapist")
    body = login(therapist).get(reverse("notes:therapist-home")).content.decode()
    for heading in ("My sessions today", "My unsigned notes", "My late entries", "Measures due"):
        count = re.search(rf"{heading}[^<]*<span class=\"count\">\((\d+)\)", body)
        assert count and int(count.group(1)) >= 1, heading
    supervisor = User.objects.get(username="supervisor")
    body = login(supervisor).get(reverse("notes:therapist-home")).content.decode()
    count = re.search(r"Notes awaiting my co-signature <span class=\"count\">\((\d+)\)", body)
    assert count and int(count.group(1)) >= 1


# --- Notes ------------------------------------------------------------------------------------------------------


def test_attended_sessions_have_signed_notes_in_varied_templates(seeded):  # noqa: F811
    notes = list(notes_of(seeded.practice))
    attended = Session.objects.filter(couple__practice=seeded.practice, attendance=Attendance.ATTENDED).count()
    assert len(notes) == attended
    signed = [note for note in notes if note.is_signed]
    assert len(signed) >= 150
    assert {note.template for note in signed} == set(NoteTemplate.values)
    for note in signed:
        assert note_hash_matches(note), note.pk
        assert note.signed_at > note.session.starts_at
        assert all(text.strip() for text in note.content.values())
        assert "{" not in " ".join(note.content.values())  # every placeholder was filled
    # Signed when it would have happened, a few hours after each session: not all today.
    assert len({note.signed_at.date() for note in signed}) > 100
    assert len({note.content.get("plan") or "" for note in signed}) > 20  # varied words, not one template


def test_statuses_in_flight(seeded):  # noqa: F811
    notes = notes_of(seeded.practice)
    status = Counter(notes.values_list("status", flat=True))
    assert 3 <= status[NoteStatus.DRAFT] <= 6
    assert status[NoteStatus.AWAITING_COSIGN] >= 1
    assert status[NoteStatus.RETURNED] == 1
    assert notes.filter(late_entry=True).count() == 1
    late = notes.get(late_entry=True)
    assert late.author.username == "therapist"
    assert late.signed_at - late.session.starts_at > datetime.timedelta(hours=72)
    associate = User.objects.get(username="associate")
    theirs = notes.filter(author=associate).exclude(status=NoteStatus.DRAFT)
    assert theirs.exists() and all(note.requires_cosign for note in theirs)
    assert theirs.filter(status=NoteStatus.FINAL, cosigned_by__username="supervisor").exists()
    returned = notes.get(status=NoteStatus.RETURNED)
    assert returned.author == associate and returned.return_comment
    assert not notes.exclude(author=associate).filter(requires_cosign=True).exists()


def test_one_addendum_and_one_psychotherapy_note(seeded):  # noqa: F811
    addendum = Addendum.objects.get(couple__practice=seeded.practice)
    assert addendum.kind == "late_information" and addendum.signed_at > addendum.note.signed_at
    private = PsychotherapyNote.objects.get(couple__practice=seeded.practice)
    assert private.author.username == "therapist" and private.session.couple_id == private.couple_id


def test_objective_ratings_in_signed_notes_became_progress_points(seeded):  # noqa: F811
    points = ProgressPoint.objects.filter(couple__practice=seeded.practice, source=ProgressSource.SESSION)
    signed_with_ratings = ProgressNote.objects.filter(couple__practice=seeded.practice, signed_at__isnull=False,
                                                      objective_ratings__isnull=False).distinct()
    assert points.count() >= signed_with_ratings.count() > 50
    assert set(points.values_list("source_id", flat=True)) == set(signed_with_ratings.values_list("pk", flat=True))


def test_notes_show_the_risk_check_that_matches_the_phq9_flag(seeded):  # noqa: F811
    acknowledged = MeasureAdministration.objects.get(couple__practice=seeded.practice, risk_flag=True,
                                                     risk_acknowledged_at__isnull=False)
    note = ProgressNote.objects.get(couple=acknowledged.couple, session__kind=SessionKind.JOINT,
                                    session__starts_at__date=acknowledged.administered_on)
    assert note.risk[acknowledged.partner]["suicidal_ideation"] == "concern"
    assert note.risk[acknowledged.partner]["safety_plan"]


# --- Nothing readable without the keys ----------------------------------------------------------------------


def sentences(text: str) -> set[str]:
    return {part.strip() for part in re.split(r"[.!?;:\n]", text) if len(part.strip()) > 25}


def generated_clinical_text(practice) -> set[str]:
    """Every sentence of clinical text the demo generated (decrypted through the ORM), apart from the library's
    wording, which is generic and stored in clear on purpose."""
    found: set[str] = set()
    for note in ProgressNote.objects.filter(couple__practice=practice):
        for text in (*note.content.values(), note.return_comment,
                     *(entry.get("safety_plan", "") for entry in note.risk.values())):
            found |= sentences(text)
    for model, fields in (
        (Addendum, ("text",)), (PsychotherapyNote, ("text",)), (TreatmentPlan, ("formulation",)),
        (Problem, ("behavioural_definition",)), (Objective, ("text",)),
        (ThoughtRecord, ("situation", "automatic_thought", "evidence_for", "evidence_against", "balanced_thought")),
        (BehaviouralExperiment, ("prediction", "experiment", "outcome", "learned")),
        (Homework, ("description", "review_note")), (CheckingLogEntry, ("trigger",)),
        (MeasureAdministration, ("risk_acknowledgement_note",)),
    ):
        for row in model.objects.filter(couple__practice=practice):
            for field in fields:
                found |= sentences(getattr(row, field) or "")
    library = " ".join(" ".join(str(v) for v in row) for row in LibraryItem.objects.values_list(
        "title", "description", "behavioural_definition", "goal_text", "objective_text", "metric", "frequency"))
    return {sentence for sentence in found if sentence not in library}


def stored_text() -> str:
    """Every text, blob or JSON value of every table, read with raw SQL, in one string."""
    from tests.demo.test_seed_demo import every_stored_text

    return "\x00".join(value for _, _, value in every_stored_text())


def test_no_generated_clinical_sentence_is_stored_in_clear(seeded):  # noqa: F811
    secrets = generated_clinical_text(seeded.practice)
    assert len(secrets) > 500
    haystack = stored_text()
    assert "Harbour Couples Counselling" in haystack  # the scan reads real rows
    assert connection.vendor in ("sqlite", "postgresql")
    leaks = sorted(secret for secret in secrets if secret in haystack)
    assert leaks == []


# --- Every page a demo user opens renders with the demo's data --------------------------------------------

COUPLE_PAGES = ("clinic:couple-detail", "clinic:couple-administration", "plans:plan-detail", "plans:progress",
                "plans:cbt", "plans:measure-list", "notes:session-list", "notes:private-note-list",
                "reports:couple-reports")


def test_every_page_of_each_demo_couple_renders_for_its_primary_therapist(seeded, login):  # noqa: F811
    checked = 0
    for username in ("therapist", "therapist2", "associate", "supervisor"):
        user = User.objects.get(username=username)
        client = login(user)
        for page in ("notes:therapist-home", "clinic:couple-list", "plans:plan-overdue-reviews",
                     "plans:measures-due", "plans:library-list"):
            assert client.get(reverse(page)).status_code == 200, (username, page)
        for couple in Couple.objects.filter(care_team__user=user, care_team__role="primary"):
            for page in COUPLE_PAGES:
                response = client.get(reverse(page, args=[couple.pk]))
                assert response.status_code == 200, (username, page, couple.reference)
                checked += 1
        for note in ProgressNote.objects.filter(author=user).exclude(status=NoteStatus.DRAFT)[:3]:
            assert client.get(reverse("notes:note-detail", args=[note.pk])).status_code == 200
        for plan in TreatmentPlan.objects.filter(couple__care_team__user=user, status="superseded")[:2]:
            assert client.get(reverse("plans:plan-version", args=[plan.pk])).status_code == 200
    assert checked == len(COUPLE_PAGES) * Couple.objects.filter(practice=seeded.practice).count()
    supervisor = login(User.objects.get(username="supervisor"))
    body = supervisor.get(reverse("notes:review-queue")).content.decode()
    assert "C-2026" in body
    flagged = MeasureAdministration.objects.get(couple__practice=seeded.practice, risk_flag=True,
                                                risk_acknowledged_at__isnull=True,
                                                couple__care_team__user__username="associate")
    associate = login(User.objects.get(username="associate"))
    measures = associate.get(reverse("plans:measure-list", args=[flagged.couple_id])).content.decode()
    assert "Risk flag not yet acknowledged" in measures


def test_the_practice_report_renders_for_the_manager(seeded, login):  # noqa: F811
    manager = login(User.objects.get(username="manager"))
    response = manager.get(reverse("reports:practice-report"))
    assert response.status_code == 200
    body = response.content.decode()
    assert not any(name in body for name in ("Amara", "Okafor", "Benedict"))
