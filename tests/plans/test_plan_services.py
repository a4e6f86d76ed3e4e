"""plans.services.plans: drafts, revisions, signing, locking, validation and acknowledgements."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from plans.models import Goal, Intervention, MeasureSchedule, Objective, Problem, TreatmentPlan
from plans.selectors.plans import overdue_reviews_for, plan_tab
from plans.services import from_library
from plans.services import plans as services
from rapport.versioning import StaleVersion
from tests.factories import TEST_PASSWORD, CoupleFactory
from tests.plans.plan_factories import (
    add_progress,
    add_schedule,
    make_history,
    make_plan,
)

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def objective_fields(**overrides):
    fields = {"text": "Fewer checks", "who": "a", "metric": "Checks", "unit": "per week",
              "baseline": Decimal("10"), "target": Decimal("2"), "direction": "decrease"}
    fields.update(overrides)
    return fields


def first(model, plan):
    lookup = {Problem: "plan", Goal: "problem__plan", Objective: "goal__problem__plan",
              Intervention: "goal__problem__plan"}[model]
    return model.objects.filter(**{lookup: plan}).first()


# --- starting and revising -------------------------------------------------------------------------


def test_therapist_can_start_a_first_plan_as_an_empty_draft(cast):
    plan = services.plan_start(couple=cast.couple, by=cast.therapist)
    assert (plan.number, plan.status, plan.supersedes_id) == (1, "draft", None)
    assert not Problem.objects.filter(plan=plan).exists()
    assert AuditEvent.objects.filter(action="plan.create", object_id=str(plan.pk)).exists()


def test_therapist_cannot_start_a_second_draft(cast):
    services.plan_start(couple=cast.couple, by=cast.therapist)
    with pytest.raises(ValidationError) as error:
        services.plan_start(couple=cast.couple, by=cast.therapist)
    assert "already has a draft" in error.value.messages[0]
    assert TreatmentPlan.objects.filter(couple=cast.couple).count() == 1


def test_database_refuses_two_active_plans(cast):
    make_plan(cast.couple, by=cast.therapist, status="active")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_plan(cast.couple, by=cast.therapist, status="active")


def test_revision_copies_the_whole_structure_keeping_lineages(cast):
    active = make_plan(cast.couple, by=cast.therapist, status="active", problems=2, goals=2, objectives=2,
                       interventions=1)
    add_schedule(active, "csi4", "session")
    add_schedule(active, "phq9", "month")
    draft = services.plan_start(couple=cast.couple, by=cast.co_therapist)
    assert (draft.number, draft.status, draft.supersedes_id) == (2, "draft", active.pk)
    assert draft.formulation == active.formulation
    for model, count in ((Problem, 2), (Goal, 4), (Objective, 8), (Intervention, 4)):
        lookup = {Problem: "plan", Goal: "problem__plan", Objective: "goal__problem__plan",
                  Intervention: "goal__problem__plan"}[model]
        assert model.objects.filter(**{lookup: draft}).count() == count
    old = Objective.objects.filter(goal__problem__plan=active).order_by("lineage")
    new = Objective.objects.filter(goal__problem__plan=draft).order_by("lineage")
    assert [o.lineage for o in old] == [o.lineage for o in new]
    assert not set(old.values_list("pk", flat=True)) & set(new.values_list("pk", flat=True))
    assert [(o.text, o.baseline, o.target) for o in old] == [(o.text, o.baseline, o.target) for o in new]
    copied = first(Problem, draft)
    copied.refresh_from_db()  # decrypts under its own row id: the text was sealed again, not copied as bytes
    assert copied.title == first(Problem, active).title
    schedules = set(MeasureSchedule.objects.filter(plan=draft).values_list("instrument", "every"))
    assert schedules == {("csi4", "session"), ("phq9", "month")}
    assert MeasureSchedule.objects.filter(plan=active).count() == 2


def test_editing_a_revision_never_changes_the_active_plan(cast):
    active = make_plan(cast.couple, by=cast.therapist, status="active")
    draft = services.plan_start(couple=cast.couple, by=cast.therapist)
    services.plan_item_update(plan=draft, item=first(Problem, draft), by=cast.therapist, title="Reworded")
    assert first(Problem, active).title == "Trust broken after a disclosed affair"


# --- locked versions -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["active", "superseded"])
def test_nobody_can_edit_a_signed_plan_in_place_through_services(cast, status):
    plan = make_plan(cast.couple, by=cast.therapist, status=status)
    problem, goal, objective = first(Problem, plan), first(Goal, plan), first(Objective, plan)
    attempts = [
        lambda: services.plan_update(plan=plan, by=cast.therapist, base_version=plan.version, formulation="New"),
        lambda: services.plan_item_add(plan=plan, kind="problem", by=cast.therapist, title="New problem"),
        lambda: services.plan_item_add(plan=plan, kind="goal", by=cast.therapist, parent=problem, text="New"),
        lambda: services.plan_item_update(plan=plan, item=objective, by=cast.therapist, text="Changed"),
        lambda: services.plan_item_delete(plan=plan, item=goal, by=cast.therapist),
        lambda: from_library.plan_add_from_library(plan=plan, by=cast.therapist, items=[], goal=goal),
        lambda: services.plan_sign(plan=plan, by=cast.therapist, secret=TEST_PASSWORD),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()
    for attempt in attempts[:5]:
        with pytest.raises(services.PlanLocked):
            attempt()
    objective.refresh_from_db()
    assert objective.text == "Reduce checking episodes to three a week or fewer."
    assert Goal.objects.filter(pk=goal.pk).exists()
    assert Problem.objects.filter(plan=plan).count() == 1


def test_a_stale_plan_version_is_refused(cast):
    plan = services.plan_start(couple=cast.couple, by=cast.therapist)
    services.plan_update(plan=plan, by=cast.therapist, base_version=1, formulation="First")
    with pytest.raises(StaleVersion) as error:
        services.plan_update(plan=plan, by=cast.co_therapist, base_version=1, formulation="Second")
    assert error.value.current_version == 2
    plan.refresh_from_db()
    assert plan.formulation == "First"


def test_review_due_cannot_be_in_the_past(cast):
    plan = services.plan_start(couple=cast.couple, by=cast.therapist)
    with pytest.raises(ValidationError) as error:
        services.plan_update(plan=plan, by=cast.therapist, base_version=1,
                             review_due=today() - datetime.timedelta(days=1))
    assert error.value.message_dict == {"review_due": ["The review date cannot be before today."]}


# --- objectives: validation ------------------------------------------------------------------------


@pytest.fixture
def draft_goal(cast):
    plan = make_plan(cast.couple, by=cast.therapist)
    return plan, first(Goal, plan)


@pytest.mark.parametrize(("direction", "baseline", "target", "message"), [
    ("decrease", "10", "12", "The target must be lower than the baseline"),
    ("decrease", "10", "10", "The target must be lower than the baseline"),
    ("increase", "4", "2", "The target must be higher than the baseline"),
])
def test_objective_target_must_lie_in_the_direction_of_improvement(cast, draft_goal, direction, baseline, target,
                                                                   message):
    plan, goal = draft_goal
    with pytest.raises(ValidationError) as error:
        services.plan_item_add(plan=plan, kind="objective", by=cast.therapist, parent=goal, **objective_fields(
            direction=direction, baseline=Decimal(baseline), target=Decimal(target)))
    assert error.value.message_dict["target"][0].startswith(message)


def test_new_objective_target_date_cannot_be_before_today(cast, draft_goal):
    plan, goal = draft_goal
    with pytest.raises(ValidationError) as error:
        services.plan_item_add(plan=plan, kind="objective", by=cast.therapist, parent=goal,
                               **objective_fields(target_date=today() - datetime.timedelta(days=1)))
    assert error.value.message_dict == {"target_date": ["The target date cannot be before today."]}
    objective = services.plan_item_add(plan=plan, kind="objective", by=cast.therapist, parent=goal,
                                       **objective_fields(target_date=today()))
    assert objective.position == 1 and objective.goal_id == goal.pk


def test_an_old_target_date_copied_into_a_revision_does_not_block_other_edits(cast):
    active = make_plan(cast.couple, by=cast.therapist, status="active")
    Objective.objects.filter(goal__problem__plan=active).update(target_date=today() - datetime.timedelta(days=30))
    draft = services.plan_start(couple=cast.couple, by=cast.therapist)
    objective = first(Objective, draft)
    services.plan_item_update(plan=draft, item=objective, by=cast.therapist, text="Reworded", status="in_progress")
    with pytest.raises(ValidationError):
        services.plan_item_update(plan=draft, item=objective, by=cast.therapist,
                                  target_date=today() - datetime.timedelta(days=2))


def test_objective_item_must_go_under_a_goal(cast, draft_goal):
    plan, goal = draft_goal
    with pytest.raises(ValidationError) as error:
        services.plan_item_add(plan=plan, kind="objective", by=cast.therapist, parent=goal.problem,
                               **objective_fields())
    assert "parent" in error.value.message_dict


def test_text_over_the_limit_is_a_validation_error(cast, draft_goal):
    plan, goal = draft_goal
    with pytest.raises(ValidationError) as error:
        services.plan_item_add(plan=plan, kind="goal", by=cast.therapist, parent=goal.problem, text="x" * 2001)
    assert "text" in error.value.message_dict


def test_deleting_a_problem_takes_its_goals_objectives_and_interventions(cast):
    plan = make_plan(cast.couple, by=cast.therapist, problems=2)
    problem = first(Problem, plan)
    problem_id = problem.pk
    services.plan_item_delete(plan=plan, item=problem, by=cast.therapist)
    assert Problem.objects.filter(plan=plan).count() == 1
    assert Objective.objects.filter(goal__problem__plan=plan).count() == 1
    assert AuditEvent.objects.filter(action="plan.problem_delete", object_id=str(problem_id)).exists()


# --- signing ------------------------------------------------------------------------------------------


def test_signing_makes_the_draft_active_and_supersedes_the_previous_plan(cast):
    active = make_plan(cast.couple, by=cast.therapist, status="active")
    draft = services.plan_start(couple=cast.couple, by=cast.therapist)
    services.plan_sign(plan=draft, by=cast.co_therapist, secret=TEST_PASSWORD)
    draft.refresh_from_db()
    active.refresh_from_db()
    assert (draft.status, draft.signed_by, active.status) == ("active", cast.co_therapist, "superseded")
    assert draft.signed_at is not None and active.superseded_at is not None
    assert draft.review_due == today() + datetime.timedelta(days=cast.practice.plan_review_days)
    assert AuditEvent.objects.filter(action="plan.sign", object_id=str(draft.pk)).exists()
    assert AuditEvent.objects.filter(action="plan.supersede", object_id=str(active.pk)).exists()


def test_signing_keeps_a_review_date_set_on_the_draft(cast):
    draft = make_plan(cast.couple, by=cast.therapist, review_due=today() + datetime.timedelta(days=30))
    services.plan_sign(plan=draft, by=cast.therapist, secret=TEST_PASSWORD)
    assert draft.review_due == today() + datetime.timedelta(days=30)


def test_practice_review_interval_sets_the_default_review_date(cast):
    cast.practice.plan_review_days = 45
    cast.practice.save()
    draft = make_plan(cast.couple, by=cast.therapist)
    draft = TreatmentPlan.objects.select_related("couple__practice").get(pk=draft.pk)
    services.plan_sign(plan=draft, by=cast.therapist, secret=TEST_PASSWORD)
    assert draft.review_due == today() + datetime.timedelta(days=45)


def test_signing_with_a_wrong_secret_is_refused_and_audited(cast):
    draft = make_plan(cast.couple, by=cast.therapist)
    with pytest.raises(ValidationError) as error:
        services.plan_sign(plan=draft, by=cast.therapist, secret="not my password")
    assert "secret" in error.value.message_dict
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.signed_by is None
    event = AuditEvent.objects.filter(action="reauth.plan_sign").last()
    assert event.outcome == "failed"
    with pytest.raises(ValidationError):
        services.plan_sign(plan=draft, by=cast.therapist, secret="")


def test_signing_needs_a_problem_with_a_goal_and_an_objective(cast):
    draft = make_plan(cast.couple, by=cast.therapist, objectives=0)
    with pytest.raises(ValidationError) as error:
        services.plan_sign(plan=draft, by=cast.therapist, secret=TEST_PASSWORD)
    assert "at least one problem with a long-term goal and a measurable objective" in error.value.messages[0]
    assert not AuditEvent.objects.filter(action="reauth.plan_sign").exists()  # no password asked for nothing


def test_signing_needs_every_objective_to_have_numbers(cast):
    draft = make_plan(cast.couple, by=cast.therapist, problems=1, goals=1, objectives=2)
    Objective.objects.filter(goal__problem__plan=draft, position=Objective.objects.filter(
        goal__problem__plan=draft).order_by("position").last().position).update(baseline=None, target=None)
    with pytest.raises(ValidationError) as error:
        services.plan_sign(plan=draft, by=cast.therapist, secret=TEST_PASSWORD)
    assert error.value.messages == ["Objective 1.1.2 needs a baseline and a target."]


def test_supervisor_cannot_sign_a_plan_of_a_case_they_only_supervise(cast):
    draft = make_plan(cast.couple, by=cast.therapist)
    with pytest.raises(ValidationError) as error:
        services.plan_sign(plan=draft, by=cast.supervisor, secret=TEST_PASSWORD)
    assert "care team" in error.value.messages[0]


# --- acknowledgement --------------------------------------------------------------------------------


def test_therapist_can_record_each_partners_acknowledgement(cast):
    plan = make_plan(cast.couple, by=cast.therapist, status="active")
    services.plan_acknowledge(plan=plan, by=cast.therapist, partner="a", acknowledged_on=today(), method="verbal")
    services.plan_acknowledge(plan=plan, by=cast.therapist, partner="b", acknowledged_on=today(), method="paper")
    plan.refresh_from_db()
    assert (plan.partner_a_ack_on, plan.partner_a_ack_method) == (today(), "verbal")
    assert (plan.partner_b_ack_on, plan.partner_b_ack_method) == (today(), "paper")
    assert plan.version == 1  # not an edit of the plan's content


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"acknowledged_on": "tomorrow"}, "acknowledged_on"),
    ({"method": ""}, "method"),
    ({"partner": "c"}, "partner"),
    ({"acknowledged_on": "before signing"}, "acknowledged_on"),
])
def test_acknowledgement_is_validated(cast, kwargs, field):
    plan = make_plan(cast.couple, by=cast.therapist, status="active")
    values = {"partner": "a", "acknowledged_on": today(), "method": "verbal", **kwargs}
    if values["acknowledged_on"] == "tomorrow":
        values["acknowledged_on"] = today() + datetime.timedelta(days=1)
    elif values["acknowledged_on"] == "before signing":
        values["acknowledged_on"] = today() - datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as error:
        services.plan_acknowledge(plan=plan, by=cast.therapist, **values)
    assert field in error.value.message_dict


@pytest.mark.parametrize("status", ["draft", "superseded"])
def test_only_the_active_plan_can_be_acknowledged(cast, status):
    plan = make_plan(cast.couple, by=cast.therapist, status=status)
    with pytest.raises(ValidationError):
        services.plan_acknowledge(plan=plan, by=cast.therapist, partner="a", acknowledged_on=today(),
                                  method="verbal")


# --- selectors ----------------------------------------------------------------------------------------


def test_plan_tab_shows_the_newest_progress_value_of_each_lineage(cast):
    old = make_plan(cast.couple, by=cast.therapist, status="active")
    add_progress(first(Objective, old), "11", today() - datetime.timedelta(days=20))
    draft = services.plan_start(couple=cast.couple, by=cast.therapist)
    services.plan_sign(plan=draft, by=cast.therapist, secret=TEST_PASSWORD)
    add_progress(first(Objective, draft), "7", today() - datetime.timedelta(days=2))
    add_progress(first(Objective, draft), "9", today() - datetime.timedelta(days=10))
    tab = plan_tab(cast.couple)
    objective = tab.active.problems.all()[0].goals.all()[0].objectives.all()[0]
    assert (objective.latest_value, objective.latest_on) == (Decimal("7"), today() - datetime.timedelta(days=2))
    assert [v.number for v in tab.versions] == [2, 1]


def test_overdue_reviews_lists_visible_active_plans_oldest_first(cast):
    late = make_plan(cast.couple, by=cast.therapist, status="active", review_due=today() - datetime.timedelta(days=3))
    later = make_plan(CoupleFactory(practice=cast.practice, primary=cast.therapist), by=cast.therapist,
                      status="active", review_due=today() - datetime.timedelta(days=40))
    make_plan(CoupleFactory(practice=cast.practice, primary=cast.therapist), by=cast.therapist, status="active",
              review_due=today() + datetime.timedelta(days=1))
    make_plan(CoupleFactory(practice=cast.practice, primary=cast.therapist, status="discharged"),
              by=cast.therapist, status="active", review_due=today() - datetime.timedelta(days=99))
    make_plan(CoupleFactory(practice=cast.practice, primary=cast.stranger), by=cast.stranger, status="active",
              review_due=today() - datetime.timedelta(days=9))
    make_history(CoupleFactory(practice=cast.practice, primary=cast.therapist), by=cast.therapist, superseded=1)
    assert list(overdue_reviews_for(cast.therapist)) == [later, late]
    assert list(overdue_reviews_for(cast.supervisor)) == [later, late]  # supervises the therapist
    assert list(overdue_reviews_for(cast.co_therapist)) == [late]
    assert list(overdue_reviews_for(cast.manager)) == []
    assert list(overdue_reviews_for(cast.outsider)) == []
