"""seed_demo: the demo practice is complete, idempotent, refused in production, and stored encrypted."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from audit.models import AuditEvent
from clinic.models import (
    CareRole,
    CareTeamMember,
    Client,
    Couple,
    CoupleStatus,
    IPVResult,
    Partner,
    Practice,
    Role,
    User,
)
from demo import practice as demo
from keys.models import DataKey

pytestmark = pytest.mark.django_db

MODELS = (Practice, User, Client, Couple, Partner, CareTeamMember, AuditEvent, DataKey)


def seed_demo(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo practice, loaded once for this module (it takes seconds) and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed_demo(force=True)
        transaction.set_rollback(True)


def snapshot() -> dict[str, object]:
    state: dict[str, object] = {model.__name__: model.objects.count() for model in MODELS}
    state["passwords"] = sorted(User.objects.values_list("password", flat=True))
    state["last_audit_hash"] = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    state["couples"] = sorted(Couple.objects.values_list("reference", "status", "version", "updated_at"))
    return state


def test_seed_demo_runs_twice_without_changing_anything(seeded):
    first_output = seeded
    first = snapshot()
    second_output = seed_demo(force=True)
    assert snapshot() == first
    assert "created" in first_output
    assert "nothing changed" in second_output
    for output in (first_output, second_output):
        assert demo.DEMO_PASSWORD in output
        for username in ("therapist", "therapist2", "associate", "supervisor", "manager", "admin"):
            assert re.search(rf"^  {username} ", output, re.MULTILINE)


def test_seed_demo_creates_the_staff_of_one_practice(seeded):
    practice = Practice.objects.get(name=demo.PRACTICE_NAME)
    staff = User.objects.filter(practice=practice)
    roles = sorted(staff.values_list("role", flat=True))
    assert roles == sorted([Role.THERAPIST] * 3 + [Role.SUPERVISOR, Role.PRACTICE_MANAGER, Role.ADMIN])
    associate = User.objects.get(username="associate")
    assert associate.supervisor == User.objects.get(username="supervisor")
    assert "AMFT" in associate.credentials
    assert all(user.check_password(demo.DEMO_PASSWORD) for user in staff)


def test_seed_demo_creates_couples_through_the_services(seeded):
    practice = Practice.objects.get(name=demo.PRACTICE_NAME)
    couples = list(Couple.objects.filter(practice=practice).prefetch_related("partners", "care_team__user"))
    assert len(couples) >= 12
    statuses = [couple.status for couple in couples]
    assert statuses.count(CoupleStatus.ACTIVE) > len(couples) / 2
    assert statuses.count(CoupleStatus.INTAKE) >= 1
    assert statuses.count(CoupleStatus.ON_HOLD) == 1
    assert statuses.count(CoupleStatus.DISCHARGED) == 1
    assert all(couple.end_date for couple in couples if couple.status == CoupleStatus.DISCHARGED)
    for couple in couples:
        assert len(couple.partners.all()) == 2
        assert [m.role for m in couple.care_team.all()].count(CareRole.PRIMARY) == 1
        sentences = re.findall(r"[^.!?]+[.!?]", couple.presenting_concerns)
        assert 2 <= len(sentences) <= 4, couple.reference
    screened = [couple for couple in couples if couple.ipv_screens_complete]
    assert len(couples) - 4 <= len(screened) < len(couples)
    assert all(p.ipv_result == IPVResult.NOT_DONE for c in couples if c not in screened for p in c.partners.all())
    assert sum(1 for c in couples if any(m.role == CareRole.CO_THERAPIST for m in c.care_team.all())) >= 2
    # Every write went through a service, so each left its audit event.
    assert AuditEvent.objects.filter(action="couple.create").count() == len(couples)
    assert AuditEvent.objects.filter(action="client.create").count() == Client.objects.count()
    # The care teams make the access rules visible: the supervisor carries cases and sees the associate's.
    supervisor, associate = User.objects.get(username="supervisor"), User.objects.get(username="associate")
    assert Couple.objects.filter(care_team__user=supervisor, care_team__role=CareRole.PRIMARY).exists()
    associate_cases = set(Couple.objects.visible_to(associate))
    assert associate_cases and associate_cases <= set(Couple.objects.visible_to(supervisor))
    assert not Couple.objects.visible_to(User.objects.get(username="manager")).exists()


def test_seed_demo_refuses_to_run_without_debug_unless_forced(settings):
    settings.DEBUG = False
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="RAPPORT_DEBUG"):
        seed_demo()
    assert AuditEvent.objects.count() == before
    settings.DEBUG = True
    seed_demo()
    assert User.objects.filter(practice__name=demo.PRACTICE_NAME, username="therapist").exists()


# --- Nothing identifying or clinical is stored in clear ------------------------------------------

def secrets_of_the_demo() -> set[str]:
    """Every client identity value and every sentence of clinical text the demo stores."""
    secrets = {demo.IPV_NOTE}
    for couple in demo.COUPLES:
        secrets.update(s.strip() for s in re.findall(r"[^.!?;]+", couple.presenting_concerns) if len(s.strip()) > 20)
        for person in (couple.partner_a, couple.partner_b):
            secrets.update({person.first_name, person.last_name, person.full_name, person.email, person.phone,
                            person.address, person.emergency_contact_name})
    return secrets


def every_stored_text() -> list[tuple[str, str, str]]:
    """(table, column, value) for every text, blob or JSON value in every table, read with raw SQL."""
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [col.name for col in connection.introspection.get_table_description(cursor, table)]
            cursor.execute(f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, memoryview | bytes | bytearray):
                        found.append((table, column, bytes(value).decode("utf-8", errors="ignore")))
                    elif isinstance(value, str):
                        found.append((table, column, value))
                    elif isinstance(value, dict | list):
                        found.append((table, column, json.dumps(value, ensure_ascii=False)))
    return found


def test_seed_demo_stores_no_client_identity_or_clinical_text_in_clear(seeded):
    stored = every_stored_text()
    # The scan reads real rows: staff names and the practice name are not secret and must be seen.
    assert any(value == demo.PRACTICE_NAME for _, _, value in stored)
    assert any(table == "clinic_client" for table, _, _ in stored)
    assert any(table == "clinic_auditevent" for table, _, _ in stored)
    secrets = secrets_of_the_demo()
    assert len(secrets) > 100
    leaks = [(table, column, secret) for table, column, value in stored for secret in secrets if secret in value]
    assert leaks == []
