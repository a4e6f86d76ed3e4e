"""plans 0013 and notes 0005 keep values per partner: existing progress points and session ratings of a
"both partners" objective survive the migration unchanged, as the couple's single ("not split") value.

Rows are made at the current schema, both migrations are reversed (the partner columns go) and applied again.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from keys import keyring
from notes.models import ObjectiveRating
from plans.models import ProgressPoint
from plans.selectors.progress import objective_chart
from tests.factories import CoupleFactory, PracticeFactory, UserFactory
from tests.notes.note_factories import NoteFactory, SessionFactory, active_plan
from tests.plans.cbt_factories import ProgressPointFactory, days_ago

BEFORE = [("plans", "0012_risk_item_unanswered"), ("notes", "0005_calendar_series_feed")]


def _migrate(targets) -> None:
    MigrationExecutor(connection).migrate(targets)
    keyring.clear_cache()


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    keyring.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_single_values_on_a_both_partners_objective_survive_as_the_couples_value():
    practice = PracticeFactory()
    therapist = UserFactory(practice=practice, role="therapist")
    couple = CoupleFactory(practice=practice, primary=therapist)
    _, objective, _ = active_plan(couple, therapist)  # for both partners
    session = SessionFactory(couple=couple, therapist=therapist)
    note = NoteFactory(session=session, couple=couple, author=therapist)
    ObjectiveRating.objects.create(note=note, couple=couple, objective_lineage=objective.lineage,
                                   value=Decimal("6.5"), comment="Both said it helped.")
    point = ProgressPointFactory(couple_id=couple.pk, objective_lineage=objective.lineage, value=Decimal("6.5"),
                                 recorded_on=days_ago(3), source="session", source_id=note.pk, note="From a note.")
    try:
        _migrate(BEFORE)
        _migrate_to_latest()
        stored = ProgressPoint.objects.get(pk=point.pk)
        assert (stored.partner, stored.value, stored.note, stored.client_reported) == (
            "", Decimal("6.50"), "From a note.", False)
        rating = ObjectiveRating.objects.get(note=note)
        assert (rating.partner, rating.value, rating.comment) == ("", Decimal("6.50"), "Both said it helped.")
        chart = objective_chart(1, objective, [stored])
        assert [series.label for series in chart.series] == ["Recorded values"]  # shown as before
        assert chart.series[0].points == [(days_ago(3), 6.5)]
    finally:
        _migrate_to_latest()
