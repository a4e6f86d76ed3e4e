"""Progress data (issue 14 item 6): a value per partner on a "both partners" objective, thought records and
behavioural experiments feeding an objective, and numbers typed in the same pass when a plan takes items from
the library."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from keys import keyring
from plans.models import (
    BehaviouralExperiment,
    EntrySource,
    LibraryItem,
    LibraryKind,
    Objective,
    PlanStatus,
    ProgressPoint,
    ThoughtRecord,
)
from plans.selectors.progress import objective_chart, partner_lines, progress_overview
from plans.services import cbt, from_library, progress
from plans.services import plans as plan_services
from plans.structure import Attainment, partner_attainment
from tests.plans.cbt_factories import ProgressPointFactory, days_ago, make_objective, make_plan

pytestmark = pytest.mark.django_db


def point(objective, *, value, days, partner="", source="manual", client_reported=False):
    return ProgressPointFactory(couple_id=objective.couple_id, objective_lineage=objective.lineage,
                                value=Decimal(value), recorded_on=days_ago(days), source=source, partner=partner,
                                client_reported=client_reported)


@pytest.fixture
def plan(cast):
    return make_plan(cast.couple, by=cast.therapist)


@pytest.fixture
def both(plan):
    """A both-partners objective: confidence in the other's commitment, 0-10, higher is better."""
    return make_objective(plan, text="Feel secure in the relationship", metric="confidence in commitment",
                          unit="0-10 rating", baseline="3", target="7", who="both", direction="increase")


# --- Values per partner -----------------------------------------------------------------------------


def test_a_both_partners_value_typed_in_must_name_its_partner(cast, both):
    with pytest.raises(ValidationError) as error:
        progress.progress_point_record(couple=cast.couple, objective_lineage=both.lineage, recorded_on=days_ago(1),
                                       value="4", source="manual", by=cast.therapist)
    assert "partner" in error.value.message_dict
    stored = progress.progress_point_record(couple=cast.couple, objective_lineage=both.lineage,
                                            recorded_on=days_ago(1), value="4", source="manual",
                                            by=cast.therapist, partner="b")
    assert stored.partner == "b"
    event = AuditEvent.objects.get(action="progress_point.record")
    assert event.detail["partner"] == "b"


def test_an_individual_objective_refuses_the_other_partners_value_and_stores_its_own_unsplit(cast, plan):
    own = make_objective(plan, who="a")
    with pytest.raises(ValidationError):
        progress.progress_point_record(couple=cast.couple, objective_lineage=own.lineage, recorded_on=days_ago(1),
                                       value="4", source="manual", by=cast.therapist, partner="b")
    stored = progress.progress_point_record(couple=cast.couple, objective_lineage=own.lineage,
                                            recorded_on=days_ago(1), value="4", source="manual",
                                            by=cast.therapist, partner="a")
    assert stored.partner == ""


def test_both_partners_values_of_one_observation_are_recorded_together_or_not_at_all(cast, both):
    with pytest.raises(ValidationError):
        progress.progress_values_record(couple=cast.couple, objective_lineage=both.lineage, recorded_on=days_ago(1),
                                        values={"a": "4", "b": "not a number"}, by=cast.therapist)
    assert not ProgressPoint.objects.exists()
    progress.progress_values_record(couple=cast.couple, objective_lineage=both.lineage, recorded_on=days_ago(1),
                                    values={"a": "4", "b": "6"}, by=cast.therapist)
    assert sorted(ProgressPoint.objects.values_list("partner", "value")) == [("a", Decimal("4")),
                                                                            ("b", Decimal("6"))]


def test_the_chart_draws_one_line_per_partner_told_apart_without_colour(cast, both):
    point(both, value="3", days=20, partner="a")
    point(both, value="4", days=20, partner="b")
    point(both, value="6", days=5, partner="a")
    point(both, value="5", days=5, partner="b", client_reported=True)
    point(both, value="2", days=30)  # a single value recorded before values were kept per partner
    points = list(ProgressPoint.objects.order_by("recorded_on", "recorded_at"))
    chart = objective_chart(1, both, points)
    labels = [series.label for series in chart.series]
    assert labels == ["Partner A", "Partner B", "Both (not split)"]
    assert [series.style for series in chart.series] == ["a", "b", "objective"]
    assert "Partner A latest 6" in chart.description and "Partner B latest 5" in chart.description
    from plans import charts
    svg = charts.render(chart)
    assert svg.count("<polyline") == 2  # the unsplit value is a single point, no line
    assert 'stroke-dasharray="7 4"' in svg and "<rect" in svg  # partner B: dashed, square markers
    assert "Client-reported" in svg and "(client-reported)" in svg


def test_attainment_of_a_both_partners_objective_is_met_only_when_both_partners_met_it(cast, both):
    assert partner_attainment(both, {"a": Decimal("7"), "b": Decimal("8")})[0] == Attainment.MET
    overall, each = partner_attainment(both, {"a": Decimal("7"), "b": Decimal("5")})
    assert each == {"a": Attainment.MET, "b": Attainment.PARTLY_MET} and overall == Attainment.PARTLY_MET
    assert partner_attainment(both, {"a": Decimal("7"), "b": None})[0] == Attainment.NOT_MEASURED
    # No value per partner yet: judged on the couple's single value, as before.
    assert partner_attainment(both, {"": Decimal("7")})[0] == Attainment.MET


def test_a_partner_baseline_is_used_for_that_partners_line(cast, both):
    both.baseline_a, both.baseline_b = Decimal("2"), Decimal("5")
    point(both, value="4", days=3, partner="a")
    lines = partner_lines(both, list(ProgressPoint.objects.all()))
    assert [(line.label, line.baseline) for line in lines] == [("Partner A", Decimal("2")),
                                                               ("Partner B", Decimal("5"))]
    chart = objective_chart(1, both, list(ProgressPoint.objects.all()))
    assert [line.label for line in chart.reference_lines] == ["Baseline A", "Baseline B", "Target"]


def test_old_single_values_on_a_both_partners_objective_keep_showing(cast, login, both):
    point(both, value="2.5", days=30)
    client = login(cast.therapist)
    html = client.get(reverse("plans:progress", args=[cast.couple.pk])).content.decode()
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert "Recorded values" in svg and "2.50" in html  # as before: one line while no value is per partner
    point(both, value="4", days=2, partner="a")
    html = client.get(reverse("plans:progress", args=[cast.couple.pk])).content.decode()
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert "Both (not split by partner)" in html and "2.50" in html
    assert "Both (not split)" in svg and "Partner A" in svg


# --- The progress page ------------------------------------------------------------------------------


def test_therapist_adds_a_value_for_each_partner_in_one_submit(cast, login, both):
    client = login(cast.therapist)
    url = reverse("plans:progress-point-add", args=[cast.couple.pk])
    page = client.get(f"{url}?objective={both.lineage}").content.decode()
    assert "Partner A&#x27;s value" in page and 'name="value"' not in page
    response = client.post(url, {"objective": str(both.lineage), "recorded_on": days_ago(1).isoformat(),
                                 "value_a": "4", "value_b": "6.5", "note": ""})
    assert response.status_code == 302
    assert sorted(ProgressPoint.objects.values_list("partner", "value")) == [("a", Decimal("4")),
                                                                            ("b", Decimal("6.5"))]
    html = client.get(reverse("plans:progress", args=[cast.couple.pk])).content.decode()
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert svg.count("Partner A") >= 2 and svg.count("Partner B") >= 2  # markers and legend
    assert "Partner A: baseline → latest → target" in html


def test_a_both_partners_value_without_any_partner_is_a_400_with_the_form_kept(cast, login, both):
    client = login(cast.therapist)
    response = client.post(reverse("plans:progress-point-add", args=[cast.couple.pk]), {
        "objective": str(both.lineage), "recorded_on": days_ago(1).isoformat(), "value": "4",
        "note": "Said in the waiting room",
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "give each partner" in html and "Said in the waiting room" in html
    assert 'href="#id_value"' in html  # the error summary links to the field
    assert not ProgressPoint.objects.exists()


def _count(client, url) -> int:
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db(transaction=True)
def test_progress_page_queries_do_not_grow_with_partner_values_or_feeds(cast, login):
    client = login(cast.therapist)
    plan = make_plan(cast.couple, by=cast.therapist)
    first = make_objective(plan, who="both", direction="increase", baseline="3", target="7")
    point(first, value="4", days=9, partner="a")
    url = reverse("plans:progress", args=[cast.couple.pk])
    small = _count(client, url)
    objectives = [first] + [make_objective(plan, text=f"Objective {n}", position=n, who="both",
                                           direction="increase", baseline="3", target="7") for n in range(1, 6)]
    for n in range(60):
        point(objectives[n % 6], value=str(n % 10), days=90 - n, partner="ab"[n % 2],
              client_reported=n % 5 == 0, source="thought" if n % 3 == 0 else "manual")
    assert _count(client, url) <= small
    assert small <= 22, small


# --- Thought records and behavioural experiments feed an objective -----------------------------------


def _thought(cast, objective, *, partner="a", before=80, after=40, days=3, by=None, source=EntrySource.CLINICIAN):
    return cbt.cbt_record_create(kind="thought-record", couple=cast.couple, by=by, source=source, fields={
        "partner": partner, "occurred_on": days_ago(days), "situation": "Partner was late home.",
        "moods": [{"mood": "anxious", "before": 80, "after": 40}], "automatic_thought": "They will leave me.",
        "belief_before": before, "belief_after": after, "objective_lineage": objective.lineage, "distortions": [],
    })


def test_thought_records_feed_belief_after_per_partner(cast, plan, login):
    objective = make_objective(plan, text="Belief 'my partner will leave me' below 40%", metric="belief",
                               unit="0-100", baseline="85", target="40", who="both")
    Objective.objects.filter(pk=objective.pk).update(data_source="thought_belief_after")
    _thought(cast, objective, partner="a", before=90, after=60, days=10, by=cast.therapist)
    record = _thought(cast, objective, partner="b", before=70, after=35, days=4, by=cast.therapist)
    points = {p.partner: p for p in ProgressPoint.objects.filter(objective_lineage=objective.lineage)}
    assert points["a"].value == Decimal("60") and points["b"].value == Decimal("35")
    assert points["b"].source == "thought" and points["b"].source_id == record.pk
    assert points["b"].recorded_on == days_ago(4)
    page = login(cast.therapist).get(reverse("plans:cbt", args=[cast.couple.pk])).content.decode()
    assert "Belief in it (then → afterwards, 0-100)" in page and "90 → 60" in page
    assert f"#objective-{objective.lineage}" in page
    # Re-rated: the point follows; unlinked: the point goes.
    cbt.cbt_record_update(record=record, by=cast.therapist, fields={"belief_after": 20})
    assert ProgressPoint.objects.get(partner="b").value == Decimal("20")
    cbt.cbt_record_update(record=ThoughtRecord.objects.get(pk=record.pk), by=cast.therapist,
                          fields={"objective_lineage": None})
    assert list(ProgressPoint.objects.values_list("partner", flat=True)) == ["a"]
    assert AuditEvent.objects.filter(action="progress_point.feed_sync").count() >= 3


def test_belief_drop_is_before_minus_after_and_a_data_source_change_resyncs(cast, plan):
    objective = make_objective(plan, text="Belief drops", metric="belief drop", unit="points", baseline="0",
                               target="30", who="a", direction="increase")
    Objective.objects.filter(pk=objective.pk).update(data_source="thought_belief_drop")
    _thought(cast, objective, before=90, after=40, by=cast.therapist)
    assert ProgressPoint.objects.get().value == Decimal("50")
    draft = make_plan(cast.couple, by=cast.therapist, status=PlanStatus.DRAFT, number=2)
    copy = make_objective(draft, text="Belief drops", lineage=objective.lineage, who="a", baseline="0",
                          target="30", direction="increase")
    plan_services.plan_item_update(plan=draft, item=copy, by=cast.therapist, data_source="thought_belief_after")
    assert ProgressPoint.objects.get().value == Decimal("40")
    plan_services.plan_item_update(plan=draft, item=Objective.objects.get(pk=copy.pk), by=cast.therapist,
                                   data_source="manual")
    assert not ProgressPoint.objects.exists()


def test_a_thought_record_may_not_feed_the_other_partners_objective(cast, plan):
    objective = make_objective(plan, who="b")
    with pytest.raises(ValidationError) as error:
        _thought(cast, objective, partner="a", by=cast.therapist)
    assert "objective_lineage" in error.value.message_dict


def test_experiments_feed_the_running_percentage_of_predictions_confirmed(cast, plan):
    objective = make_objective(plan, text="Predictions confirmed", metric="predictions confirmed", unit="%",
                               baseline="80", target="20", who="a")
    Objective.objects.filter(pk=objective.pk).update(data_source="experiment_confirmed")
    for days, confirmed in ((20, True), (10, False), (5, False), (2, None)):
        cbt.cbt_record_create(kind="experiment", couple=cast.couple, by=cast.therapist, fields={
            "partner": "a", "planned_on": days_ago(days), "prediction": "He will be angry.", "belief_before": 80,
            "prediction_confirmed": confirmed, "objective_lineage": objective.lineage,
        })
    values = list(ProgressPoint.objects.order_by("recorded_on").values_list("value", flat=True))
    assert values == [Decimal("100"), Decimal("50"), Decimal("33.33")]  # the unknown outcome adds none
    assert BehaviouralExperiment.objects.count() == 4


def test_a_partners_portal_thought_record_feeds_their_objective_marked_client_reported(cast, plan):
    from portal.services import entries
    from tests.portal.portal_factories import portal_account
    objective = make_objective(plan, text="Belief below 40", metric="belief", unit="0-100", baseline="85",
                               target="40", who="both")
    Objective.objects.filter(pk=objective.pk).update(data_source="thought_belief_after")
    account = portal_account(cast.couple, "b")
    entries.portal_entry_submit(account=account, kind="thought-record", fields={
        "occurred_on": days_ago(1), "situation": "Late reply.", "automatic_thought": "They are leaving.",
        "moods": [{"mood": "afraid", "before": 70, "after": 30}], "belief_before": 75, "belief_after": 30,
        "distortions": [],
    })
    stored = ProgressPoint.objects.get()
    assert (stored.partner, stored.value, stored.client_reported) == ("b", Decimal("30"), True)
    overview = progress_overview(cast.couple)
    assert overview.objectives[0].client_reported


def test_the_portal_never_shows_the_other_partners_values(cast, client, plan):
    from portal.services import accounts
    from tests.portal.portal_factories import portal_account, sign_in_partner
    objective = make_objective(plan, text="Feel secure", who="both", direction="increase", baseline="3",
                               target="7")
    point(objective, value="9.75", days=3, partner="a")
    point(objective, value="1.25", days=3, partner="b")
    account = portal_account(cast.couple, "b")
    accounts.portal_sharing_set(account=account, by=cast.therapist, share_charts=True, share_goals=True)
    sign_in_partner(client, account)
    html = client.get(reverse("portal:progress")).content.decode()
    assert "Rebuild trust" in html  # the shared goal
    assert "9.75" not in html and "9.8" not in html  # partner A's value never reaches partner B


# --- From the library: numbers in the first pass ----------------------------------------------------


@pytest.fixture
def sign(cast):
    return LibraryItem.objects.create(
        practice=cast.couple.practice, kind=LibraryKind.SIGN, slug="checking", title="Checking the partner's phone",
        objective_text="Check the partner's phone less often", metric="checking episodes", unit="per week",
        direction="decrease")


def test_library_signs_take_metric_baselines_and_target_in_one_pass(cast, sign):
    draft = make_plan(cast.couple, by=cast.therapist, status=PlanStatus.DRAFT)
    added = from_library.plan_add_from_library(plan=draft, by=cast.therapist, items=[sign], partner="both", numbers={
        str(sign.pk): {"metric": "phone checks", "unit": "per week", "baseline": None, "baseline_a": Decimal("12"),
                       "baseline_b": Decimal("3"), "target": Decimal("1")}})
    assert added.objectives == 1 and added.objectives_without_numbers == 0
    objective = Objective.objects.get(library_item=sign)
    assert (objective.metric, objective.baseline_a, objective.baseline_b, objective.target) == (
        "phone checks", Decimal("12"), Decimal("3"), Decimal("1"))
    assert objective.has_baseline


def test_library_numbers_against_the_direction_are_refused_and_nothing_is_added(cast, sign):
    draft = make_plan(cast.couple, by=cast.therapist, status=PlanStatus.DRAFT)
    with pytest.raises(ValidationError) as error:
        from_library.plan_add_from_library(plan=draft, by=cast.therapist, items=[sign], partner="a", numbers={
            str(sign.pk): {"baseline": Decimal("2"), "target": Decimal("10")}})
    assert f"sign_{sign.pk}_target" in error.value.message_dict
    assert not Objective.objects.filter(library_item=sign).exists()


def test_from_library_page_keeps_every_input_on_an_error(cast, login, sign):
    draft = make_plan(cast.couple, by=cast.therapist, status=PlanStatus.DRAFT)
    url = reverse("plans:plan-add-from-library", args=[draft.pk])
    client = login(cast.therapist)
    page = client.get(url).content.decode()
    assert f'name="sign_{sign.pk}_baseline_a"' in page and f'name="sign_{sign.pk}_target"' in page
    response = client.post(url, {"signs": [str(sign.pk)], "partner": "both", "goal": "",
                                 f"sign_{sign.pk}_metric": "phone checks", f"sign_{sign.pk}_unit": "per day",
                                 f"sign_{sign.pk}_baseline_a": "12", f"sign_{sign.pk}_baseline_b": "lots",
                                 f"sign_{sign.pk}_target": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "enter the baseline, partner b as a number" in html
    assert f'href="#id_sign_{sign.pk}_baseline_b"' in html
    for kept in ('value="phone checks"', 'value="per day"', 'value="12"', 'value="lots"', 'value="1"'):
        assert kept in html
    assert re.search(rf'value="{sign.pk}"[^>]*checked', html)
    response = client.post(url, {"signs": [str(sign.pk)], "partner": "both", "goal": "",
                                 f"sign_{sign.pk}_metric": "phone checks", f"sign_{sign.pk}_unit": "per day",
                                 f"sign_{sign.pk}_baseline_a": "12", f"sign_{sign.pk}_baseline_b": "4",
                                 f"sign_{sign.pk}_target": "1"})
    assert response.status_code == 302
    objective = Objective.objects.get(library_item=sign)
    assert (objective.unit, objective.baseline_a, objective.baseline_b) == ("per day", Decimal("12"), Decimal("4"))


# --- API ----------------------------------------------------------------------------------------------


def _post(client, url, data):
    import json
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_api_records_and_lists_a_partners_value(cast, login, both):
    client = login(cast.co_therapist)
    url = reverse("couple-progress-point-list", kwargs={"couple_pk": cast.couple.pk})
    missing = _post(client, url, {"objective_lineage": str(both.lineage), "recorded_on": days_ago(1).isoformat(),
                                  "value": 4})
    assert missing.status_code == 400 and "partner" in missing.json()["error"]["fields"]
    created = _post(client, url, {"objective_lineage": str(both.lineage), "recorded_on": days_ago(1).isoformat(),
                                  "value": 4, "partner": "b"})
    assert created.status_code == 201 and created.json()["partner"] == "b"
    assert created.json()["client_reported"] is False
    listed = client.get(url).json()["results"]
    assert [(row["partner"], row["value"]) for row in listed] == [("b", 4.0)]


def test_api_creates_an_objective_with_partner_baselines_and_a_data_source(cast, login):
    draft = make_plan(cast.couple, by=cast.therapist, status=PlanStatus.DRAFT)
    goal = draft.problems.get().goals.get()
    client = login(cast.therapist)
    response = _post(client, reverse("plan-objective-list", kwargs={"plan_pk": draft.pk}), {
        "goal": str(goal.pk), "text": "Belief below 40", "who": "both", "metric": "belief", "unit": "0-100",
        "baseline_a": 85, "baseline_b": 70, "target": 40, "direction": "decrease",
        "data_source": "thought_belief_after"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["baseline"], body["baseline_a"], body["baseline_b"], body["data_source"]) == (
        None, 85, 70, "thought_belief_after")
