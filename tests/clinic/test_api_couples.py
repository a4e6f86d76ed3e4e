"""/api/v1/couples/, its care team and partners: every endpoint for every role of the cast."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from clinic.models import CareTeamMember, Client, Couple, Partner
from keys import keyring
from tests.factories import ClientFactory, CoupleFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["therapist", "co_therapist", "stranger", "supervisor", "manager", "admin", "outsider", "anonymous"]
SUMMARY_KEYS = {"id", "reference", "status", "start_date", "end_date", "primary_therapist"}


@pytest.fixture(autouse=True)
def _records_have_creators(cast):
    """Records made by the API have a creator; full_clean() refuses an empty created_by (null, not blank)."""
    Couple.objects.filter(pk=cast.couple.pk).update(created_by=cast.therapist)
    cast.couple.created_by = cast.therapist
    for partner in cast.couple.partners.select_related("client"):
        Client.objects.filter(pk=partner.client_id).update(created_by=cast.therapist)


@pytest.fixture
def as_role(cast, login, client):
    """as_role("manager") -> the test client signed in (with 2FA) as that member of the cast."""

    def _as(role: str):
        return client if role == "anonymous" else login(getattr(cast, role))

    return _as


def couple_url(couple=None) -> str:
    return reverse("couple-detail", args=[couple.pk]) if couple else reverse("couple-list")


def care_team_url(couple) -> str:
    return reverse("couple-care-team-list", kwargs={"couple_pk": couple.pk})


def care_team_end_url(member) -> str:
    return reverse("couple-care-team-end", kwargs={"couple_pk": member.couple_id, "pk": member.pk})


def partner_url(couple, position: str) -> str:
    return reverse("couple-partner-detail", kwargs={"couple_pk": couple.pk, "position": position})


def send(api, method: str, url: str, data: dict | None = None):
    return getattr(api, method)(url, data=json.dumps(data or {}), content_type="application/json")


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code
    return error


def clinical_strings(couple: Couple) -> list[str]:
    """Every decrypted name and clinical text of the couple, which a manager must never receive."""
    texts = [couple.presenting_concerns]
    for partner in Partner.objects.filter(couple=couple).select_related("client"):
        texts += [partner.client.first_name, partner.client.last_name, partner.client.full_name]
        if partner.ipv_notes:
            texts.append(partner.ipv_notes)
    return [text for text in texts if text]


# --- List ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status", "sees_couple"),
    [
        ("therapist", 200, True),
        ("co_therapist", 200, True),
        ("stranger", 200, False),
        ("supervisor", 200, True),
        ("manager", 200, True),
        ("admin", 403, False),
        ("outsider", 200, False),
        ("anonymous", 401, False),
    ],
)
def test_couple_list_by_role(cast, as_role, role, status, sees_couple):
    response = as_role(role).get(couple_url())
    assert response.status_code == status
    if status != 200:
        assert_error(response, status)
        return
    ids = [row["id"] for row in response.json()["results"]]
    assert (str(cast.couple.pk) in ids) is sees_couple


def test_clinician_list_row_has_partner_names_but_no_case_text(cast, as_role):
    response = as_role("therapist").get(couple_url())
    row = response.json()["results"][0]
    assert set(row) == SUMMARY_KEYS | {"version", "partners"}
    assert {p["client"]["last_name"] for p in row["partners"]} == {
        p.client.last_name for p in cast.couple.partners.all()
    }
    assert row["primary_therapist"] == {"id": str(cast.therapist.pk), "name": cast.therapist.display_name}
    assert cast.couple.presenting_concerns not in response.content.decode()


# --- Retrieve -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("therapist", 200),
        ("co_therapist", 200),
        ("stranger", 404),
        ("supervisor", 200),
        ("manager", 200),
        ("admin", 403),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_couple_retrieve_by_role(cast, as_role, role, status):
    response = as_role(role).get(couple_url(cast.couple))
    views = AuditEvent.objects.filter(action="couple.view", object_id=str(cast.couple.pk))
    if status != 200:
        assert_error(response, status)
        assert not views.exists()
        return
    body = response.json()
    if role == "manager":
        assert set(body) == SUMMARY_KEYS
    else:
        assert body["presenting_concerns"] == cast.couple.presenting_concerns
        assert [p["position"] for p in body["partners"]] == ["a", "b"]
        assert body["version"] == cast.couple.version
    assert views.get().actor_id == getattr(cast, role).pk


def test_stranger_refusal_is_audited(cast, as_role):
    as_role("stranger").get(couple_url(cast.couple))
    denied = AuditEvent.objects.get(action="access.denied", object_id=str(cast.couple.pk))
    assert denied.actor_id == cast.stranger.pk
    assert denied.outcome == AuditEvent.Outcome.DENIED


def test_manager_of_another_practice_cannot_open_couple(cast, client, login):
    other_manager = UserFactory(practice=cast.other_practice, role="practice_manager")
    response = login(other_manager).get(couple_url(cast.couple))
    assert_error(response, 404, "not_found")
    assert AuditEvent.objects.filter(action="access.denied", actor_id=other_manager.pk).exists()


def test_manager_gets_no_partner_names_or_clinical_text(cast, as_role):
    partner = cast.couple.partners.get(position="a")
    partner.ipv_notes = "Reported being pushed during an argument in March"
    partner.save()
    secrets = clinical_strings(Couple.objects.get(pk=cast.couple.pk))
    api = as_role("manager")
    for url in (couple_url(), couple_url(cast.couple), care_team_url(cast.couple)):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url)
        assert response.status_code == 200
        sql = " ".join(query["sql"] for query in queries.captured_queries)
        assert "presenting_concerns" not in sql and "clinic_partner" not in sql and "clinic_client" not in sql
        content = response.content.decode()
        for text in secrets:
            assert text not in content, f"{url} leaks clinical data"
        assert "partners" not in content
        assert "presenting_concerns" not in content
    assert set(api.get(couple_url()).json()["results"][0]) == SUMMARY_KEYS


def test_non_uuid_and_unknown_ids_are_json_404(cast, as_role):
    api = as_role("therapist")
    assert_error(api.get(couple_url() + "not-a-uuid/"), 404)
    assert_error(api.get(reverse("couple-detail", args=["0" * 8 + "-0000-0000-0000-" + "0" * 12])), 404, "not_found")


# --- Create -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("therapist", 201),
        ("co_therapist", 201),
        ("stranger", 400),  # cannot see these clients
        ("supervisor", 201),
        ("manager", 403),
        ("admin", 403),
        ("outsider", 400),
        ("anonymous", 401),
    ],
)
def test_couple_create_by_role(cast, as_role, role, status):
    a, b = (p.client for p in cast.couple.partners.order_by("position"))
    before = Couple.objects.count()
    response = send(as_role(role), "post", couple_url(), {"partner_a": str(a.pk), "partner_b": str(b.pk)})
    error = assert_error(response, status) if status != 201 else None
    if status == 400:
        assert set(error["fields"]) == {"partner_a", "partner_b"}
        assert a.first_name not in response.content.decode()
    if status != 201:
        assert Couple.objects.count() == before
        return
    body = response.json()
    couple = Couple.objects.get(pk=body["id"])
    primary = CareTeamMember.objects.get(couple=couple, role="primary")
    assert primary.user == getattr(cast, role)
    assert body["partners"][0]["client"]["id"] == str(a.pk)
    assert body["version"] == 1


def test_therapist_can_open_case_for_clients_they_registered(cast, as_role):
    a = ClientFactory(practice=cast.practice, created_by=cast.stranger)
    b = ClientFactory(practice=cast.practice, created_by=cast.stranger)
    response = send(as_role("stranger"), "post", couple_url(), {
        "partner_a": str(a.pk), "partner_b": str(b.pk), "presenting_concerns": "Drifted apart after a bereavement",
        "confidentiality": "no_secrets", "start_date": "2024-03-01",
    })
    assert response.status_code == 201, response.content
    couple = Couple.objects.get(pk=response.json()["id"])
    assert couple.presenting_concerns == "Drifted apart after a bereavement"
    assert couple.start_date == datetime.date(2024, 3, 1)
    assert AuditEvent.objects.filter(action="couple.create", object_id=str(couple.pk)).exists()


def test_create_with_same_client_twice_is_400(cast, as_role):
    a = cast.couple.partners.first().client
    response = send(as_role("therapist"), "post", couple_url(), {"partner_a": str(a.pk), "partner_b": str(a.pk)})
    assert set(assert_error(response, 400, "invalid")["fields"]) == {"partner_b"}


def test_create_validation_errors_name_fields_and_never_echo_input(cast, as_role):
    typed = "Alex Okafor was hit by his partner"
    response = send(as_role("therapist"), "post", couple_url(), {
        "partner_a": typed, "status": typed, "confidentiality": "whatever she says",
    })
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"partner_a", "partner_b", "status", "confidentiality"}
    assert error["fields"]["partner_b"] == ["This field is required."]
    content = response.content.decode()
    assert typed not in content
    assert "whatever she says" not in content


# --- Partial update -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("therapist", 200),
        ("co_therapist", 200),
        ("stranger", 404),
        ("supervisor", 404),  # may read the case, not change it
        ("manager", 403),
        ("admin", 403),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_couple_partial_update_by_role(cast, as_role, role, status):
    response = send(as_role(role), "patch", couple_url(cast.couple), {"version": 1, "status": "on_hold"})
    couple = Couple.objects.get(pk=cast.couple.pk)
    if status != 200:
        assert_error(response, status)
        assert (couple.status, couple.version) == ("active", 1)
        return
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert (couple.status, couple.version) == ("on_hold", 2)


def test_therapist_can_change_case_text(cast, as_role):
    response = send(as_role("therapist"), "patch", couple_url(cast.couple),
                    {"version": 1, "presenting_concerns": "Rebuilding trust after the affair"})
    assert response.status_code == 200
    assert Couple.objects.get(pk=cast.couple.pk).presenting_concerns == "Rebuilding trust after the affair"
    event = AuditEvent.objects.get(action="couple.update")
    assert event.detail == {"fields": ["presenting_concerns"]}


def test_stale_version_is_409_and_changes_nothing(cast, as_role):
    api = as_role("therapist")
    assert send(api, "patch", couple_url(cast.couple), {"version": 1, "status": "on_hold"}).status_code == 200
    response = send(api, "patch", couple_url(cast.couple), {"version": 1, "status": "discharged",
                                                            "presenting_concerns": "Overwritten"})
    error = assert_error(response, 409, "conflict")
    assert error["current_version"] == 2
    assert "Overwritten" not in response.content.decode()
    couple = Couple.objects.get(pk=cast.couple.pk)
    assert (couple.status, couple.version, couple.end_date) == ("on_hold", 2, None)
    assert couple.presenting_concerns == cast.couple.presenting_concerns


def test_update_without_version_is_400(cast, as_role):
    response = send(as_role("therapist"), "patch", couple_url(cast.couple), {"status": "on_hold"})
    assert assert_error(response, 400, "invalid")["fields"] == {"version": ["This field is required."]}
    assert Couple.objects.get(pk=cast.couple.pk).status == "active"


def test_model_validation_error_is_a_field_error(cast, as_role):
    response = send(as_role("therapist"), "patch", couple_url(cast.couple),
                    {"version": 1, "end_date": "2019-01-01"})  # before the start date
    error = assert_error(response, 400, "invalid")
    assert error["fields"]
    assert Couple.objects.get(pk=cast.couple.pk).version == 1


def test_too_long_text_is_refused_without_echo(cast, as_role):
    text = "He keeps checking my phone. " * 800
    response = send(as_role("therapist"), "patch", couple_url(cast.couple),
                    {"version": 1, "presenting_concerns": text})
    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == ["presenting_concerns"]
    assert "checking my phone" not in response.content.decode()


def test_malformed_json_is_400_in_error_format(cast, as_role):
    response = as_role("therapist").patch(couple_url(cast.couple), data="{version: 1, status: 'Alex'",
                                          content_type="application/json")
    assert_error(response, 400, "parse_error")
    assert "Alex" not in response.content.decode()


@pytest.mark.parametrize("method", ["put", "delete"])
def test_unsupported_method_is_405_in_error_format(cast, as_role, method):
    response = send(as_role("therapist"), method, couple_url(cast.couple), {"version": 1})
    assert_error(response, 405, "method_not_allowed")
    assert Couple.objects.filter(pk=cast.couple.pk).exists()


@pytest.mark.parametrize("path", ["/api/v1/couples/", "/api/v1/clients/", "/api/v1/auth/token/"])
def test_options_describes_the_endpoint_without_fields(cast, as_role, path):
    response = as_role("therapist").options(path)
    assert response.status_code == 200
    assert "actions" not in response.json()


def test_options_still_needs_a_role(cast, as_role):
    assert_error(as_role("anonymous").options(couple_url()), 401)
    assert_error(as_role("admin").options(couple_url()), 403)


# --- Care team ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("therapist", 200),
        ("co_therapist", 200),
        ("stranger", 404),
        ("supervisor", 200),
        ("manager", 200),
        ("admin", 403),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_care_team_list_by_role(cast, as_role, role, status):
    response = as_role(role).get(care_team_url(cast.couple))
    if status != 200:
        assert_error(response, status)
        return
    rows = response.json()["results"]
    assert {(row["user"]["id"], row["role"], row["is_current"]) for row in rows} == {
        (str(cast.therapist.pk), "primary", True), (str(cast.co_therapist.pk), "co_therapist", True),
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("therapist", 201),
        ("co_therapist", 403),
        ("stranger", 404),
        ("supervisor", 403),
        ("manager", 201),
        ("admin", 403),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_care_team_add_by_role(cast, as_role, role, status):
    newcomer = UserFactory(practice=cast.practice, role="therapist", username="nina.newcomer")
    response = send(as_role(role), "post", care_team_url(cast.couple),
                    {"user": str(newcomer.pk), "role": "co_therapist"})
    added = CareTeamMember.objects.filter(couple=cast.couple, user=newcomer)
    if status != 201:
        assert_error(response, status)
        assert not added.exists()
        return
    assert response.status_code == 201
    assert response.json()["user"] == {"id": str(newcomer.pk), "name": newcomer.display_name}
    assert added.get().role == "co_therapist"
    assert AuditEvent.objects.get(action="care_team.add").actor_id == getattr(cast, role).pk


@pytest.mark.parametrize(
    ("colleague", "field"),
    [("outsider", "user"), ("manager", "user"), ("co_therapist", "user"), ("stranger", "role")],
)
def test_care_team_add_refuses_wrong_people_and_second_primary(cast, as_role, colleague, field):
    response = send(as_role("therapist"), "post", care_team_url(cast.couple),
                    {"user": str(getattr(cast, colleague).pk), "role": "primary"})
    assert list(assert_error(response, 400, "invalid")["fields"]) == [field]
    assert CareTeamMember.objects.filter(couple=cast.couple).count() == 2


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("therapist", 200),
        ("co_therapist", 403),
        ("stranger", 404),
        ("supervisor", 403),
        ("manager", 200),
        ("admin", 403),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_care_team_end_by_role(cast, as_role, role, status):
    member = CareTeamMember.objects.get(couple=cast.couple, user=cast.co_therapist)
    response = send(as_role(role), "post", care_team_end_url(member), {})
    member.refresh_from_db()
    if status != 200:
        assert_error(response, status)
        assert member.end_date is None
        return
    assert response.status_code == 200
    assert member.end_date is not None
    assert response.json()["end_date"] == member.end_date.isoformat()


def test_ended_co_therapist_loses_access(cast, as_role, login):
    member = CareTeamMember.objects.get(couple=cast.couple, user=cast.co_therapist)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    response = send(as_role("therapist"), "post", care_team_end_url(member), {"end_date": yesterday.isoformat()})
    assert response.status_code == 200
    assert login(cast.co_therapist).get(couple_url(cast.couple)).status_code == 404


def test_care_team_end_of_member_of_another_couple_is_404(cast, as_role):
    other = CoupleFactory(practice=cast.practice, primary=cast.stranger)
    member = other.care_team.get()
    url = reverse("couple-care-team-end", kwargs={"couple_pk": cast.couple.pk, "pk": member.pk})
    assert_error(send(as_role("therapist"), "post", url, {}), 404)
    member.refresh_from_db()
    assert member.end_date is None


def test_care_team_end_before_start_is_400(cast, as_role):
    member = CareTeamMember.objects.get(couple=cast.couple, user=cast.co_therapist)
    response = send(as_role("therapist"), "post", care_team_end_url(member), {"end_date": "2019-12-31"})
    assert_error(response, 400, "invalid")
    member.refresh_from_db()
    assert member.end_date is None


# --- Partners -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("therapist", 200),
        ("co_therapist", 200),
        ("stranger", 404),
        ("supervisor", 404),
        ("manager", 403),
        ("admin", 403),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_partner_update_by_role(cast, as_role, role, status):
    today = datetime.date.today().isoformat()
    response = send(as_role(role), "patch", partner_url(cast.couple, "b"),
                    {"agreed_confidentiality_on": today, "ipv_result": "no_concern", "ipv_screened_on": today})
    partner = Partner.objects.get(couple=cast.couple, position="b")
    if status != 200:
        assert_error(response, status)
        assert partner.ipv_result == "not_done"
        return
    assert response.status_code == 200
    assert response.json()["ipv_result"] == "no_concern"
    assert (partner.ipv_result, partner.ipv_screened_by, partner.agreed_confidentiality_on.isoformat()) == (
        "no_concern", getattr(cast, role), today)


def test_partner_update_keeps_fields_left_out(cast, as_role):
    api = as_role("therapist")
    agreed = "2024-02-01"
    assert send(api, "patch", partner_url(cast.couple, "a"), {"agreed_confidentiality_on": agreed}).status_code == 200
    response = send(api, "patch", partner_url(cast.couple, "a"),
                    {"ipv_result": "concern", "ipv_screened_on": "2024-02-02", "ipv_notes": "Fear of partner's anger"})
    assert response.status_code == 200
    partner = Partner.objects.get(couple=cast.couple, position="a")
    assert partner.agreed_confidentiality_on.isoformat() == agreed
    assert partner.ipv_notes == "Fear of partner's anger"
    assert response.json()["ipv_notes"] == "Fear of partner's anger"


def test_partner_screen_without_date_is_a_field_error(cast, as_role):
    response = send(as_role("therapist"), "patch", partner_url(cast.couple, "a"), {"ipv_result": "concern"})
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["ipv_screened_on"]
    assert Partner.objects.get(couple=cast.couple, position="a").ipv_result == "not_done"


def test_partner_position_must_be_a_or_b(cast, as_role):
    assert_error(send(as_role("therapist"), "patch", partner_url(cast.couple, "a")[:-2] + "c/", {}), 404)


# --- Query counts -------------------------------------------------------------------------------
# Transactional tests: data keys created inside a transaction that has not committed are never cached
# (keys.keyring), so only committed data shows the real, cached cost of reading names.
def _make_couples(cast, count: int) -> None:
    for _ in range(count - 1):  # the cast already has one
        CoupleFactory(practice=cast.practice, primary=cast.therapist, co_therapist=cast.co_therapist)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [3, 30])
def test_therapist_couple_list_query_count_is_constant(cast, as_role, django_assert_max_num_queries, count):
    _make_couples(cast, count)
    api = as_role("therapist")
    keyring.clear_cache()  # a cold key cache: the practice's key is loaded once, not once per name
    # session, user, OTP device; count, page, primaries with users, partners with clients;
    # the practice's data key (partners' names); the session's idle-time save
    # (UPDATE, plus BEGIN and COMMIT on SQLite).
    with django_assert_max_num_queries(11):
        response = api.get(couple_url())
    body = response.json()
    assert body["count"] == count
    assert all(len(row["partners"]) == 2 and row["primary_therapist"] for row in body["results"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [3, 30])
def test_manager_couple_list_query_count_is_constant(cast, as_role, django_assert_max_num_queries, count):
    _make_couples(cast, count)
    api = as_role("manager")
    keyring.clear_cache()
    # session, user, OTP device; count, page, primaries with users; the session's idle-time save
    # (UPDATE, plus BEGIN and COMMIT on SQLite).
    with django_assert_max_num_queries(9):
        response = api.get(couple_url())
    assert response.json()["count"] == count


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [3, 30])
def test_care_team_list_query_count_is_constant(cast, as_role, django_assert_max_num_queries, count):
    for _ in range(count - 2):
        CareTeamMember.objects.create(couple=cast.couple, user=UserFactory(practice=cast.practice),
                                      role="co_therapist", start_date=datetime.date(2021, 1, 1))
    api = as_role("therapist")
    # session, user, OTP device; the couple and the four prefetches of clinic.access.get_couple_for_user;
    # count, page of members with users; the session's idle-time save
    # (UPDATE, plus BEGIN and COMMIT on SQLite).
    with django_assert_max_num_queries(13):
        response = api.get(care_team_url(cast.couple))
    assert response.json()["count"] == count


def test_ending_ones_own_primary_place_by_api_needs_a_successor_and_a_confirmation(cast, as_role):
    member = CareTeamMember.objects.get(couple=cast.couple, user=cast.therapist)
    api = as_role("therapist")
    error = assert_error(send(api, "post", care_team_end_url(member), {}), 400, "invalid")
    assert set(error["fields"]) == {"successor", "confirm"}
    error = assert_error(send(api, "post", care_team_end_url(member), {"successor": str(cast.outsider.pk),
                                                                       "confirm": True}), 400, "invalid")
    assert set(error["fields"]) == {"successor"}  # not a clinician of this practice
    member.refresh_from_db()
    assert member.end_date is None
    response = send(api, "post", care_team_end_url(member), {"successor": str(cast.co_therapist.pk), "confirm": True})
    assert response.status_code == 200
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert CareTeamMember.objects.get(couple=cast.couple, user=cast.co_therapist, role="primary").start_date == tomorrow
