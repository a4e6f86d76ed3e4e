"""factory_boy factories and helpers for sessions, progress notes and addenda.

`SessionFactory` makes an attended joint session two days ago; `NoteFactory` a draft of it by the session's
therapist; `signed_note(...)` a note signed as note_sign would sign it (hash, signer, status) without the
re-authentication step; `screen_partners(couple)` records both IPV screens so joint sessions can be created
through the service; `active_plan(couple, by)` a small active treatment plan (one objective, one intervention).
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import factory
from django.utils import timezone

from clinic.models import IPVResult
from notes import note_templates
from notes.content_hash import addendum_content_hash, note_content_hash
from notes.models import Addendum, NoteStatus, ObjectiveRating, ProgressNote, Session
from plans.models import Goal, Intervention, Objective, Problem, TreatmentPlan

SOAP_TEXT = {
    "subjective": "Both partners reported two arguments about phone checking since last week.",
    "objective": "Calm affect; partner A maintained eye contact while partner B described the trigger.",
    "assessment": "Checking has reduced from daily to twice a week; trust-building tasks partly done.",
    "plan": "Continue the checking log; practise the speaker-listener technique twice before next session.",
}


def all_clear_risk(**overrides) -> dict:
    """A risk check answered "none" for everything, for both partners (override per partner: a={...})."""
    risk = {
        partner: {**{key: note_templates.RISK_NONE for key, _ in note_templates.RISK_ITEMS}, "safety_plan": ""}
        for partner, _ in note_templates.PARTNERS
    }
    for partner, values in overrides.items():
        risk[partner].update(values)
    return risk


def screen_partners(couple, on: datetime.date | None = None) -> None:
    """Record both partners' IPV screens (no concern), so a joint session may be recorded."""
    for partner in couple.partners.all():
        partner.ipv_result = IPVResult.NO_CONCERN
        partner.ipv_screened_on = on or datetime.date(2024, 1, 10)
        partner.save()
    if hasattr(couple, "_prefetched_objects_cache"):
        couple._prefetched_objects_cache.pop("partners", None)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    couple = None  # required
    therapist = None  # required
    created_by = factory.SelfAttribute("therapist")
    starts_at = factory.LazyFunction(
        lambda: timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(days=2)
    )
    duration_minutes = 50
    modality = "in_person"
    kind = "joint"
    attendance = "attended"
    service_code = "90847"


class NoteFactory(factory.django.DjangoModelFactory):
    """A draft progress note of `session`, by its therapist, SOAP with every section written."""

    class Meta:
        model = ProgressNote

    session = None  # required
    couple = factory.SelfAttribute("session.couple")
    author = factory.SelfAttribute("session.therapist")
    template = "soap"
    content = factory.LazyFunction(lambda: dict(SOAP_TEXT))
    risk = factory.LazyFunction(all_clear_risk)
    interventions_used = factory.LazyFunction(list)
    restricted_to_partner = factory.LazyAttribute(lambda note: note.session.individual_partner)
    status = NoteStatus.DRAFT


def signed_note(
    *, session: Session, author=None, signed_at: datetime.datetime | None = None, status: str | None = None,
    ratings: list[tuple[uuid.UUID, Decimal]] = (), **fields,
) -> ProgressNote:
    """A note signed the way note_sign signs it (content hash, signer, time, status), skipping re-auth."""
    author = author or session.therapist
    note = NoteFactory(session=session, author=author, **fields)
    for lineage, value in ratings:
        ObjectiveRating.objects.create(note=note, couple_id=note.couple_id, objective_lineage=lineage, value=value)
    note.signed_by = author
    note.signed_at = signed_at or timezone.now()
    note.requires_cosign = author.supervisor_id is not None
    note.status = status or (NoteStatus.AWAITING_COSIGN if note.requires_cosign else NoteStatus.FINAL)
    note.content_hash = note_content_hash(note)
    note.version += 1
    note.save()
    return note


def make_addendum(note: ProgressNote, *, author=None, kind: str = "clarification",
                  text: str = "Clarifying: the homework was agreed by both partners.") -> Addendum:
    addendum = Addendum(id=uuid.uuid4(), note=note, couple_id=note.couple_id, kind=kind, text=text,
                        author=author or note.author, signed_at=timezone.now())
    addendum.content_hash = addendum_content_hash(addendum)
    addendum.save(force_insert=True)
    return addendum


def active_plan(couple, by):
    """A small active plan: one problem, goal, objective (checking episodes per week) and intervention."""
    plan = TreatmentPlan.objects.create(couple=couple, number=1, status="active", created_by=by,
                                        signed_by=by, signed_at=timezone.now(), formulation="Formulation.")
    problem = Problem.objects.create(plan=plan, couple=couple, title="Trust after an affair")
    goal = Goal.objects.create(problem=problem, couple=couple, text="Rebuild trust")
    objective = Objective.objects.create(
        goal=goal, couple=couple, text="Reduce phone checking", metric="checking episodes", unit="per week",
        baseline=Decimal("10"), target=Decimal("2"),
    )
    intervention = Intervention.objects.create(goal=goal, couple=couple, description="Graded reduction of checking")
    return plan, objective, intervention
