"""The trust-issue library: default content, per-practice copies, library pages, building a plan from it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from plans.library_data import CAUSES, INTERVENTIONS, SIGNS, default_items
from plans.models import Goal, Intervention, LibraryItem, Objective, Problem
from plans.selectors.plans import signing_problems
from plans.services import plans as plan_services
from plans.services.from_library import plan_add_from_library
from plans.services.library import ensure_practice_library, library_item_create, library_item_update
from tests.factories import TEST_PASSWORD, PracticeFactory
from tests.plans.plan_factories import make_plan

pytestmark = pytest.mark.django_db


def lib(practice, slug) -> LibraryItem:
    return LibraryItem.objects.get(practice=practice, slug=slug)


def from_library_url(plan) -> str:
    return reverse("plans:plan-add-from-library", args=[plan.pk])


# --- default content ----------------------------------------------------------------------------------


def test_default_library_covers_the_required_causes_signs_and_interventions():
    titles = {item["title"] for item in default_items()}
    assert {
        "Past dishonesty or infidelity", "Childhood abandonment or inconsistent caregiving",
        "Ongoing misunderstandings", "Emotional distance or feeling taken for granted",
        "Betrayals never talked through",
        "Constant checking or reassurance seeking", "Avoiding vulnerability", "Reading neutral behaviour as threat",
        "Tension over time apart and boundaries", "Difficulty believing apologies or commitments",
        "Cognitive restructuring of automatic negative thoughts", "Thought records", "Behavioural experiments",
        "Reducing reassurance seeking and checking", "Communication skills: listening without interrupting",
        "Agreeing boundaries", "Shared trust-building activities", "Small, consistent follow-through",
        "Forgiveness work", "Attachment-injury repair",
    } <= titles
    assert all(c["behavioural_definition"] and c["goal_text"] for c in CAUSES)
    assert all(s["objective_text"] and s["metric"] and s["unit"] and s["direction"] in ("decrease", "increase")
               for s in SIGNS)
    assert all(i["approach"] and i["frequency"] for i in INTERVENTIONS)
    checking = next(s for s in SIGNS if s["slug"] == "sign-checking-reassurance")
    assert (checking["unit"], checking["direction"]) == ("per week", "decrease")
    assert len({item["slug"] for item in default_items()}) == len(default_items())
    for item in default_items():
        LibraryItem(practice_id=None, **item).clean_fields(exclude=["practice"])  # fits the model's limits


def test_ensure_practice_library_is_idempotent_and_keeps_edits(cast):
    assert ensure_practice_library(cast.practice) == len(default_items())
    assert ensure_practice_library(cast.practice) == 0
    item = lib(cast.practice, "cause-past-dishonesty")
    library_item_update(item=item, by=cast.therapist, title="Infidelity (our wording)")
    LibraryItem.objects.filter(practice=cast.practice, slug="intervention-thought-records").delete()
    assert ensure_practice_library(cast.practice) == 1
    assert lib(cast.practice, "cause-past-dishonesty").title == "Infidelity (our wording)"
    assert LibraryItem.objects.filter(practice=cast.practice).count() == len(default_items())
    assert not LibraryItem.objects.filter(practice=cast.other_practice).exists()
    assert AuditEvent.objects.filter(action="library.seed").count() == 2


def test_each_practice_edits_its_own_copy(cast):
    ensure_practice_library(cast.practice)
    ensure_practice_library(cast.other_practice)
    library_item_update(item=lib(cast.practice, "sign-avoiding-vulnerability"), by=cast.therapist, unit="per day")
    assert lib(cast.other_practice, "sign-avoiding-vulnerability").unit == "per week"


def test_library_item_needs_the_fields_of_its_kind(cast):
    with pytest.raises(ValidationError) as error:
        library_item_create(practice=cast.practice, by=cast.therapist, kind="sign", title="Sulking")
    assert set(error.value.message_dict) == {"objective_text", "metric", "unit", "direction"}


# --- library pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [
    ("therapist", 200), ("co_therapist", 200), ("stranger", 200), ("supervisor", 200), ("outsider", 200),
    ("manager", 403), ("admin", 403),
])
def test_library_list_by_role(cast, login, role, status):
    response = login(getattr(cast, role)).get(reverse("plans:library-list"))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "Past dishonesty or infidelity" in html and "Forgiveness work" in html
        assert html.index("Causes") < html.index("Signs") < html.index("Interventions")


def test_library_is_created_on_first_visit_for_the_users_practice_only(cast, login):
    login(cast.outsider).get(reverse("plans:library-list"))
    assert LibraryItem.objects.filter(practice=cast.other_practice).count() == len(default_items())
    assert not LibraryItem.objects.filter(practice=cast.practice).exists()


def test_clinician_can_add_and_edit_a_library_item(cast, login):
    client = login(cast.stranger)
    response = client.post(reverse("plans:library-item-create"), {
        "kind": "intervention", "title": "Gratitude journal", "description": "Note one thing each day.",
        "approach": "other", "frequency": "Daily", "active": "on",
    })
    assert response.status_code == 302
    item = LibraryItem.objects.get(practice=cast.practice, title="Gratitude journal")
    assert item.slug.startswith("custom-gratitude-journal-")
    url = reverse("plans:library-item-edit", args=[item.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "Gratitude journal", "description": "Two things a day.",
                                 "approach": "other", "frequency": "Daily"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.description, item.active, item.kind) == ("Two things a day.", False, "intervention")
    assert AuditEvent.objects.filter(action="library_item.update", object_id=str(item.pk)).exists()


def test_library_form_explains_what_to_fix(cast, login):
    response = login(cast.therapist).post(reverse("plans:library-item-create"), {"kind": "cause", "title": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Title: Enter a title." in html


def test_library_item_of_another_practice_is_not_found(cast, login):
    ensure_practice_library(cast.other_practice)
    item = lib(cast.other_practice, "cause-past-dishonesty")
    assert login(cast.therapist).get(reverse("plans:library-item-edit", args=[item.pk])).status_code == 404
    assert login(cast.manager).get(reverse("plans:library-item-edit", args=[item.pk])).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_library_list_query_count_does_not_grow(cast, login, django_assert_max_num_queries):
    client = login(cast.therapist)
    client.get(reverse("plans:library-list"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("plans:library-list"))
    for n in range(15):
        library_item_create(practice=cast.practice, by=cast.therapist, kind="cause", title=f"Cause {n}",
                            behavioural_definition="Def", goal_text="Goal")
    with django_assert_max_num_queries(len(queries)):
        html = client.get(reverse("plans:library-list")).content.decode()
    assert "Cause 14" in html


# --- building a plan from the library -----------------------------------------------------------------


@pytest.fixture
def empty_draft(cast):
    return make_plan(cast.couple, by=cast.therapist, problems=0)


def test_from_library_page_groups_items_with_checkboxes(cast, login, empty_draft):
    html = login(cast.therapist).get(from_library_url(empty_draft)).content.decode()
    assert html.count('type="checkbox" name="causes"') == len(CAUSES)
    assert html.count('type="checkbox" name="signs"') == len(SIGNS)
    assert html.count('type="checkbox" name="interventions"') == len(INTERVENTIONS)
    assert "Give this couple's numbers beside each sign you tick" in html
    assert '<label for="id_partner">' in html and '<label for="id_goal">' in html


def test_therapist_can_build_a_plan_from_the_library_in_one_submission(cast, login, empty_draft):
    ensure_practice_library(cast.practice)
    client = login(cast.therapist)
    causes = [lib(cast.practice, s).pk for s in ("cause-past-dishonesty", "cause-emotional-distance")]
    signs = [lib(cast.practice, s).pk for s in ("sign-checking-reassurance", "sign-doubting-commitments")]
    interventions = [lib(cast.practice, s).pk for s in ("intervention-thought-records",
                                                        "intervention-reducing-checking")]
    response = client.post(from_library_url(empty_draft), {
        "causes": causes, "signs": signs, "interventions": interventions, "partner": "a", "goal": "",
    }, follow=True)
    html = response.content.decode()
    assert "Added 2 problems, 2 goals, 2 objectives, 2 interventions from the library." in html
    assert "enter them before signing" in html
    problems = list(Problem.objects.filter(plan=empty_draft).order_by("position"))
    assert [p.title for p in problems] == ["Past dishonesty or infidelity", "Emotional distance or feeling taken "
                                                                            "for granted"]
    assert all(p.applies_to == "a" for p in problems)
    first_goal = problems[0].goals.get()
    assert first_goal.text.startswith("Both partners rebuild a level of trust")
    objectives = list(first_goal.objectives.order_by("position"))
    assert [(o.metric, o.unit, o.direction, o.who, o.baseline, o.target) for o in objectives] == [
        ("Checking or reassurance-seeking episodes", "per week", "decrease", "a", None, None),
        ("Confidence that agreed commitments will be kept", "0-10 rating", "increase", "a", None, None),
    ]
    assert [i.approach for i in first_goal.interventions.order_by("position")] == ["cbt", "cbt"]
    assert "Needs a baseline and a target before the plan can be signed" in html
    assert signing_problems(empty_draft) == [
        "Objective 1.1.1 needs a baseline and a target.", "Objective 1.1.2 needs a baseline and a target."]


def test_signs_alone_start_a_problem_and_goal(cast, empty_draft):
    ensure_practice_library(cast.practice)
    sign = lib(cast.practice, "sign-neutral-as-threat")
    added = plan_add_from_library(plan=empty_draft, by=cast.therapist, items=[sign], partner="b")
    assert (added.problems, added.goals, added.objectives) == (1, 1, 1)
    problem = Problem.objects.get(plan=empty_draft)
    assert (problem.title, problem.applies_to) == ("Reading neutral behaviour as threat", "b")
    assert problem.goals.get().objectives.get().metric == "Neutral events acted on as a threat"


def test_items_go_under_a_chosen_goal(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist, problems=2, objectives=1, interventions=0)
    second_goal = Goal.objects.filter(problem__plan=plan).order_by("problem__position").last()
    ensure_practice_library(cast.practice)
    response = login(cast.therapist).post(from_library_url(plan), {
        "signs": [lib(cast.practice, "sign-time-apart-tension").pk],
        "interventions": [lib(cast.practice, "intervention-agreeing-boundaries").pk],
        "partner": "both", "goal": str(second_goal.pk),
    })
    assert response.status_code == 302
    assert second_goal.objectives.count() == 2
    assert second_goal.interventions.get().description.startswith("Agreeing boundaries: ")
    assert Problem.objects.filter(plan=plan).count() == 2


def test_interventions_alone_need_a_goal(cast, login, empty_draft):
    ensure_practice_library(cast.practice)
    response = login(cast.therapist).post(from_library_url(empty_draft), {
        "interventions": [lib(cast.practice, "intervention-forgiveness-work").pk], "partner": "both", "goal": "",
    })
    assert response.status_code == 400
    assert "Choose the goal these interventions belong to." in response.content.decode()
    assert not Intervention.objects.filter(goal__problem__plan=empty_draft).exists()


def test_nothing_ticked_or_foreign_items_are_refused(cast, login, empty_draft):
    ensure_practice_library(cast.other_practice)
    client = login(cast.therapist)
    response = client.post(from_library_url(empty_draft), {"partner": "both", "goal": ""})
    assert response.status_code == 400
    assert "Tick at least one cause, sign or intervention to add." in response.content.decode()
    foreign = lib(cast.other_practice, "cause-past-dishonesty")
    response = client.post(from_library_url(empty_draft), {"causes": [foreign.pk], "partner": "both", "goal": ""})
    assert response.status_code == 400
    assert "Choose items of your practice&#x27;s library." in response.content.decode()
    assert not Problem.objects.filter(plan=empty_draft).exists()


def test_inactive_library_items_are_not_offered(cast, login, empty_draft):
    ensure_practice_library(cast.practice)
    item = lib(cast.practice, "cause-ongoing-misunderstandings")
    library_item_update(item=item, by=cast.therapist, active=False)
    html = login(cast.therapist).get(from_library_url(empty_draft)).content.decode()
    assert str(item.pk) not in html


def test_editing_a_copy_never_changes_the_library_and_editing_the_library_never_changes_plans(cast, login,
                                                                                             empty_draft):
    ensure_practice_library(cast.practice)
    cause, sign = lib(cast.practice, "cause-past-dishonesty"), lib(cast.practice, "sign-checking-reassurance")
    before = {f: getattr(sign, f) for f in ("title", "objective_text", "metric", "unit", "direction")}
    client = login(cast.therapist)
    client.post(from_library_url(empty_draft), {"causes": [cause.pk], "signs": [sign.pk], "partner": "a",
                                                "goal": ""})
    problem = Problem.objects.get(plan=empty_draft)
    objective = Objective.objects.get(goal__problem=problem)
    client.post(reverse("plans:plan-item-edit", args=[empty_draft.pk, "problem", problem.pk]),
                {"applies_to": "b", "title": "Affair two years ago", "behavioural_definition": "Checks daily."})
    response = client.post(reverse("plans:plan-item-edit", args=[empty_draft.pk, "objective", objective.pk]), {
        "text": "Check the phone at most twice a week", "who": "a", "metric": "Phone checks", "unit": "per week",
        "direction": "decrease", "baseline": "14", "target": "2", "target_date": "", "status": "in_progress",
    })
    assert response.status_code == 302
    cause.refresh_from_db()
    sign.refresh_from_db()
    assert cause.title == "Past dishonesty or infidelity"
    assert cause.behavioural_definition.startswith("Since the dishonesty was discovered")
    assert {f: getattr(sign, f) for f in before} == before
    # and the other way round: the library changes, the plan keeps its copy
    library_item_update(item=sign, by=cast.therapist, metric="Something else", unit="per month")
    library_item_update(item=cause, by=cast.therapist, title="Renamed in the library")
    objective.refresh_from_db()
    problem.refresh_from_db()
    assert (objective.metric, objective.unit, problem.title) == ("Phone checks", "per week", "Affair two years ago")
    plan_services.plan_sign(plan=empty_draft, by=cast.therapist, secret=TEST_PASSWORD)


def test_library_of_a_new_practice_is_ready_for_a_first_plan(cast):
    practice = PracticeFactory(name="New practice")
    assert ensure_practice_library(practice) == len(default_items())


# --- issue 11: the seed in full, with sources; existing libraries updated by slug ----------------------------

NEW_SLUGS = (
    "cause-low-self-esteem", "cause-anxiety", "sign-jealousy", "sign-controlling-behaviour",
    "intervention-practising-vulnerability", "intervention-reassurance-cycle", "intervention-checking-exposure",
    "intervention-gottman-trust",
)


def test_library_covers_the_whole_seed_and_every_item_names_its_sources():
    items = {item["slug"]: item for item in default_items()}
    assert set(NEW_SLUGS) <= set(items)
    assert all(item["source"].strip() for item in items.values())
    for slug in ("sign-jealousy", "sign-controlling-behaviour"):
        assert items[slug]["objective_text"] and items[slug]["unit"] == "per week"
        assert items[slug]["direction"] == "decrease"
    assert "coercive control" in items["sign-controlling-behaviour"]["description"]
    assert "Stark" in items["sign-controlling-behaviour"]["source"]
    assert items["intervention-forgiveness-work"]["approach"] == "forgiveness"
    assert "Gordon" in items["intervention-forgiveness-work"]["source"]
    assert items["intervention-reassurance-cycle"]["approach"] == "psychoeducation"
    assert "Salkovskis" in items["intervention-reassurance-cycle"]["source"]
    assert "Rachman" in items["intervention-reassurance-cycle"]["source"]
    assert "Exposure and Response" in items["intervention-checking-exposure"]["source"]
    assert items["intervention-gottman-trust"]["approach"] == "gottman"
    assert "Science of Trust" in items["intervention-gottman-trust"]["source"]


def test_library_page_shows_sources_and_the_forgiveness_approach(cast, login):
    page = login(cast.therapist).get(reverse("plans:library-list")).content.decode()
    assert "Gottman, J. M. (2011). The Science of Trust" in page
    assert "Forgiveness-based affair recovery (Gordon, Baucom &amp; Snyder)" in page


def test_migration_brings_an_existing_library_up_to_date_by_slug_without_overwriting_edits(cast):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("plans.migrations.0006_library_sources")
    ensure_practice_library(cast.practice)
    # The state before issue 11: no new items, no sources, forgiveness labelled as EFT.
    LibraryItem.objects.filter(practice=cast.practice, slug__in=NEW_SLUGS).delete()
    LibraryItem.objects.filter(practice=cast.practice).update(source="")
    LibraryItem.objects.filter(practice=cast.practice, slug="intervention-forgiveness-work").update(
        approach="eft", description=migration.OLD_FORGIVENESS_DESCRIPTION)
    edited = lib(cast.practice, "cause-past-dishonesty")
    edited.title, edited.source = "Our wording", "Our own reading list"
    edited.save()

    migration.update_libraries(apps, None)
    migration.update_libraries(apps, None)  # idempotent

    assert LibraryItem.objects.filter(practice=cast.practice).count() == len(default_items())
    forgiveness = lib(cast.practice, "intervention-forgiveness-work")
    assert forgiveness.approach == "forgiveness" and "Three stages" in forgiveness.description
    assert lib(cast.practice, "intervention-gottman-trust").source.startswith("Gottman")
    assert lib(cast.practice, "cause-past-dishonesty").title == "Our wording"
    assert lib(cast.practice, "cause-past-dishonesty").source == "Our own reading list"
    assert lib(cast.practice, "sign-checking-reassurance").source.startswith("Salkovskis")
    assert not LibraryItem.objects.filter(practice=cast.other_practice).exists()


def test_library_item_source_can_be_edited(cast):
    ensure_practice_library(cast.practice)
    item = lib(cast.practice, "intervention-thought-records")
    library_item_update(item=item, by=cast.therapist, source="Beck, J. S. (2020). Cognitive Behavior Therapy.")
    assert lib(cast.practice, "intervention-thought-records").source.startswith("Beck, J. S.")
