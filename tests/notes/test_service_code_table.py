"""Issue 11 item 7: a service-code table the practice can edit (notes.models.ServiceCodeRule). A practice without
rows uses the cited defaults; its administrator adds, changes and removes rows (no overlapping ranges of one kind,
clear 400 messages with the input kept, audited); sessions are coded by the practice's own table."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from notes.code_rules import DEFAULT_CODE_RULES
from notes.models import ServiceCodeRule
from notes.selectors.service_codes import code_rules_for
from notes.services.service_codes import (
    service_code_rule_add,
    service_code_rule_remove,
    service_code_rule_update,
    service_code_rules_adopt_defaults,
)
from notes.services.sessions import session_create
from tests.factories import PracticeFactory, UserFactory
from tests.notes.note_factories import SessionFactory, screen_partners

pytestmark = pytest.mark.django_db

PAGE = "notes:service-codes"


def rows(practice) -> list[tuple]:
    return list(ServiceCodeRule.objects.filter(practice=practice).order_by("kind", "min_minutes").values_list(
        "kind", "min_minutes", "max_minutes", "code"))


def new_session(cast, *, kind: str, minutes: int):
    return session_create(couple=cast.couple, by=cast.therapist, kind=kind, duration_minutes=minutes,
                          attendance="attended", starts_at=timezone.now() - datetime.timedelta(hours=2))


@pytest.fixture
def after_intake(cast):
    screen_partners(cast.couple)
    SessionFactory(couple=cast.couple, therapist=cast.therapist, service_code="90791",
                   starts_at=timezone.now() - datetime.timedelta(days=30))
    return cast


def test_a_practice_without_rows_uses_the_defaults(cast):
    assert rows(cast.practice) == []
    assert code_rules_for(cast.practice.pk) == DEFAULT_CODE_RULES
    assert {rule.code for rule in DEFAULT_CODE_RULES} == {"90791", "90832", "90834", "90837", "90847"}


def test_the_first_change_saves_the_defaults_as_the_practices_table(cast):
    service_code_rule_add(practice=cast.practice, by=cast.admin, kind="joint", min_minutes=10, max_minutes=25,
                          code="g0000")
    assert rows(cast.practice) == sorted([(r.kind, r.min_minutes, r.max_minutes, r.code) for r in DEFAULT_CODE_RULES]
                                         + [("joint", 10, 25, "G0000")])
    actions = list(AuditEvent.objects.filter(actor_id=cast.admin.pk).order_by("id").values_list("action", flat=True))
    assert actions == ["service_codes.adopt_defaults", "service_codes.add"]
    assert service_code_rules_adopt_defaults(practice=cast.practice, by=cast.admin) == 0  # once only


def test_sessions_are_coded_by_the_practices_own_table(after_intake):
    cast = after_intake
    service_code_rules_adopt_defaults(practice=cast.practice, by=cast.admin)
    joint = ServiceCodeRule.objects.get(practice=cast.practice, kind="joint")
    service_code_rule_update(rule=joint, by=cast.admin, kind="joint", min_minutes=30, max_minutes=None, code="90847")
    service_code_rule_add(practice=cast.practice, by=cast.admin, kind="individual", min_minutes=8, max_minutes=15,
                          code="LOCAL1")
    assert new_session(cast, kind="joint", minutes=28).service_code == ""  # 26-29 no longer coded
    assert new_session(cast, kind="joint", minutes=30).service_code == "90847"
    assert new_session(cast, kind="individual_a", minutes=12).service_code == "LOCAL1"
    # Another practice still has the defaults.
    assert code_rules_for(cast.other_practice.pk) == DEFAULT_CODE_RULES


def test_the_intake_row_codes_the_couples_first_session(cast):
    screen_partners(cast.couple)
    service_code_rules_adopt_defaults(practice=cast.practice, by=cast.admin)
    intake = ServiceCodeRule.objects.get(practice=cast.practice, kind="intake")
    service_code_rule_update(rule=intake, by=cast.admin, kind="intake", min_minutes=0, max_minutes=None,
                             code="90791-HO")
    assert new_session(cast, kind="joint", minutes=60).service_code == "90791-HO"


def test_the_page_shows_the_defaults_then_the_practices_rows(cast, login):
    client = login(cast.admin)
    body = client.get(reverse(PAGE)).content.decode()
    assert "Default service codes" in body and "Edit the default rows" in body and "90837" in body
    assert client.post(reverse("notes:service-code-adopt")).status_code == 302
    body = client.get(reverse(PAGE)).content.decode()
    assert "Your practice's service codes" in body and "Edit the default rows" not in body
    for rule in ServiceCodeRule.objects.filter(practice=cast.practice):
        assert reverse("notes:service-code-edit", args=[rule.pk]) in body


def test_adding_an_overlapping_range_is_refused_with_a_clear_400_and_the_input_kept(cast, login):
    client = login(cast.admin)
    response = client.post(reverse("notes:service-code-add"),
                           {"kind": "individual", "min_minutes": "45", "max_minutes": "60", "code": "99999"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "This range overlaps the individual session (one partner) row for 38 to 52 minutes (code 90834)" in body
    assert 'value="45"' in body and 'value="60"' in body and 'value="99999"' in body
    assert "99999" not in [row[3] for row in rows(cast.practice)]
    # The defaults were saved as the practice's table in the same transaction, which was rolled back.
    assert rows(cast.practice) == []


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"kind": "joint", "min_minutes": "20", "max_minutes": "10", "code": "X1"}, "max_minutes",
     "The longest length cannot be shorter than the shortest."),
    ({"kind": "joint", "min_minutes": "5", "max_minutes": "", "code": ""}, "code", "Give the code."),
    ({"kind": "joint", "min_minutes": "5", "max_minutes": "9", "code": "90 847"}, "code",
     "up to 10 letters, digits or hyphens"),
    ({"kind": "weekly", "min_minutes": "5", "max_minutes": "9", "code": "X1"}, "kind",
     "Choose what the code is for from the list."),
    ({"kind": "joint", "min_minutes": "-1", "max_minutes": "9", "code": "X1"}, "min_minutes", "0"),
    ({"kind": "joint", "min_minutes": "5", "max_minutes": "900", "code": "X1"}, "max_minutes", "480"),
])
def test_bad_rows_are_refused_with_a_message_on_the_field(cast, login, data, field, message):
    response = login(cast.admin).post(reverse("notes:service-code-add"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert rows(cast.practice) == []


def test_a_row_is_changed_and_removed_on_its_pages_and_audited(cast, login):
    service_code_rules_adopt_defaults(practice=cast.practice, by=cast.admin)
    brief = ServiceCodeRule.objects.get(practice=cast.practice, code="90832")
    client = login(cast.admin)
    edit = reverse("notes:service-code-edit", args=[brief.pk])
    assert 'value="37"' in client.get(edit).content.decode()
    response = client.post(edit, {"kind": "individual", "min_minutes": "16", "max_minutes": "40", "code": "90832"})
    assert response.status_code == 400  # 38-52 is 90834's
    assert "overlaps" in response.content.decode() and 'value="40"' in response.content.decode()
    response = client.post(edit, {"kind": "individual", "min_minutes": "20", "max_minutes": "37", "code": "90832"})
    assert response.status_code == 302
    brief.refresh_from_db()
    assert brief.min_minutes == 20
    assert client.post(reverse("notes:service-code-remove", args=[brief.pk])).status_code == 302
    assert not ServiceCodeRule.objects.filter(pk=brief.pk).exists()
    events = AuditEvent.objects.filter(actor_id=cast.admin.pk, action__startswith="service_codes.").order_by("id")
    assert [(e.action, e.object_id) for e in events][1:] == [("service_codes.update", str(brief.pk)),
                                                             ("service_codes.remove", str(brief.pk))]
    assert events[1].detail["fields"] == ["min_minutes"]


def test_the_last_row_cannot_be_removed(cast, login):
    service_code_rules_adopt_defaults(practice=cast.practice, by=cast.admin)
    *others, last = ServiceCodeRule.objects.filter(practice=cast.practice)
    for rule in others:
        service_code_rule_remove(rule=rule, by=cast.admin)
    response = login(cast.admin).post(reverse("notes:service-code-remove", args=[last.pk]))
    assert response.status_code == 400
    assert "Keep at least one row" in response.content.decode()
    assert ServiceCodeRule.objects.filter(pk=last.pk).exists()


def test_an_administrator_of_another_practice_cannot_reach_a_row(cast, login):
    service_code_rules_adopt_defaults(practice=cast.practice, by=cast.admin)
    rule = ServiceCodeRule.objects.filter(practice=cast.practice).first()
    other_admin = UserFactory(practice=PracticeFactory(name="Third practice"), role="admin", username="oz.admin")
    client = login(other_admin)
    assert client.get(reverse("notes:service-code-edit", args=[rule.pk])).status_code == 404
    assert client.post(reverse("notes:service-code-remove", args=[rule.pk])).status_code == 404
    assert ServiceCodeRule.objects.filter(pk=rule.pk).exists()


def test_an_overlap_is_shown_on_the_field_that_causes_it_and_names_every_row(cast, login):
    """Changing only "To" from 37 to 40 showed the error under "From"; adding 30-45 named only one of the two
    rows it overlaps."""
    service_code_rules_adopt_defaults(practice=cast.practice, by=cast.admin)
    brief = ServiceCodeRule.objects.get(practice=cast.practice, code="90832")
    client = login(cast.admin)
    response = client.post(reverse("notes:service-code-edit", args=[brief.pk]),
                           {"kind": "individual", "min_minutes": "16", "max_minutes": "40", "code": "90832"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["max_minutes"]
    assert "38 to 52 minutes (code 90834): it ends inside it" in errors["max_minutes"][0]
    summary = [item.text for item in response.context["errors"]]
    assert summary[0].startswith("To (minutes): This range overlaps")

    response = client.post(reverse("notes:service-code-add"),
                           {"kind": "individual", "min_minutes": "30", "max_minutes": "45", "code": "99999"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"min_minutes", "max_minutes"}
    assert "16 to 37 minutes (code 90832): it starts inside it" in errors["min_minutes"][0]
    assert "38 to 52 minutes (code 90834): it ends inside it" in errors["max_minutes"][0]

    response = client.post(reverse("notes:service-code-add"),
                           {"kind": "individual", "min_minutes": "10", "max_minutes": "60", "code": "99999"})
    message = response.context["form"].errors["max_minutes"][0]
    for row in ("16 to 37 minutes (code 90832)", "38 to 52 minutes (code 90834)", "53 minutes or more"):
        assert row in message  # a range that swallows rows names each of them
