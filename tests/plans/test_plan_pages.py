"""The treatment plan pages: plan tab, versions, draft editing, signing, acknowledgement, overdue reviews."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from keys import keyring
from plans.models import Goal, Objective, Problem, TreatmentPlan
from tests.factories import TEST_PASSWORD, CoupleFactory
from tests.plans.plan_factories import add_progress, make_history, make_plan

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def tab_url(couple) -> str:
    return reverse("plans:plan-detail", args=[couple.pk])


def item_add_url(plan, kind, parent=None) -> str:
    url = reverse("plans:plan-item-add", args=[plan.pk, kind])
    return f"{url}?parent={parent.pk}" if parent else url


def first(model, plan):
    lookup = {Problem: "plan", Goal: "problem__plan", Objective: "goal__problem__plan"}[model]
    return model.objects.filter(**{lookup: plan}).order_by("position").first()


OBJECTIVE_POST = {"text": "Fewer checks", "who": "a", "metric": "Checks", "unit": "per week",
                  "direction": "decrease", "baseline": "10", "target": "2", "target_date": "",
                  "status": "not_started"}


# --- the plan tab --------------------------------------------------------------------------------------


def test_therapist_sees_a_call_to_start_a_plan_when_there_is_none(cast, login):
    html = login(cast.therapist).get(tab_url(cast.couple)).content.decode()
    assert "No treatment plan yet" in html
    assert "Start a treatment plan" in html
    assert f'action="{reverse("plans:plan-create", args=[cast.couple.pk])}"' in html
    assert f"Couple {cast.couple.reference} · Treatment plan" in html
    assert 'aria-current="page">Treatment plan' in html


def test_supervisor_can_read_the_plan_but_gets_no_edit_controls(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    html = login(cast.supervisor).get(tab_url(cast.couple)).content.decode()
    assert "Trust broken after a disclosed affair" in html
    assert reverse("plans:plan-sign", args=[plan.pk]) not in html
    assert "Start a treatment plan" not in html
    assert "You can read this plan but not change it" in html


@pytest.mark.parametrize(("role", "status"), [("stranger", 404), ("outsider", 404), ("manager", 403),
                                              ("admin", 403)])
def test_others_cannot_open_the_plan_tab(cast, login, role, status):
    make_plan(cast.couple, by=cast.therapist)
    assert login(getattr(cast, role)).get(tab_url(cast.couple)).status_code == status


def test_plan_tab_shows_active_plan_draft_history_and_progress(cast, login):
    make_history(cast.couple, by=cast.therapist, superseded=1)
    active = TreatmentPlan.objects.get(couple=cast.couple, status="active")
    objective = first(Objective, active)
    add_progress(objective, "7.5", today() - datetime.timedelta(days=3))
    client = login(cast.therapist)
    client.post(reverse("plans:plan-create", args=[cast.couple.pk]))
    draft = TreatmentPlan.objects.get(couple=cast.couple, status="draft")
    html = client.get(tab_url(cast.couple)).content.decode()
    assert "Active plan · version 2" in html and "Draft · version 3" in html
    assert html.count("Objective 1.1.1:") == 2
    assert re.search(r"12\s*→\s*<strong>7\.50</strong>.*?→\s*3", html, re.S)
    assert f'{reverse("plans:progress", args=[cast.couple.pk])}#objective-{objective.lineage}' in html
    for number, plan in ((2, active), (3, draft)):
        assert f'href="{reverse("plans:plan-version", args=[plan.pk])}">Version {number}</a>' in html
    assert ">Version 1</a>" in html
    assert reverse("plans:plan-sign", args=[draft.pk]) in html
    assert reverse("plans:plan-add-from-library", args=[draft.pk]) in html
    assert "Revise plan" not in html  # a draft already exists
    assert "Partner A acknowledged" in html and "Not yet" in html
    assert AuditEvent.objects.filter(action="plan.view", couple_id=cast.couple.pk).exists()


def test_overdue_review_is_highlighted_in_words(cast, login):
    make_plan(cast.couple, by=cast.therapist, status="active", review_due=today() - datetime.timedelta(days=1))
    html = login(cast.therapist).get(tab_url(cast.couple)).content.decode()
    assert "Review overdue" in html
    assert "Revise plan" in html


def test_script_typed_into_a_problem_title_is_escaped(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    client = login(cast.therapist)
    evil = '<script>alert("x")</script><b onmouseover="y">'
    client.post(reverse("plans:plan-item-edit", args=[plan.pk, "problem", first(Problem, plan).pk]),
                {"applies_to": "a", "title": evil, "behavioural_definition": evil})
    assert first(Problem, plan).title == evil  # stored as typed
    for url in (tab_url(cast.couple), reverse("plans:plan-version", args=[plan.pk]),
                reverse("plans:plan-item-delete", args=[plan.pk, "problem", first(Problem, plan).pk])):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and '<b onmouseover' not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def _count_tab_queries(client, couple) -> int:
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(tab_url(couple))
    assert response.status_code == 200
    return len(queries)


# Data keys created inside an uncommitted transaction are never cached, so these tests commit their data.
@pytest.mark.django_db(transaction=True)
def test_plan_tab_query_count_does_not_grow_with_the_size_of_the_plan(cast, login, django_assert_max_num_queries):
    client = login(cast.therapist)
    small = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    make_plan(small, by=cast.therapist, status="active", problems=1, goals=1, objectives=1, interventions=1)
    make_plan(small, by=cast.therapist, problems=1)
    baseline = _count_tab_queries(client, small)
    large = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    active = make_plan(large, by=cast.therapist, status="active", problems=5, goals=2, objectives=3,
                       interventions=2)
    for objective in Objective.objects.filter(goal__problem__plan=active):
        add_progress(objective, "5", today())
    make_plan(large, by=cast.therapist, problems=5, goals=2, objectives=3, interventions=2)
    keyring.clear_cache()
    with django_assert_max_num_queries(baseline):
        html = client.get(tab_url(large)).content.decode()
    assert html.count("Objective 5.2.3:") == 2
    assert baseline <= 30, baseline


@pytest.mark.django_db(transaction=True)
def test_plan_tab_query_count_does_not_grow_with_versions(cast, login, django_assert_max_num_queries):
    client = login(cast.therapist)
    one = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    make_history(one, by=cast.therapist, superseded=1)
    baseline = _count_tab_queries(client, one)
    many = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    make_history(many, by=cast.therapist, superseded=4)
    keyring.clear_cache()
    with django_assert_max_num_queries(baseline):
        html = client.get(tab_url(many)).content.decode()
    assert ">Version 5</a>" in html and ">Version 1</a>" in html


# --- versions ---------------------------------------------------------------------------------------


def test_superseded_version_stays_readable(cast, login):
    make_history(cast.couple, by=cast.therapist, superseded=1)
    old = TreatmentPlan.objects.get(couple=cast.couple, status="superseded")
    for role in ("therapist", "supervisor"):
        response = login(getattr(cast, role)).get(reverse("plans:plan-version", args=[old.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Treatment plan version 1" in html and "Superseded" in html
        assert "Trust broken after a disclosed affair" in html
        assert reverse("plans:plan-item-edit", args=[old.pk, "problem", first(Problem, old).pk]) not in html


# --- starting, revising -----------------------------------------------------------------------------


def test_therapist_can_start_then_revise_a_plan(cast, login):
    client = login(cast.therapist)
    response = client.post(reverse("plans:plan-create", args=[cast.couple.pk]))
    assert response.status_code == 302 and response["Location"].endswith("#draft")
    assert TreatmentPlan.objects.filter(couple=cast.couple, status="draft").count() == 1
    response = client.post(reverse("plans:plan-create", args=[cast.couple.pk]), follow=True)
    assert "already has a draft" in response.content.decode()
    assert TreatmentPlan.objects.filter(couple=cast.couple).count() == 1


def test_plan_create_needs_a_post(cast, login):
    assert login(cast.therapist).get(reverse("plans:plan-create", args=[cast.couple.pk])).status_code == 405


# --- locked versions through HTML ------------------------------------------------------------------


@pytest.mark.parametrize("status", ["active", "superseded"])
def test_signed_plan_cannot_be_edited_in_place_through_html(cast, login, status):
    plan = make_plan(cast.couple, by=cast.therapist, status=status)
    problem = first(Problem, plan)
    client = login(cast.therapist)
    posts = [
        (reverse("plans:plan-edit", args=[plan.pk]), {"formulation": "New", "version": plan.version}),
        (reverse("plans:plan-item-add", args=[plan.pk, "problem"]), {"applies_to": "a", "title": "New"}),
        (reverse("plans:plan-item-edit", args=[plan.pk, "problem", problem.pk]), {"applies_to": "a", "title": "X"}),
        (reverse("plans:plan-item-delete", args=[plan.pk, "problem", problem.pk]), {}),
        (reverse("plans:plan-add-from-library", args=[plan.pk]), {"partner": "both"}),
        (reverse("plans:plan-sign", args=[plan.pk]), {"secret": TEST_PASSWORD}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 409, url
        assert "signed and can no longer be changed" in response.content.decode()
        assert client.get(url).status_code == 409
    problem.refresh_from_db()
    assert problem.title == "Trust broken after a disclosed affair"
    plan.refresh_from_db()
    assert plan.status == status and plan.formulation != "New"


# --- editing a draft -----------------------------------------------------------------------------------


def test_therapist_can_build_a_draft_by_hand(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist, problems=0)
    client = login(cast.co_therapist)
    response = client.post(item_add_url(plan, "problem"), {"applies_to": "b", "title": "Doubts commitments",
                                                           "behavioural_definition": "Dismisses apologies."})
    assert response.status_code == 302
    problem = first(Problem, plan)
    assert (problem.title, problem.applies_to) == ("Doubts commitments", "b")
    assert client.get(item_add_url(plan, "goal", problem)).status_code == 200
    client.post(item_add_url(plan, "goal", problem), {"text": "Believes kept commitments", "parent": problem.pk})
    goal = first(Goal, plan)
    response = client.post(item_add_url(plan, "objective", goal), {**OBJECTIVE_POST, "direction": "increase",
                                                                   "baseline": "2", "target": "7"})
    assert response.status_code == 302
    client.post(item_add_url(plan, "intervention", goal), {"approach": "eft", "description": "Repair work",
                                                           "frequency": "Weekly", "delivered_by": ""})
    assert goal.interventions.get().approach == "eft"
    objective = first(Objective, plan)
    assert (objective.target, objective.direction) == (7, "increase")
    response = client.post(reverse("plans:plan-item-edit", args=[plan.pk, "objective", objective.pk]),
                           {**OBJECTIVE_POST, "status": "in_progress"})
    assert response.status_code == 302
    objective.refresh_from_db()
    assert (objective.status, objective.baseline, objective.target) == ("in_progress", 10, 2)
    events = AuditEvent.objects.filter(couple_id=cast.couple.pk, action__startswith="plan.").values_list(
        "action", flat=True)
    assert {"plan.problem_add", "plan.goal_add", "plan.objective_add", "plan.intervention_add",
            "plan.objective_update"} <= set(events)
    assert "Doubts" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"baseline": "ten"}, "baseline", "Enter the baseline as a number, for example 12 or 4.5."),
    ({"target": ""}, "target", "Enter the target as a number."),
    ({"target": "12"}, "target", "The target must be lower than the baseline, because lower is better"),
    ({"direction": "increase"}, "target", "The target must be higher than the baseline"),
    ({"target_date": "2001-01-01"}, "target_date", "The target date cannot be before today."),
    ({"text": "x" * 2001}, "text", "Keep this to 2,000 characters or fewer (it has 2001)."),
])
def test_objective_form_explains_what_to_fix(cast, login, data, field, message):
    plan = make_plan(cast.couple, by=cast.therapist)
    goal = first(Goal, plan)
    response = login(cast.therapist).post(item_add_url(plan, "objective", goal), {**OBJECTIVE_POST, **data})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'class="error-summary"' in html
    assert message in html
    assert f'href="#id_{field}"' in html
    assert Objective.objects.filter(goal=goal).count() == 1


def test_unknown_item_kind_is_not_found(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    client = login(cast.therapist)
    assert client.get(reverse("plans:plan-item-add", args=[plan.pk, "session"])).status_code == 404
    assert client.get(reverse("plans:plan-item-edit", args=[plan.pk, "plan", plan.pk])).status_code == 404
    assert client.post(reverse("plans:plan-item-delete", args=[plan.pk, "note", plan.pk])).status_code == 404


def test_item_of_another_plan_or_a_missing_parent_is_not_found(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    other = make_plan(CoupleFactory(practice=cast.practice, primary=cast.therapist), by=cast.therapist)
    client = login(cast.therapist)
    other_problem = first(Problem, other)
    assert client.get(reverse("plans:plan-item-edit", args=[plan.pk, "problem", other_problem.pk])).status_code == 404
    assert client.get(item_add_url(plan, "goal", other_problem)).status_code == 404
    assert client.get(reverse("plans:plan-item-add", args=[plan.pk, "goal"])).status_code == 404
    assert client.get(reverse("plans:plan-item-add", args=[plan.pk, "goal"]) + "?parent=nonsense").status_code == 404
    assert client.get(item_add_url(plan, "objective", first(Problem, plan))).status_code == 404  # not a goal


def test_therapist_can_delete_an_item_after_confirming(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist, problems=2)
    problem = first(Problem, plan)
    client = login(cast.therapist)
    url = reverse("plans:plan-item-delete", args=[plan.pk, "problem", problem.pk])
    html = client.get(url).content.decode()
    assert "goals, their objectives and interventions are deleted with it" in html
    assert client.post(url).status_code == 302
    assert not Problem.objects.filter(pk=problem.pk).exists()


def test_supervisor_and_stranger_cannot_change_a_draft(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    for role in ("supervisor", "stranger", "outsider"):
        client = login(getattr(cast, role))
        response = client.post(item_add_url(plan, "problem"), {"applies_to": "a", "title": "Sneaky"})
        assert response.status_code == 404, role
    assert not Problem.objects.filter(plan=plan, title__isnull=False).exclude(pk=first(Problem, plan).pk).exists()
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(plan.pk)).count() == 3


# --- plan-level fields: conflict ---------------------------------------------------------------------


def test_stale_formulation_save_is_a_conflict_showing_both_texts(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    url = reverse("plans:plan-edit", args=[plan.pk])
    first_client = login(cast.co_therapist)
    assert first_client.post(url, {"formulation": "Their formulation", "review_due": "", "version": 1}).status_code \
        == 302
    second = login(cast.therapist)
    response = second.post(url, {"formulation": "My formulation", "review_due": "", "version": 1})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this draft" in html
    assert "Their formulation" in html and "My formulation" in html
    assert 'name="version" value="2"' in html
    plan.refresh_from_db()
    assert plan.formulation == "Their formulation"
    assert second.post(url, {"formulation": "My formulation", "review_due": "", "version": 2}).status_code == 302
    plan.refresh_from_db()
    assert (plan.formulation, plan.version) == ("My formulation", 3)


def test_formulation_over_the_limit_names_the_field_and_limit(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    response = login(cast.therapist).post(reverse("plans:plan-edit", args=[plan.pk]),
                                          {"formulation": "x" * 20_001, "version": 1})
    assert response.status_code == 400
    assert "Case formulation: Keep this to 20,000 characters or fewer" in response.content.decode()


# --- signing ------------------------------------------------------------------------------------------


def test_therapist_can_sign_after_reauthenticating(cast, login):
    make_plan(cast.couple, by=cast.therapist, status="active")
    client = login(cast.therapist)
    client.post(reverse("plans:plan-create", args=[cast.couple.pk]))
    draft = TreatmentPlan.objects.get(couple=cast.couple, status="draft")
    url = reverse("plans:plan-sign", args=[draft.pk])
    assert "Confirm it is you" in client.get(url).content.decode()
    response = client.post(url, {"secret": "wrong"})
    assert response.status_code == 400
    assert "That is not your password or a current code. Nothing was signed." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"
    response = client.post(url, {"secret": TEST_PASSWORD})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.signed_by) == ("active", cast.therapist)
    assert TreatmentPlan.objects.get(couple=cast.couple, number=1).status == "superseded"


def test_sign_page_lists_what_is_missing(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist, objectives=2)
    Objective.objects.filter(pk=first(Objective, plan).pk).update(baseline=None, target=None)
    client = login(cast.therapist)
    html = client.get(reverse("plans:plan-sign", args=[plan.pk])).content.decode()
    assert "This draft cannot be signed yet" in html
    assert "Objective 1.1.1 needs a baseline and a target." in html
    response = client.post(reverse("plans:plan-sign", args=[plan.pk]), {"secret": TEST_PASSWORD})
    assert response.status_code == 400
    plan.refresh_from_db()
    assert plan.status == "draft"


# --- acknowledgement ----------------------------------------------------------------------------------


def test_therapist_can_record_an_acknowledgement(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist, status="active")
    client = login(cast.therapist)
    url = reverse("plans:plan-acknowledge", args=[plan.pk])
    assert client.get(url + "?partner=b").status_code == 200
    response = client.post(url, {"partner": "b", "acknowledged_on": today().isoformat(), "method": "electronic"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.partner_b_ack_on, plan.partner_b_ack_method) == (today(), "electronic")
    html = client.get(tab_url(cast.couple)).content.decode()
    assert "signed electronically" in html
    response = client.post(url, {"partner": "a", "acknowledged_on": "", "method": ""})
    assert response.status_code == 400
    assert "Enter the date of the acknowledgement." in response.content.decode()


def test_a_draft_cannot_be_acknowledged(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    response = login(cast.therapist).post(reverse("plans:plan-acknowledge", args=[plan.pk]),
                                          {"partner": "a", "acknowledged_on": today().isoformat(), "method": "paper"})
    assert response.status_code == 409
    assert "Only the active plan can be acknowledged" in response.content.decode()


# --- overdue reviews ------------------------------------------------------------------------------


def test_overdue_reviews_page_lists_oldest_first(cast, login):
    recent = make_plan(cast.couple, by=cast.therapist, status="active",
                       review_due=today() - datetime.timedelta(days=2))
    oldest = make_plan(CoupleFactory(practice=cast.practice, primary=cast.therapist), by=cast.therapist,
                       status="active", review_due=today() - datetime.timedelta(days=30))
    html = login(cast.therapist).get(reverse("plans:plan-overdue-reviews")).content.decode()
    assert html.index(oldest.couple.reference) < html.index(recent.couple.reference)
    assert "30 days" in html and "2 days" in html
    assert "2 overdue plan reviews, the most overdue first" in html
    # The couple's name beside its reference, as on Today (clinicians only).
    assert f"{cast.couple.reference} <span class=\"couple-name\">· " in html
    html = login(cast.stranger).get(reverse("plans:plan-overdue-reviews")).content.decode()
    assert "No plan reviews are overdue." in html


@pytest.mark.django_db(transaction=True)
def test_overdue_reviews_query_count_does_not_grow(cast, login, django_assert_max_num_queries):
    client = login(cast.therapist)
    for days in (3, 5):
        make_plan(CoupleFactory(practice=cast.practice, primary=cast.therapist), by=cast.therapist,
                  status="active", review_due=today() - datetime.timedelta(days=days))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("plans:plan-overdue-reviews"))
    for days in range(10, 30):
        make_plan(CoupleFactory(practice=cast.practice, primary=cast.therapist), by=cast.therapist,
                  status="active", review_due=today() - datetime.timedelta(days=days), problems=0)
    with django_assert_max_num_queries(len(queries)):
        html = client.get(reverse("plans:plan-overdue-reviews")).content.decode()
    assert html.count("days</span>") == 22


def test_stale_review_date_save_shows_both_dates_in_words(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    url = reverse("plans:plan-edit", args=[plan.pk])
    login(cast.co_therapist).post(url, {"formulation": plan.formulation, "review_due": "2027-03-01", "version": 1})
    response = login(cast.therapist).post(url, {"formulation": plan.formulation, "review_due": "2027-04-15",
                                                "version": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert "1 March 2027" in html and "15 April 2027" in html
    assert f'href="{reverse("plans:plan-detail", args=[cast.couple.pk])}#draft"' in html
