"""/api/v1/ for outcome measures: instruments, administrations (filters, validation, risk acknowledgement),
a plan's schedule (409 on a stale version), measures due, and the OpenAPI document."""

from __future__ import annotations

import datetime
import json

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from keys import keyring
from plans.instruments import BUILTIN
from plans.models import MeasureAdministration, MeasureSchedule, PlanStatus
from tests.plans.measure_factories import administration, answers_for, custom_instrument, plan

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def days_ago(n: int) -> datetime.date:
    return today() - datetime.timedelta(days=n)


def send(api, method: str, url: str, data=None):
    return getattr(api, method)(url, data=json.dumps(data if data is not None else {}),
                                content_type="application/json")


def measures_url(couple) -> str:
    return reverse("couple-measure-list", args=[couple.pk])


def measure_url(measure) -> str:
    return reverse("couple-measure-detail", kwargs={"couple_pk": measure.couple_id, "pk": measure.pk})


def body(instrument: str = "csi4", answers=None, *, partner: str = "a", on: datetime.date | None = None) -> dict:
    return {
        "instrument": instrument, "partner": partner, "administered_on": (on or today()).isoformat(),
        "answers": answers if answers is not None else answers_for(BUILTIN[instrument], 10),
    }


# --- Instruments ----------------------------------------------------------------------------------


def test_clinicians_and_admins_can_list_instruments_with_their_thresholds(cast, login):
    custom_instrument(cast.practice)
    for role in ("therapist", "admin"):
        response = login(getattr(cast, role)).get(reverse("instrument-list"))
        assert response.status_code == 200
        rows = {row["code"]: row for row in response.json()["results"]}
        assert set(rows) == {"phq9", "gad7", "csi4", "csi16", "dts", "wtc"}
        assert rows["dts"]["cutoff"] is None and rows["dts"]["reliable_change"] is None
        assert rows["phq9"]["reliable_change"]["threshold"] == 6
        assert "NHS Talking Therapies" in rows["phq9"]["reliable_change"]["source"]
        assert rows["csi4"]["reliable_change"] is None
        assert rows["csi4"]["reliable_change_note"].startswith("No published reliable-change threshold")
        assert rows["csi16"]["cutoff"] == 51.5 and rows["csi16"]["item_count"] == 16
        assert rows["wtc"]["builtin"] is False


def test_an_instrument_opens_with_items_options_and_bands(cast, login):
    data = login(cast.therapist).get(reverse("instrument-detail", args=["phq9"])).json()
    assert len(data["items"]) == 9
    assert data["items"][8]["options"][3] == {"value": 3, "label": "Nearly every day"}
    assert data["bands"][3] == {"low": 15, "high": 19, "label": "Moderately severe"}
    assert data["risk_items"] == [9]
    assert login(cast.therapist).get(reverse("instrument-detail", args=["ors"])).status_code == 404


# --- Administrations ------------------------------------------------------------------------------


def test_therapist_can_record_an_administration(cast, login):
    response = send(login(cast.therapist), "post", measures_url(cast.couple),
                    body("phq9", answers_for(BUILTIN["phq9"], 12, risk=2), partner="b", on=days_ago(1)))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["partner"], data["total"], data["band"], data["risk_flag"], data["risk_acknowledged"]) == (
        "b", 12, "Moderate", True, False)
    assert data["answers"] == answers_for(BUILTIN["phq9"], 12, risk=2)
    assert data["recorded_by"]["id"] == str(cast.therapist.pk)
    measure = MeasureAdministration.objects.get()
    assert AuditEvent.objects.filter(action="measure.record", object_id=str(measure.pk)).exists()


@pytest.mark.parametrize(("answers", "message"), [
    ([3, 3, None, 3], "Item 3 (How rewarding is your relationship with your...) needs an answer."),
    ([7, 3, 3, 3], "Item 1 (Please indicate the degree of happiness...): choose one of the listed answers (0 to 6)."),
    ([3, 3, 3, -1], "Item 4 (In general, how satisfied are you with your...): choose one of the listed answers "
                    "(0 to 5)."),
    ([3, "3", 3, 3], "Item 2 (I have a warm and comfortable relationship...): the answer must be a whole number."),
    ([3, 2.5, 3, 3], "Item 2 (I have a warm and comfortable relationship...): the answer must be a whole number."),
    ([3, True, 3, 3], "Item 2 (I have a warm and comfortable relationship...): the answer must be a whole number."),
    ([3, 3, 3], "CSI-4 has 4 items: give exactly 4 answers, one per item, in order."),
    ([0] * 16, "CSI-4 has 4 items: give exactly 4 answers, one per item, in order."),  # CSI-16 answers
])
def test_answers_that_do_not_fit_the_instrument_are_refused(cast, login, answers, message):
    response = send(login(cast.therapist), "post", measures_url(cast.couple), body("csi4", answers))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert message in error["fields"]["answers"]
    assert not MeasureAdministration.objects.exists()


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"answers": "3333"}, "answers", "Give a list of values."),
    ({"instrument": "ors"}, "instrument", "Choose an instrument this practice can record (see /api/v1/instruments/)."),
    ({"instrument": "elsewhere"}, "instrument",
     "Choose an instrument this practice can record (see /api/v1/instruments/)."),
    ({"partner": "c"}, "partner", "Choose one of the allowed values."),
    ({"administered_on": (datetime.date.today() + datetime.timedelta(days=2)).isoformat()}, "administered_on",
     "The date cannot be in the future."),
])
def test_other_invalid_administrations_are_refused(cast, login, data, field, message):
    custom_instrument(cast.other_practice, code="elsewhere")
    response = send(login(cast.therapist), "post", measures_url(cast.couple), {**body("csi4"), **data})
    assert response.status_code == 400
    assert message in response.json()["error"]["fields"][field]


def test_a_duplicate_administration_is_refused_with_a_clear_message(cast, login):
    administration(cast.couple, cast.therapist, instrument="gad7", partner="a", on=days_ago(3))
    response = send(login(cast.therapist), "post", measures_url(cast.couple), body("gad7", on=days_ago(3)))
    assert response.status_code == 400
    day = days_ago(3)
    assert response.json()["error"]["fields"]["administered_on"] == [
        f"Partner A already has a GAD-7 recorded on {day.day} {day:%B %Y}. Open that one from the Measures tab, "
        "or choose another date."
    ]


def test_api_errors_never_echo_submitted_text(cast, login):
    secret = "<script>she said he would leave</script>"
    response = send(login(cast.therapist), "post", measures_url(cast.couple),
                    body("csi4", [secret, secret, 1, 1]) | {"partner": secret})
    assert response.status_code == 400
    assert secret not in response.content.decode()
    assert "she said" not in response.content.decode()


def test_list_filters_by_instrument_partner_and_dates(cast, login):
    for n, (code, partner) in enumerate([("csi4", "a"), ("csi4", "b"), ("phq9", "a"), ("csi4", "a")]):
        administration(cast.couple, cast.therapist, instrument=code, partner=partner, on=days_ago(40 - 10 * n))
    client = login(cast.supervisor)
    url = measures_url(cast.couple)

    def dates(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return [(row["instrument"], row["partner"], row["administered_on"]) for row in response.json()["results"]]

    assert len(dates()) == 4
    assert [d[:2] for d in dates(instrument="csi4")] == [("csi4", "a"), ("csi4", "b"), ("csi4", "a")]
    assert [d[:2] for d in dates(partner="b")] == [("csi4", "b")]
    assert [d[2] for d in dates(date_from=days_ago(25).isoformat(), date_to=days_ago(15).isoformat())] == [
        days_ago(20).isoformat()]
    assert "answers" not in client.get(url).json()["results"][0]
    bad = client.get(url, {"date_from": "last tuesday"})
    assert bad.status_code == 400 and "date_from" in bad.json()["error"]["fields"]


def test_an_administration_opens_with_its_answers_and_is_audited(cast, login):
    measure = administration(cast.couple, cast.therapist, instrument="csi4", total=15)
    response = login(cast.co_therapist).get(measure_url(measure))
    assert response.status_code == 200
    assert response.json()["answers"] == measure.answers
    assert AuditEvent.objects.filter(action="measure.view", object_id=str(measure.pk)).exists()


def test_an_administration_is_not_found_under_another_couple(cast, login):
    from tests.factories import CoupleFactory

    other = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    measure = administration(other, cast.therapist)
    url = reverse("couple-measure-detail", kwargs={"couple_pk": cast.couple.pk, "pk": measure.pk})
    assert login(cast.therapist).get(url).status_code == 404


def test_therapist_can_acknowledge_a_risk_flag_once(cast, login):
    measure = administration(cast.couple, cast.therapist, instrument="phq9", total=9, risk=1)
    url = reverse("couple-measure-acknowledge-risk", kwargs={"couple_pk": cast.couple.pk, "pk": measure.pk})
    client = login(cast.co_therapist)
    missing = send(client, "post", url, {})
    assert missing.status_code == 400 and "note" in missing.json()["error"]["fields"]
    response = send(client, "post", url, {"note": "Risk assessed by phone; crisis line details given."})
    assert response.status_code == 200
    data = response.json()
    assert data["risk_acknowledged"] is True
    assert data["risk_acknowledged_by"]["id"] == str(cast.co_therapist.pk)
    assert data["risk_acknowledgement_note"] == "Risk assessed by phone; crisis line details given."
    again = send(client, "post", url, {"note": "Again"})
    assert again.status_code == 400
    assert "already been acknowledged" in again.json()["error"]["fields"]["non_field_errors"][0]


def test_a_score_without_a_risk_flag_cannot_be_acknowledged(cast, login):
    measure = administration(cast.couple, cast.therapist, instrument="phq9", total=9, risk=0)
    url = reverse("couple-measure-acknowledge-risk", kwargs={"couple_pk": cast.couple.pk, "pk": measure.pk})
    response = send(login(cast.therapist), "post", url, {"note": "n/a"})
    assert response.status_code == 400


def _count_list_queries(client, url) -> int:
    keyring.clear_cache()
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db(transaction=True)
def test_api_list_query_count_does_not_grow(cast, login, django_assert_max_num_queries):
    client = login(cast.therapist)
    for n in range(2):
        administration(cast.couple, cast.therapist, instrument="csi4", partner="ab"[n], on=days_ago(1))
    small = _count_list_queries(client, measures_url(cast.couple))
    for n in range(40):
        administration(cast.couple, cast.therapist, instrument="phq9", partner="ab"[n % 2], on=days_ago(n + 2))
    client.get(measures_url(cast.couple))
    with django_assert_max_num_queries(small):
        response = client.get(measures_url(cast.couple))
    assert response.json()["count"] == 42


# --- Schedule -------------------------------------------------------------------------------------


def schedule_url(row) -> str:
    return reverse("plan-measure-schedule", args=[row.pk])


def test_schedule_can_be_read_and_replaced(cast, login):
    row = plan(cast.couple, cast.therapist, csi4="session")
    client = login(cast.therapist)
    assert login(cast.supervisor).get(schedule_url(row)).json() == {
        "plan": str(row.pk), "plan_status": "active", "schedule_version": 1,
        "schedules": [{"instrument": "csi4", "every": "session"}],
    }
    client = login(cast.therapist)
    response = send(client, "put", schedule_url(row), {"schedule_version": 1, "schedules": [
        {"instrument": "phq9", "every": "month"}, {"instrument": "gad7", "every": "month"},
        {"instrument": "csi4", "every": "session"},
    ]})
    assert response.status_code == 200, response.json()
    assert response.json()["schedule_version"] == 2
    assert dict(MeasureSchedule.objects.filter(plan=row).values_list("instrument", "every")) == {
        "phq9": "month", "gad7": "month", "csi4": "session"}


def test_a_stale_schedule_version_is_a_409(cast, login):
    row = plan(cast.couple, cast.therapist, csi4="session")
    client = login(cast.therapist)
    assert send(client, "put", schedule_url(row), {"schedule_version": 1, "schedules": []}).status_code == 200
    response = send(client, "put", schedule_url(row), {"schedule_version": 1, "schedules": [
        {"instrument": "gad7", "every": "week"}]})
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "conflict", "message": response.json()["error"]["message"], "current_version": 2}
    assert not MeasureSchedule.objects.exists()


@pytest.mark.parametrize(("schedules", "field"), [
    ([{"instrument": "ors", "every": "week"}], "schedules"),
    ([{"instrument": "csi4", "every": "hourly"}], "schedules.0.every"),
    ([{"instrument": "csi4", "every": "week"}, {"instrument": "csi4", "every": "month"}], "schedules"),
])
def test_an_invalid_schedule_is_refused(cast, login, schedules, field):
    row = plan(cast.couple, cast.therapist)
    response = send(login(cast.therapist), "put", schedule_url(row), {"schedule_version": 1, "schedules": schedules})
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_superseded_plan_schedule_is_refused(cast, login):
    row = plan(cast.couple, cast.therapist, status=PlanStatus.SUPERSEDED, csi4="week")
    response = send(login(cast.therapist), "put", schedule_url(row), {"schedule_version": 1, "schedules": []})
    assert response.status_code == 400
    assert "superseded" in response.json()["error"]["fields"]["non_field_errors"][0]
    assert MeasureSchedule.objects.count() == 1


def test_measures_due_endpoint_returns_plain_rows(cast, login):
    plan(cast.couple, cast.therapist, phq9="month", signed_on=days_ago(50))
    administration(cast.couple, cast.therapist, instrument="phq9", partner="a", total=5, on=days_ago(40))
    administration(cast.couple, cast.therapist, instrument="phq9", partner="b", total=5, on=days_ago(10))
    rows = login(cast.therapist).get(reverse("measures-due")).json()
    assert rows == [{
        "couple": str(cast.couple.pk), "couple_reference": cast.couple.reference, "instrument": "phq9",
        "instrument_name": "PHQ-9", "partner": "a", "every": "month", "last_given": days_ago(40).isoformat(),
        "due_since": days_ago(10).isoformat(), "can_record": True,
    }]


# --- The OpenAPI document -------------------------------------------------------------------------


def test_schema_documents_the_measure_endpoints(cast, login):
    schema = yaml.safe_load(login(cast.therapist).get("/api/schema/").content)
    paths = schema["paths"]
    assert set(paths["/api/v1/instruments/"]) >= {"get"}
    assert set(paths["/api/v1/instruments/{code}/"]) >= {"get"}
    assert set(paths["/api/v1/couples/{couple_pk}/measures/"]) >= {"get", "post"}
    assert set(paths["/api/v1/couples/{couple_pk}/measures/{id}/"]) >= {"get"}
    assert set(paths["/api/v1/couples/{couple_pk}/measures/{id}/acknowledge-risk/"]) >= {"post"}
    assert set(paths["/api/v1/plans/{plan_pk}/measure-schedule/"]) >= {"get", "put"}
    assert set(paths["/api/v1/measures/due/"]) >= {"get"}
    put = paths["/api/v1/plans/{plan_pk}/measure-schedule/"]["put"]
    assert put["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
