"""Shared fixtures: a key file for the test run, and the fixed cast of users every view is tested with."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from keys import keyring
from keys.providers import reset_key_provider, write_key_file

# The test run gets its own key file, created before the test database is migrated.
_KEY_DIR = Path(tempfile.mkdtemp(prefix="rapport-test-keys-"))
settings.RAPPORT_KEY_FILE = _KEY_DIR / "test.key"
write_key_file(settings.RAPPORT_KEY_FILE)
reset_key_provider()
_checkpoints = itertools.count()


def _flush_in_replica_mode() -> None:
    """PostgreSQL refuses TRUNCATE of the audit events and of signed notes (statement-level triggers). Flushing the
    test database between transactional tests is the one TRUNCATE we want: it runs with the session in replica
    mode, which fires no trigger and which only a superuser (the test database's owner here) may set."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    plain = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = plain(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else statements

    DatabaseOperations.sql_flush = sql_flush


_flush_in_replica_mode()


@pytest.fixture(autouse=True)
def _own_audit_checkpoint():
    """Each test gets its own audit checkpoint file, and none is written on its own: the automatic one (every
    50th event, or the first after a minute) would add a query to whichever request happened to come at that
    moment, so query counts would depend on the order and speed of earlier tests. The checkpoint tests turn it on
    with the `settings` fixture."""
    names = ("RAPPORT_AUDIT_CHECKPOINT_FILE", "RAPPORT_AUDIT_CHECKPOINT_EVERY", "RAPPORT_AUDIT_CHECKPOINT_SECONDS")
    before = {name: getattr(settings, name) for name in names}
    settings.RAPPORT_AUDIT_CHECKPOINT_FILE = _KEY_DIR / f"audit-checkpoint-{next(_checkpoints)}.json"
    settings.RAPPORT_AUDIT_CHECKPOINT_EVERY = 0
    settings.RAPPORT_AUDIT_CHECKPOINT_SECONDS = 10**9
    yield
    for name, value in before.items():
        setattr(settings, name, value)


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    """Each test starts with no unwrapped keys in memory (its database rows were rolled back)."""
    keyring.clear_cache()
    yield
    keyring.clear_cache()


@pytest.fixture(autouse=True)
def _locmem_cache_cleared():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def cast(db):
    """The cast (after healthchecks' alice/bob/charlie), around one couple:

    therapist     primary therapist on the couple; pre-licensed, supervised by `supervisor`
    co_therapist  co-therapist on the couple
    stranger      therapist in the same practice, not on the couple
    supervisor    supervises `therapist` (so sees the couple), not on its care team
    manager       practice manager of the same practice
    admin         practice administrator
    outsider      therapist of another practice
    """
    from tests.factories import CoupleFactory, PracticeFactory, UserFactory

    practice = PracticeFactory()
    other_practice = PracticeFactory(name="Elsewhere Counselling")
    supervisor = UserFactory(practice=practice, role="supervisor", username="sam.supervisor")
    therapist = UserFactory(practice=practice, role="therapist", username="tess.therapist", supervisor=supervisor)
    co_therapist = UserFactory(practice=practice, role="therapist", username="colin.cotherapist")
    stranger = UserFactory(practice=practice, role="therapist", username="stella.stranger")
    manager = UserFactory(practice=practice, role="practice_manager", username="mia.manager")
    admin = UserFactory(practice=practice, role="admin", username="adam.admin")
    outsider = UserFactory(practice=other_practice, role="therapist", username="otto.outsider")
    couple = CoupleFactory(practice=practice, primary=therapist, co_therapist=co_therapist)
    return SimpleNamespace(
        practice=practice, other_practice=other_practice, couple=couple,
        therapist=therapist, co_therapist=co_therapist, stranger=stranger, supervisor=supervisor,
        manager=manager, admin=admin, outsider=outsider,
    )


@pytest.fixture
def login(client):
    """login(user) signs the test client in as `user` with a verified second factor."""
    from tests.factories import sign_in_verified

    def _login(user):
        from portal.models import PortalAccount
        from tests.portal.portal_factories import sign_in_partner

        if isinstance(user, PortalAccount):  # a partner of the portal (tests/security: partner_a, partner_b...)
            sign_in_partner(client, user)
        else:
            sign_in_verified(client, user)
        return client

    return _login


@pytest.fixture
def keyring_check_value(db):
    """The check value a real migrate creates, wrapped by the run's key file.

    A flush between transactional tests removes it, and an earlier test may have left another key file's
    provider cached, so start from the configured provider.
    """
    reset_key_provider()
    keyring.clear_cache()
    keyring.ensure_check_key()
