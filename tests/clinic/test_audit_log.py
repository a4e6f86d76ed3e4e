"""The audit log pages: admins of the practice only, filters, paging, CSV export, and constant query counts."""

from __future__ import annotations

import csv
import datetime
import io
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.chain import GENESIS_HASH, compute_hash
from audit.models import AuditEvent
from audit.services import record_event
from clinic.services.couples import client_create
from clinic.views.audit_log import PAGE_SIZE
from tests.factories import CoupleFactory

pytestmark = pytest.mark.django_db

LOG_URL = reverse("clinic:audit-log")
EXPORT_URL = reverse("clinic:audit-export")
LONDON = ZoneInfo("Europe/London")


def add_event(*, at: datetime.datetime | None = None, **fields) -> AuditEvent:
    """Append an event as record_event does, but at a chosen time (record_event always uses now)."""
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
    event = AuditEvent(at=at or timezone.now(), **fields)
    event.prev_hash = last
    event.hash = compute_hash(last, event)
    event.save(force_insert=True)
    return event


def practice_event(cast, action: str, **fields) -> AuditEvent:
    fields.setdefault("actor_id", cast.therapist.pk)
    fields.setdefault("actor_username", cast.therapist.username)
    return add_event(practice_id=cast.practice.pk, action=action, **fields)


def rows(response) -> list[dict[str, str]]:
    content = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(content)))


# --- Who may open it --------------------------------------------------------------------------------

def test_admin_can_see_own_practice_events_newest_first(cast, login):
    first = practice_event(cast, "couple.view", object_type="clinic.couple", object_id=str(cast.couple.pk),
                           couple_id=cast.couple.pk, ip="203.0.113.9", request_id="a" * 32)
    second = practice_event(cast, "couple.update", object_type="clinic.couple", object_id=str(cast.couple.pk))
    response = login(cast.admin).get(LOG_URL)
    assert response.status_code == 200
    events = list(response.context["page"])
    assert events.index(second) < events.index(first)
    html = response.content.decode()
    for shown in ("couple.view", "couple.update", "203.0.113.9", "a" * 32, str(cast.couple.pk),
                  cast.therapist.username, "clinic.couple"):
        assert shown in html


def test_admin_cannot_see_other_practice_events(cast, login):
    theirs = add_event(practice_id=cast.other_practice.pk, action="couple.view", actor_username="otto.outsider",
                       object_id=str(uuid.uuid4()))
    response = login(cast.admin).get(LOG_URL)
    assert theirs not in response.context["page"].object_list
    assert theirs.object_id not in response.content.decode()
    export = login(cast.admin).get(EXPORT_URL)
    assert theirs.object_id not in {row["object_id"] for row in rows(export)}


@pytest.mark.parametrize("role", ["therapist", "co_therapist", "stranger", "supervisor", "manager", "outsider"])
@pytest.mark.parametrize("url", [LOG_URL, EXPORT_URL])
def test_other_roles_cannot_open_audit_log(cast, login, role, url):
    user = getattr(cast, role)
    response = login(user).get(url)
    assert response.status_code == 403
    refusal = AuditEvent.objects.filter(action="access.denied", actor_id=user.pk).last()
    assert refusal is not None and refusal.outcome == AuditEvent.Outcome.DENIED
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_admin_of_another_practice_cannot_see_this_practice(cast, login):
    from tests.factories import UserFactory

    other_admin = UserFactory(practice=cast.other_practice, role="admin", username="olga.otheradmin")
    ours = practice_event(cast, "couple.view", object_id=str(cast.couple.pk))
    response = login(other_admin).get(LOG_URL)
    assert response.status_code == 200
    assert ours not in response.context["page"].object_list


@pytest.mark.parametrize("url", [LOG_URL, EXPORT_URL])
def test_anonymous_cannot_open_audit_log(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("clinic:login"))


@pytest.mark.parametrize("url", [LOG_URL, EXPORT_URL])
def test_admin_cannot_post_to_audit_log(cast, login, url):
    assert login(cast.admin).post(url).status_code == 405


def test_admin_cannot_see_client_names_in_audit_log(cast, login):
    client_create(practice_id=cast.practice.pk, by=cast.therapist, first_name="Wilhelmina", last_name="Quarrington")
    client = login(cast.admin)
    page = client.get(LOG_URL).content.decode()
    export = b"".join(client.get(EXPORT_URL).streaming_content).decode()
    assert AuditEvent.objects.filter(action="client.create").exists()
    for text in (page, export):
        assert "client.create" in text
        assert "Wilhelmina" not in text and "Quarrington" not in text


# --- Filters --------------------------------------------------------------------------------------

def listed(response) -> set[int]:
    return {event.id for event in response.context["page"].object_list}


def test_admin_can_filter_by_local_date(cast, login):
    late_evening = add_event(practice_id=cast.practice.pk, action="couple.view",
                             at=datetime.datetime(2026, 6, 10, 23, 30, tzinfo=LONDON))  # 22:30 UTC
    next_morning = add_event(practice_id=cast.practice.pk, action="couple.view",
                             at=datetime.datetime(2026, 6, 11, 8, 0, tzinfo=LONDON))
    client = login(cast.admin)
    assert listed(client.get(LOG_URL, {"date_to": "2026-06-10"})) == {late_evening.id}
    assert listed(client.get(LOG_URL, {"date_from": "2026-06-11", "date_to": "2026-06-11"})) == {next_morning.id}
    assert listed(client.get(LOG_URL, {"date_from": "2026-06-10", "date_to": "2026-06-11"})) == {
        late_evening.id, next_morning.id}


def test_admin_can_filter_by_actor_action_and_outcome(cast, login):
    view = practice_event(cast, "couple.view")
    denied = practice_event(cast, "access.denied", outcome="denied", actor_id=cast.stranger.pk,
                            actor_username=cast.stranger.username)
    failed = practice_event(cast, "auth.sign_in_failed", outcome="failed", actor_username="")
    client = login(cast.admin)
    assert listed(client.get(LOG_URL, {"actor": cast.stranger.username.upper()})) == {denied.id}
    assert listed(client.get(LOG_URL, {"action": "couple.view"})) == {view.id}
    assert listed(client.get(LOG_URL, {"action": "auth.sign_in_failed"})) == {failed.id}
    assert listed(client.get(LOG_URL, {"outcome": "denied"})) == {denied.id}
    assert listed(client.get(LOG_URL, {"outcome": "failed", "action": "auth."})) == {failed.id}


def test_admin_can_filter_by_record_or_couple_id(cast, login):
    on_couple = practice_event(cast, "couple.view", object_type="clinic.couple", object_id=str(cast.couple.pk),
                               couple_id=cast.couple.pk)
    partner = cast.couple.partners.first()
    on_partner = practice_event(cast, "partner.update", object_type="clinic.partner", object_id=str(partner.pk),
                                couple_id=cast.couple.pk)
    practice_event(cast, "couple.view", object_id=str(uuid.uuid4()), couple_id=uuid.uuid4())
    client = login(cast.admin)
    assert listed(client.get(LOG_URL, {"record": str(cast.couple.pk)})) == {on_couple.id, on_partner.id}
    assert listed(client.get(LOG_URL, {"record": partner.pk.hex})) == {on_partner.id}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "last spring"}, "date_from", "YYYY-MM-DD"),
        ({"date_from": "2026-06-12", "date_to": "2026-06-11"}, "date_to", "on or after the from date"),
        ({"record": "C-2026-0001"}, "record", "hex digits"),
        ({"outcome": "maybe"}, "outcome", "valid choice"),
    ],
)
def test_admin_sees_what_to_fix_in_invalid_filters(cast, login, params, field, message):
    practice_event(cast, "couple.view")
    response = login(cast.admin).get(LOG_URL, params)
    assert response.status_code == 200
    assert response.context["page"] is None
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert f'href="#id_{field}"' in html
    assert message in html
    assert 'aria-invalid="true"' in html


def test_admin_export_with_invalid_filters_goes_back_to_the_form(cast, login):
    response = login(cast.admin).get(EXPORT_URL, {"date_from": "yesterday"})
    assert response.status_code == 302
    assert response["Location"] == f"{LOG_URL}?date_from=yesterday"
    assert not AuditEvent.objects.filter(action="audit.export").exists()


# --- Paging and query counts ------------------------------------------------------------------------

def test_admin_can_page_through_events_keeping_filters(cast, login):
    for _ in range(PAGE_SIZE + 5):
        practice_event(cast, "couple.view")
    practice_event(cast, "couple.update")
    client = login(cast.admin)
    first = client.get(LOG_URL, {"action": "couple.view"})
    assert len(first.context["page"].object_list) == PAGE_SIZE
    html = first.content.decode()
    assert "action=couple.view&amp;page=2" in html
    second = client.get(LOG_URL, {"action": "couple.view", "page": 2})
    assert len(second.context["page"].object_list) == 5
    assert listed(first).isdisjoint(listed(second))


# session, user, OTP device, staff (picker and names), actions in the log (the action list), count, page of
# events, the page's couple references; saving the session's last-seen time (3, with savepoint)
LOG_QUERIES = 11


@pytest.mark.parametrize("events", [3, 3 * PAGE_SIZE])
def test_admin_audit_log_query_count_is_constant(cast, login, django_assert_max_num_queries, events):
    for number in range(events):
        practice_event(cast, "couple.view", object_id=str(number), ip="198.51.100.7")
    client = login(cast.admin)
    with django_assert_max_num_queries(LOG_QUERIES):
        response = client.get(LOG_URL, {"page": 2 if events > PAGE_SIZE else 1})
    assert response.status_code == 200


# session, user, OTP device, staff, actions in the log, count for the export event, last hash + insert of it
# (in a savepoint: 2), couple references, the rows, saving the session's last-seen time (3, with savepoint);
# PostgreSQL adds the chain lock
EXPORT_QUERIES = 15


@pytest.mark.parametrize("events", [3, 3 * PAGE_SIZE])
def test_admin_export_query_count_is_constant(cast, login, django_assert_max_num_queries, events):
    for number in range(events):
        practice_event(cast, "couple.view", object_id=str(number))
    client = login(cast.admin)
    with django_assert_max_num_queries(EXPORT_QUERIES + (connection.vendor == "postgresql")):
        response = client.get(EXPORT_URL)
        exported = rows(response)
    assert len(exported) >= events


# --- Export -----------------------------------------------------------------------------------------

def test_admin_can_export_filtered_events_as_csv(cast, login):
    wanted = practice_event(cast, "access.denied", outcome="denied", object_type="clinic.couple",
                            object_id=str(cast.couple.pk), couple_id=cast.couple.pk, ip="192.0.2.44",
                            request_id="f" * 32, detail={"write": True})
    practice_event(cast, "couple.view", object_id=str(cast.couple.pk))
    response = login(cast.admin).get(EXPORT_URL, {"outcome": "denied", "record": str(cast.couple.pk)})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="audit-log-{today}.csv"'
    assert "no-store" in response["Cache-Control"]
    exported = rows(response)
    assert exported == [{
        "id": str(wanted.id), "at": timezone.localtime(wanted.at).isoformat(),
        "actor_username": cast.therapist.username,
        "actor_id": str(cast.therapist.pk), "action": "access.denied", "outcome": "denied",
        "object_type": "clinic.couple", "object_id": str(cast.couple.pk), "couple_id": str(cast.couple.pk),
        "ip": "192.0.2.44", "request_id": "f" * 32, "detail": '{"write": true}',
        "actor_name": cast.therapist.display_name, "couple_reference": cast.couple.reference,
    }]


def test_admin_export_is_audited_without_filter_values(cast, login):
    practice_event(cast, "couple.view", actor_username="tess.therapist")
    response = login(cast.admin).get(EXPORT_URL, {"actor": "tess.therapist", "action": "couple."})
    exported = rows(response)
    event = AuditEvent.objects.get(action="audit.export")
    assert event.actor_id == cast.admin.pk
    assert event.practice_id == cast.practice.pk
    assert event.detail == {"filters": ["action", "actor"], "rows": 1}
    assert len(exported) == 1
    assert str(event.id) not in {row["id"] for row in exported}


def test_export_cells_cannot_run_as_spreadsheet_formulas(cast, login):
    practice_event(cast, "couple.view", actor_username="=HYPERLINK(1)")
    exported = rows(login(cast.admin).get(EXPORT_URL, {"action": "couple.view"}))
    assert exported[0]["actor_username"] == "'=HYPERLINK(1)"


def test_record_event_events_appear_in_the_log(cast, login):
    with_request = record_event("couple.view", actor=cast.therapist, obj=cast.couple)
    response = login(cast.admin).get(LOG_URL, {"record": str(cast.couple.pk)})
    assert listed(response) == {with_request.id}


# --- Finding a couple, a staff member, an action (issue 13) ----------------------------------------

def test_admin_can_filter_by_couple_reference_resolved_to_its_id(cast, login):
    on_couple = practice_event(cast, "couple.view", object_type="clinic.couple", object_id=str(cast.couple.pk),
                               couple_id=cast.couple.pk)
    practice_event(cast, "couple.view", couple_id=uuid.uuid4())
    client = login(cast.admin)
    response = client.get(LOG_URL, {"couple": cast.couple.reference.lower()})
    assert listed(response) == {on_couple.id}
    html = response.content.decode()
    assert f'<span class="muted">reference</span> {cast.couple.reference}' in html
    assert cast.couple.partner_a.client.last_name not in html
    unknown = client.get(LOG_URL, {"couple": "C-1999-0042"})
    assert unknown.context["page"] is None
    assert "No couple of your practice has this reference." in unknown.content.decode()


def test_a_couple_of_another_practice_is_not_found_by_its_reference(cast, login):
    other = CoupleFactory(practice=cast.other_practice, primary=cast.outsider, reference="C-2099-0001")
    practice_event(cast, "couple.view", couple_id=other.pk)
    response = login(cast.admin).get(LOG_URL, {"couple": "C-2099-0001"})
    assert response.context["page"] is None


def test_admin_picks_a_staff_member_and_sees_names_beside_ids(cast, login):
    by_stranger = practice_event(cast, "access.denied", outcome="denied", actor_id=cast.stranger.pk,
                                 actor_username=cast.stranger.username)
    about_user = practice_event(cast, "user.deactivate", actor_id=cast.admin.pk, actor_username=cast.admin.username,
                                object_type="clinic.user", object_id=str(cast.stranger.pk))
    client = login(cast.admin)
    page = client.get(LOG_URL).content.decode()
    assert f'<option value="{cast.stranger.pk}">{cast.stranger.display_name} ({cast.stranger.username})</option>' \
        in page
    assert cast.outsider.username not in page  # another practice's staff are not offered
    response = client.get(LOG_URL, {"staff": str(cast.stranger.pk)})
    assert listed(response) == {by_stranger.id}
    html = response.content.decode()
    assert f"{cast.stranger.display_name}<br>" in html
    everything = client.get(LOG_URL, {"action": "user.deactivate"}).content.decode()
    assert listed(client.get(LOG_URL, {"action": "user.deactivate"})) == {about_user.id}
    assert re.search(rf'{re.escape(cast.stranger.display_name)}<br>\s*<code class="audit-id">{cast.stranger.pk}</code>',
                     everything)


def test_the_action_list_offers_the_logs_actions_and_their_groups(cast, login):
    practice_event(cast, "couple.view")
    summary = practice_event(cast, "couple.view_summary")
    practice_event(cast, "auth.sign_in")
    client = login(cast.admin)
    html = client.get(LOG_URL).content.decode()
    for value, label in (("couple.", "couple.* (every couple action)"), ("auth.sign_in", "auth.sign_in"),
                         ("couple.view_summary", "couple.view_summary")):
        assert f'<option value="{value}">{label}</option>' in html
    assert listed(client.get(LOG_URL, {"action": "couple.view_summary"})) == {summary.id}
    assert len(listed(client.get(LOG_URL, {"action": "couple.view"}))) == 1  # the exact action only
    assert len(listed(client.get(LOG_URL, {"action": "couple."}))) == 2
    refused = client.get(LOG_URL, {"action": "made.up"})
    assert refused.context["page"] is None and "valid choice" in refused.content.decode()
