"""plans 0008 encrypts an objective's unit and an intervention's frequency and "delivered by" (issue 16, item 5).

The rows are made at the current schema, the migration is reversed (the values come back as plain columns, as
they were before) and applied again: the columns then hold ciphertext bound to their row, the model reads the
same text, and a crypto-shredded couple's plain values are destroyed, not sealed.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from keys import keyring
from keys.fields import SHREDDED_TEXT
from keys.shredding import shred_keys
from plans.models import Intervention, Objective
from tests.factories import CoupleFactory, PracticeFactory, UserFactory
from tests.notes.note_factories import active_plan

BEFORE = ("plans", "0007_plan_diagnoses")
AFTER = ("plans", "0008_encrypt_free_text")
FREQUENCY = "Tuesdays after Sam's late shift"
DELIVERED_BY = "Dr Okafor with partner B"
UNIT = "calls to Jordan per week"


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    keyring.clear_cache()


def _migrate_to_latest() -> None:
    """Going back to BEFORE unapplied every later migration of every app (the portal's included): re-apply them all,
    or the tests that follow in this process find tables missing."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    keyring.clear_cache()


def _column(table: str, column: str, pk) -> object:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk.hex if connection.vendor == "sqlite"
                                                                       else pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_plain_values_are_sealed_to_their_row_and_read_back_unchanged():
    practice = PracticeFactory()
    therapist = UserFactory(practice=practice, role="therapist")
    couple, shredded = CoupleFactory(practice=practice, primary=therapist), CoupleFactory(practice=practice,
                                                                                           primary=therapist)
    rows, goals = {}, {}
    for case in (couple, shredded):
        _, objective, intervention = active_plan(case, therapist)
        objective.unit = UNIT
        objective.save()
        intervention.frequency, intervention.delivered_by = FREQUENCY, DELIVERED_BY
        intervention.save()
        rows[case.pk], goals[case.pk] = (objective.pk, intervention.pk), intervention.goal
    empty = Intervention.objects.create(goal=goals[couple.pk], couple=couple, description="No details")

    try:
        _migrate(BEFORE)
        # Before 0008 (reached by its reverse, which opens the values): plain text in the columns.
        objective_id, intervention_id = rows[couple.pk]
        assert _column("plans_intervention", "frequency", intervention_id) == FREQUENCY
        assert _column("plans_intervention", "delivered_by", intervention_id) == DELIVERED_BY
        assert _column("plans_objective", "unit", objective_id) == UNIT
        with transaction.atomic():
            shred_keys(keyring.KeyOwner("couple", shredded.pk))

        _migrate(AFTER)
    finally:
        _migrate_to_latest()

    for column, value in (("frequency", FREQUENCY), ("delivered_by", DELIVERED_BY)):
        stored = bytes(_column("plans_intervention", column, intervention_id))
        assert value.encode() not in stored and len(stored) > len(value)
    assert UNIT.encode() not in bytes(_column("plans_objective", "unit", objective_id))
    intervention = Intervention.objects.get(pk=intervention_id)
    assert (intervention.frequency, intervention.delivered_by) == (FREQUENCY, DELIVERED_BY)
    assert Objective.objects.get(pk=objective_id).unit == UNIT
    assert Intervention.objects.get(pk=empty.pk).frequency == ""

    # The shredded couple's plain values are gone: they read like every other destroyed text of the couple.
    shredded_objective, shredded_intervention = rows[shredded.pk]
    assert FREQUENCY.encode() not in bytes(_column("plans_intervention", "frequency", shredded_intervention))
    assert Intervention.objects.get(pk=shredded_intervention).frequency == SHREDDED_TEXT
    assert Objective.objects.get(pk=shredded_objective).unit == SHREDDED_TEXT


@pytest.mark.django_db(transaction=True)
def test_a_value_moved_to_another_row_does_not_open():
    practice = PracticeFactory()
    therapist = UserFactory(practice=practice, role="therapist")
    couple = CoupleFactory(practice=practice, primary=therapist)
    _, _, first = active_plan(couple, therapist)
    second = Intervention.objects.create(goal=first.goal, couple=couple, description="Second",
                                         frequency="weekly")
    first.frequency = "daily"
    first.save()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE plans_intervention SET frequency = (SELECT frequency FROM plans_intervention "
                       "WHERE id = %s) WHERE id = %s",
                       [first.pk.hex if connection.vendor == "sqlite" else first.pk,
                        second.pk.hex if connection.vendor == "sqlite" else second.pk])
    from keys.errors import DecryptionError

    with pytest.raises(DecryptionError):
        _ = Intervention.objects.get(pk=second.pk).frequency
