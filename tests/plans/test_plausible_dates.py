"""Issue 11 item 7: no record of a couple dated before the couple's start or (for what has happened) in the
future, by one rule (clinic.services.record_dates) in every service, so that pages and the API refuse alike."""

from __future__ import annotations

import datetime
import html
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clinic.services.record_dates import check_record_date, record_date_problem
from plans.instruments import BUILTIN
from plans.models import MeasureAdministration, ProgressPoint
from plans.services.cbt import cbt_record_create
from plans.services.measures import measure_record
from plans.services.progress import checking_log_week_recount, progress_point_record, week_start
from tests.plans.cbt_factories import CheckingLogFactory, make_objective, make_plan
from tests.plans.measure_factories import answers_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = datetime.date(2024, 3, 6)  # a Wednesday
BEFORE = START - datetime.timedelta(days=1)
LONG_AGO = datetime.date(1900, 1, 1)
TOMORROW = TODAY + datetime.timedelta(days=1)
BEFORE_START_MESSAGE = "cannot be before this couple's start date (6 March 2024)"


@pytest.fixture
def couple(cast):
    cast.couple.start_date = START
    cast.couple.save(update_fields=["start_date"])
    return cast.couple


def send(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


# --- The rule -------------------------------------------------------------------------------------


def test_the_rule_refuses_before_the_start_and_in_the_future_unless_planned(couple):
    assert BEFORE_START_MESSAGE in record_date_problem(couple=couple, day=BEFORE)
    assert record_date_problem(couple=couple, day=START) is None
    assert record_date_problem(couple=couple, day=TODAY) is None
    assert record_date_problem(couple=couple, day=TOMORROW) == "The date cannot be in the future."
    assert record_date_problem(couple=couple, day=TOMORROW, allow_future=True) is None
    assert record_date_problem(couple=couple, day=None) is None  # the form reports a missing date
    assert record_date_problem(couple=couple, day=BEFORE, earliest=week_start(START)) is None
    with pytest.raises(ValidationError) as excinfo:
        check_record_date(couple=couple, day=LONG_AGO, field="administered_on", what="A measure's date")
    assert excinfo.value.message_dict["administered_on"][0].startswith("A measure's date cannot be before")


def test_a_datetime_is_judged_by_its_local_day(couple):
    midnight = timezone.make_aware(datetime.datetime.combine(START, datetime.time(0, 30)))
    assert record_date_problem(couple=couple, day=midnight) is None
    assert record_date_problem(couple=couple, day=midnight - datetime.timedelta(hours=1)) is not None


# --- Measures -------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [LONG_AGO, BEFORE])
def test_a_measure_before_the_couples_start_is_refused(cast, couple, day):
    with pytest.raises(ValidationError) as excinfo:
        measure_record(couple=couple, by=cast.therapist, instrument=BUILTIN["csi4"], partner="a",
                       administered_on=day, answers=[3, 3, 3, 3])
    assert BEFORE_START_MESSAGE in excinfo.value.message_dict["administered_on"][0]
    assert not MeasureAdministration.objects.exists()
    measure_record(couple=couple, by=cast.therapist, instrument=BUILTIN["csi4"], partner="a",
                   administered_on=START, answers=[3, 3, 3, 3])


def test_the_measure_page_and_api_refuse_a_measure_dated_1900(cast, couple, login):
    client = login(cast.therapist)
    data = {"instrument": "csi4", "partner": "a", "administered_on": "1900-01-01",
            **{f"item_{n}": "3" for n in range(1, 5)}}
    response = client.post(reverse("plans:measure-record", args=[couple.pk]), data)
    assert response.status_code == 400
    assert BEFORE_START_MESSAGE in html.unescape(response.content.decode())
    response = send(client, reverse("couple-measure-list", args=[couple.pk]), {
        "instrument": "csi4", "partner": "a", "administered_on": "1900-01-01",
        "answers": answers_for(BUILTIN["csi4"], 10)})
    assert response.status_code == 400
    assert BEFORE_START_MESSAGE in response.json()["error"]["fields"]["administered_on"][0]
    assert not MeasureAdministration.objects.exists()


# --- CBT logs -------------------------------------------------------------------------------------

CBT_BEFORE_START = [
    ("thought-record", "occurred_on", {
        "partner": "a", "situation": "A message.", "moods": [{"mood": "jealous", "before": 80}],
        "automatic_thought": "They are hiding something.", "distortions": ["mind_reading"]}),
    ("experiment", "planned_on", {"partner": "b", "prediction": "He will be angry.", "belief_before": 70}),
    ("checking", "occurred_on", {"partner": "a", "kind": "checking", "resisted": False}),
    ("homework", "assigned_on", {"partner": "both", "description": "Weekly check-in."}),
]


@pytest.mark.parametrize(("kind", "field", "fields"), CBT_BEFORE_START)
def test_cbt_work_before_the_couples_start_is_refused(cast, couple, kind, field, fields):
    with pytest.raises(ValidationError) as excinfo:
        cbt_record_create(kind=kind, couple=couple, by=cast.therapist, fields={**fields, field: BEFORE})
    assert BEFORE_START_MESSAGE in excinfo.value.message_dict[field][0]
    cbt_record_create(kind=kind, couple=couple, by=cast.therapist, fields={**fields, field: START})


def test_a_homework_review_before_the_start_is_refused(cast, couple):
    with pytest.raises(ValidationError) as excinfo:
        cbt_record_create(kind="homework", couple=couple, by=cast.therapist, fields={
            "partner": "both", "description": "Weekly check-in.", "assigned_on": LONG_AGO, "reviewed_on": LONG_AGO,
            "status": "done"})
    assert set(excinfo.value.message_dict) == {"assigned_on", "reviewed_on"}


def test_the_cbt_page_and_api_refuse_a_log_entry_before_the_start(cast, couple, login):
    client = login(cast.therapist)
    response = client.post(reverse("plans:cbt-create", args=[couple.pk, "checking"]), {
        "partner": "a", "occurred_on": BEFORE.isoformat(), "kind": "checking", "resisted": "yes"})
    assert response.status_code == 200, response.status_code
    assert BEFORE_START_MESSAGE in response.context["form"].errors["occurred_on"][0], response.context["form"].errors
    assert BEFORE_START_MESSAGE in html.unescape(response.content.decode())
    response = send(client, reverse("couple-checking-log-list", kwargs={"couple_pk": couple.pk}), {
        "partner": "a", "occurred_on": BEFORE.isoformat(), "kind": "checking", "resisted": True})
    assert response.status_code == 400
    assert BEFORE_START_MESSAGE in response.json()["error"]["fields"]["occurred_on"][0]


# --- Objective ratings ----------------------------------------------------------------------------


@pytest.fixture
def objective(cast, couple):
    return make_objective(make_plan(couple, by=cast.therapist), position=0)


def test_a_rating_before_the_start_is_refused_on_the_page_in_the_api_and_in_the_service(cast, couple, objective,
                                                                                        login):
    with pytest.raises(ValidationError) as excinfo:
        progress_point_record(couple=couple, objective_lineage=objective.lineage, recorded_on=BEFORE, value=3,
                              source="manual", by=cast.therapist)
    assert BEFORE_START_MESSAGE in excinfo.value.message_dict["recorded_on"][0]
    client = login(cast.therapist)
    response = client.post(reverse("plans:progress-point-add", args=[couple.pk]), {
        "objective": str(objective.lineage), "recorded_on": LONG_AGO.isoformat(), "value": "4"})
    assert response.status_code in (200, 400)
    assert BEFORE_START_MESSAGE in html.unescape(response.content.decode())
    response = send(client, reverse("couple-progress-point-list", kwargs={"couple_pk": couple.pk}), {
        "objective_lineage": str(objective.lineage), "recorded_on": LONG_AGO.isoformat(), "value": 4})
    assert response.status_code == 400
    assert BEFORE_START_MESSAGE in response.json()["error"]["fields"]["recorded_on"][0]
    assert not ProgressPoint.objects.exists()


def test_a_derived_value_takes_the_date_of_its_source_unchecked_against_the_start(cast, couple, objective):
    """A note of a session held before a corrected start date can still be signed and rate its objectives."""
    point = progress_point_record(couple=couple, objective_lineage=objective.lineage, recorded_on=BEFORE, value=3,
                                  source="session", by=cast.therapist, source_id=objective.lineage)
    assert point.recorded_on == BEFORE
    with pytest.raises(ValidationError):
        progress_point_record(couple=couple, objective_lineage=objective.lineage, recorded_on=TOMORROW, value=3,
                              source="session", by=cast.therapist, source_id=objective.lineage)


def test_the_log_week_of_the_start_is_counted_on_its_monday(cast, couple, objective):
    """A log week's point is dated its Monday, which may fall before the start date (a Wednesday)."""
    CheckingLogFactory(couple=couple, created_by=cast.therapist, occurred_on=START,
                       objective_lineage=objective.lineage)
    checking_log_week_recount(couple=couple, objective_lineage=objective.lineage, day=START, by=cast.therapist)
    assert ProgressPoint.objects.get().recorded_on == week_start(START) < START
