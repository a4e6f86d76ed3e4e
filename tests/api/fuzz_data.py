"""The case the API fuzz test runs against: one couple of the `cast` with something in every area.

`seed_case(cast)` returns, per kind of record, the ids the fuzzer substitutes into path parameters.
"""

from __future__ import annotations

import datetime

from clinic.models import CareTeamMember
from notes.models import Session
from plans.models import LibraryItem
from tests.factories import ClientFactory
from tests.notes.note_factories import NoteFactory, SessionFactory, make_addendum, screen_partners, signed_note
from tests.plans.cbt_factories import (
    CheckingLogFactory,
    ExperimentFactory,
    HomeworkFactory,
    ProgressPointFactory,
    ThoughtRecordFactory,
)
from tests.plans.measure_factories import administration
from tests.plans.plan_factories import LibraryItemFactory, add_schedule, make_plan


def seed_case(cast) -> dict[str, list[str]]:
    """Fill the cast's couple: partners screened, an active plan and a draft revision, sessions with a draft
    and a signed note, measures, CBT work, a library item and a client of its own. Returns ids by kind."""
    couple, therapist = cast.couple, cast.therapist
    screen_partners(couple)
    active = make_plan(couple, by=therapist, status="active")
    draft = make_plan(couple, by=therapist, status="draft")
    add_schedule(draft, "csi4")
    problem = draft.problems.first()
    goal = problem.goals.first()
    objective = goal.objectives.first()
    intervention = goal.interventions.first()

    joint = SessionFactory(couple=couple, therapist=therapist)
    later = SessionFactory(couple=couple, therapist=therapist,
                           starts_at=joint.starts_at + datetime.timedelta(days=1))
    draft_note = NoteFactory(session=later)
    signed = signed_note(session=joint)
    make_addendum(signed)

    base = {"couple": couple, "created_by": therapist}
    records = {
        "thought_record": ThoughtRecordFactory(**base),
        "experiment": ExperimentFactory(**base),
        "checking": CheckingLogFactory(**base, objective_lineage=objective.lineage),
        "homework": HomeworkFactory(**base),
    }
    ProgressPointFactory(couple=couple, objective_lineage=objective.lineage, recorded_by=therapist)
    measure = administration(couple, therapist, instrument="phq9", total=12, risk=1)
    library_item = LibraryItemFactory(practice=cast.practice)
    own_client = ClientFactory(practice=cast.practice)

    return {
        "couple": [str(couple.pk)],
        "client": [str(p.client_id) for p in couple.partners.all()] + [str(own_client.pk)],
        "care_team": [str(pk) for pk in CareTeamMember.objects.filter(couple=couple).values_list("pk", flat=True)],
        "plan": [str(draft.pk), str(active.pk)],
        "problem": [str(problem.pk)],
        "goal": [str(goal.pk)],
        "objective": [str(objective.pk)],
        "intervention": [str(intervention.pk)],
        "session": [str(pk) for pk in Session.objects.filter(couple=couple).values_list("pk", flat=True)],
        "note": [str(draft_note.pk), str(signed.pk)],
        "measure": [str(measure.pk)],
        "thought_record": [str(records["thought_record"].pk)],
        "experiment": [str(records["experiment"].pk)],
        "checking": [str(records["checking"].pk)],
        "homework": [str(records["homework"].pk)],
        "library": [str(library_item.pk), *map(str, LibraryItem.objects.filter(
            practice=cast.practice).exclude(pk=library_item.pk).values_list("pk", flat=True)[:2])],
        "instrument": ["csi4", "phq9", "gad7"],
    }
