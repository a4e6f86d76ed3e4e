"""Test data for the monthly practice report: a practice's worth of couples with sessions, notes, plans and
measures in one month, where every client name and every piece of clinical text is distinctive, so a test can
assert that none of it reaches the page, the PDF or the CSV."""

from __future__ import annotations

import datetime

from django.utils import timezone

from notes.models import PsychotherapyNote, Session
from plans.models import MeasureSchedule, TreatmentPlan
from tests.factories import CoupleFactory
from tests.notes.note_factories import NoteFactory, make_addendum, signed_note
from tests.plans.measure_factories import administration

# September 2025: Monday 1st to Tuesday 30th (five report weeks: 1-7, 8-14, 15-21, 22-28, 29-30).
MONTH = datetime.date(2025, 9, 1)
NOW = timezone.make_aware(datetime.datetime(2025, 10, 6, 9, 0))

SECRET_NAMES = ("Zebulon", "Quillfeather", "Ottoline", "Marchbanks")
SECRET_TEXT = {
    "subjective": "Partner disclosed the lighthouse keeper secret during the session.",
    "objective": "Tearful when the violet umbrella argument was described.",
    "assessment": "Saffron checking pattern persists despite the agreement.",
    "plan": "Revisit the cobalt letter exercise next week.",
}
SECRET_PRESENTING = "Presenting concern about the marmalade inheritance dispute."
SECRET_FORMULATION = "Formulation mentions the tangerine greenhouse affair."
SECRET_PRIVATE = "Private process note about the obsidian locket."
SECRET_ADDENDUM = "Addendum about the juniper passport."
SECRET_STRINGS = (*SECRET_NAMES, *SECRET_TEXT.values(), SECRET_PRESENTING, SECRET_FORMULATION, SECRET_PRIVATE,
                  SECRET_ADDENDUM, "lighthouse", "umbrella", "marmalade", "obsidian", "juniper", "tangerine")


def at(day: int, hour: int = 10, month: datetime.date = MONTH) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(month.year, month.month, day, hour))


def name_clients(couple, index: int) -> None:
    """Give the couple's two clients names no report may show."""
    for position, partner in enumerate(couple.partners.select_related("client").order_by("position")):
        client = partner.client
        client.first_name = SECRET_NAMES[position * 2]
        client.last_name = f"{SECRET_NAMES[position * 2 + 1]}{index}"
        client.save()


def session(couple, therapist, when, *, kind="joint", attendance="attended") -> Session:
    return Session.objects.create(couple=couple, therapist=therapist, starts_at=when, kind=kind,
                                  attendance=attendance, created_by=therapist)


def seed_couple(practice, therapist, index: int, *, co_therapist=None, author=None):
    """One couple in treatment with a month of activity:

    sessions  a joint attended session (note signed in time), an individual A attended session (note a
              draft), an individual B attended session on the 29th without a note (both overdue by NOW),
              a no-show, a cancellation and a late cancellation (all in September 2025);
    plan      an active plan whose review was due on 1 August, scheduling PHQ-9 weekly and CSI-16 monthly;
    measures  PHQ-9 for partner A from 18 (August) to 8 (September: reliable improvement) and partner B
              10 -> 9; CSI-16 for partner A 40 -> 60;
    private   a psychotherapy note and an addendum, both with distinctive text.
    """
    couple = CoupleFactory(practice=practice, primary=therapist, co_therapist=co_therapist,
                           reference=f"C-2025-{index:04d}", start_date=datetime.date(2025, 6, 1),
                           presenting_concerns=SECRET_PRESENTING)
    name_clients(couple, index)
    author = author or therapist
    joint = session(couple, therapist, at(2 + index % 5))
    note = signed_note(session=joint, author=author, signed_at=at(2 + index % 5, 15), content=dict(SECRET_TEXT))
    make_addendum(note, text=SECRET_ADDENDUM)
    individual = session(couple, therapist, at(9 + index % 5), kind="individual_a")
    NoteFactory(session=individual, author=author, content=dict(SECRET_TEXT))
    session(couple, therapist, at(29, 9), kind="individual_b")
    session(couple, therapist, at(16 + index % 5), attendance="no_show")
    session(couple, therapist, at(17 + index % 5), attendance="cancelled")
    session(couple, therapist, at(18 + index % 5), attendance="late_cancelled")
    PsychotherapyNote.objects.create(couple=couple, session=joint, author=author, text=SECRET_PRIVATE)
    plan = TreatmentPlan.objects.create(
        couple=couple, number=1, status="active", created_by=therapist, signed_by=therapist,
        signed_at=at(1, 12, datetime.date(2025, 7, 1)), review_due=datetime.date(2025, 8, 1),
        formulation=SECRET_FORMULATION,
    )
    MeasureSchedule.objects.create(plan=plan, instrument="phq9", every="week")
    MeasureSchedule.objects.create(plan=plan, instrument="csi16", every="month")
    administration(couple, therapist, instrument="phq9", partner="a", total=18, on=datetime.date(2025, 8, 20))
    administration(couple, therapist, instrument="phq9", partner="a", total=8, on=datetime.date(2025, 9, 3))
    administration(couple, therapist, instrument="phq9", partner="b", total=10, on=datetime.date(2025, 8, 20))
    administration(couple, therapist, instrument="phq9", partner="b", total=9, on=datetime.date(2025, 9, 10))
    administration(couple, therapist, instrument="csi16", partner="a", total=40, on=datetime.date(2025, 8, 20))
    administration(couple, therapist, instrument="csi16", partner="a", total=60, on=datetime.date(2025, 9, 3))
    return couple


def assert_no_secrets(text: str) -> None:
    for secret in SECRET_STRINGS:
        assert secret.casefold() not in text.casefold(), f"{secret!r} leaked into the report"

