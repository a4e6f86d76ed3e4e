"""Reads of treatment plans and the practice library.

Every function takes a couple or plan the caller fetched through clinic.access (or starts from
Couple.objects.visible_to), and owns its prefetching, so the plan tab costs the same number of queries
whatever the size of the plan and however many versions the couple has had.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, OuterRef, Prefetch, QuerySet, Subquery, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from clinic.models import Couple, CoupleStatus, Practice
from plans.models import (
    Goal,
    LibraryItem,
    LibraryKind,
    MeasureSchedule,
    Objective,
    PlanStatus,
    Problem,
    ProgressPoint,
    TreatmentPlan,
)
from plans.structure import ITEM_KINDS, objective_errors

# Columns of a plan that a list of versions needs: the formulation (clinical text) is not even read.
VERSION_FIELDS = (
    "id", "couple_id", "number", "status", "review_due", "created_at", "created_by", "signed_by", "signed_at",
    "superseded_at", "partner_a_ack_on", "partner_a_ack_method", "partner_b_ack_on", "partner_b_ack_method",
    "version", "supersedes",
)


def _latest_progress(field_name: str) -> Subquery:
    newest = (
        ProgressPoint.objects.filter(couple_id=OuterRef("couple_id"), objective_lineage=OuterRef("lineage"))
        .order_by("-recorded_on", "-recorded_at")
        .values(field_name)[:1]
    )
    return Subquery(newest)


def objectives_with_latest() -> QuerySet[Objective]:
    """Objectives annotated with `latest_value` and `latest_on`: the newest progress point of their
    lineage (so values recorded under an earlier version of the plan count), in the same query."""
    return Objective.objects.annotate(
        latest_value=_latest_progress("value"), latest_on=_latest_progress("recorded_on")
    )


def _structure_prefetch() -> Prefetch:
    goals = Goal.objects.prefetch_related(
        Prefetch("objectives", queryset=objectives_with_latest()),
        "interventions",
    )
    return Prefetch("problems", queryset=Problem.objects.prefetch_related(Prefetch("goals", queryset=goals)))


def with_structure(plans: list[TreatmentPlan]) -> list[TreatmentPlan]:
    """Load problems -> goals -> objectives (with their latest value) and interventions, and the measure
    schedule, of all `plans` at once: five queries however many plans and items."""
    prefetch_related_objects(
        plans, _structure_prefetch(), Prefetch("schedules", queryset=MeasureSchedule.objects.order_by("instrument"))
    )
    return plans


@dataclass
class PlanTab:
    couple: Couple
    active: TreatmentPlan | None
    draft: TreatmentPlan | None
    versions: list[TreatmentPlan] = field(default_factory=list)
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def review_overdue(self) -> bool:
        return bool(self.active and self.active.review_due and self.active.review_due < self.today)

    @property
    def empty(self) -> bool:
        return not self.versions


def plan_tab(couple: Couple) -> PlanTab:
    """The couple's plan tab: every version (newest first, without their text), and the active plan and
    the draft with their whole structure. A fixed number of queries."""
    versions = list(
        TreatmentPlan.objects.filter(couple=couple).only(*VERSION_FIELDS)
        .select_related("created_by", "signed_by").order_by("-number")
    )
    current = list(
        TreatmentPlan.objects.filter(couple=couple, status__in=[PlanStatus.ACTIVE, PlanStatus.DRAFT])
        .select_related("created_by", "signed_by")
    )
    with_structure(current)
    for plan in [*current, *versions]:
        plan.couple = couple
    active = next((p for p in current if p.status == PlanStatus.ACTIVE), None)
    draft = next((p for p in current if p.status == PlanStatus.DRAFT), None)
    return PlanTab(couple=couple, active=active, draft=draft, versions=versions)


def plan_versions(couple: Couple) -> QuerySet[TreatmentPlan]:
    """Every version of the couple's plan, newest first, with its signer and without its text."""
    return (TreatmentPlan.objects.filter(couple=couple).only(*VERSION_FIELDS)
            .select_related("signed_by").order_by("-number"))


def plan_with_structure(plan: TreatmentPlan) -> TreatmentPlan:
    """One plan version with its whole structure (see with_structure) and its signer."""
    with_structure([plan])
    prefetch_related_objects([plan], "signed_by", "created_by")
    return plan


def plan_queryset() -> QuerySet[TreatmentPlan]:
    """Base queryset for fetching one plan through clinic.access.get_couple_record_for_user."""
    return TreatmentPlan.objects.select_related("couple", "couple__practice", "signed_by", "created_by")


def plan_item(plan: TreatmentPlan, kind: str, pk: Any) -> Model:
    """The problem, goal, objective or intervention `pk` of `plan`; 404 for an unknown kind or an item of
    another plan (the plan itself was fetched through clinic.access)."""
    spec = ITEM_KINDS.get(kind)
    if spec is None:
        raise Http404("No such kind of plan item.")
    item = spec.model.objects.filter(pk=pk, **{spec.plan_lookup: plan.pk}).first()
    if item is None:
        raise Http404("No such item in this plan.")
    return item


def goals_of(plan: TreatmentPlan) -> list[Goal]:
    """The plan's goals in plan order, each with its problem (for choosing where objectives go)."""
    return list(
        Goal.objects.filter(problem__plan=plan).select_related("problem").order_by("problem__position", "position")
    )


def numbered_goal_choices(plan: TreatmentPlan) -> list[tuple[str, str]]:
    """(goal id, "Problem 1 · Goal 2: text") pairs in plan order."""
    choices = []
    numbers: dict[Any, int] = {}
    problem_numbers: dict[Any, int] = {}
    for goal in goals_of(plan):
        problem_numbers.setdefault(goal.problem_id, len(problem_numbers) + 1)
        numbers[goal.problem_id] = numbers.get(goal.problem_id, 0) + 1
        text = goal.text if len(goal.text) <= 80 else goal.text[:77] + "..."
        choices.append((str(goal.pk), f"Problem {problem_numbers[goal.problem_id]} \u00b7 "
                                      f"Goal {numbers[goal.problem_id]}: {text}"))
    return choices


def signing_problems(plan: TreatmentPlan) -> list[str]:
    """What stops this draft from being signed, in words a therapist can act on (no clinical text:
    items are named by their place in the plan). Empty when it can be signed."""
    problems = list(
        Problem.objects.filter(plan=plan).prefetch_related(
            Prefetch("goals", queryset=Goal.objects.prefetch_related("objectives"))
        )
    )
    issues = []
    complete_chain = False
    for p_index, problem in enumerate(problems, start=1):
        for g_index, goal in enumerate(problem.goals.all(), start=1):
            objectives = list(goal.objectives.all())
            complete_chain = complete_chain or bool(objectives)
            for o_index, objective in enumerate(objectives, start=1):
                place = f"Objective {p_index}.{g_index}.{o_index}"
                if not objective.has_baseline or objective.target is None:
                    issues.append(f"{place} needs a baseline and a target.")
                elif objective_errors(baseline=objective.baseline, target=objective.target,
                                      direction=objective.direction, target_date=None, today=None,
                                      partner_baselines={"a": objective.baseline_a, "b": objective.baseline_b}
                                      if objective.per_partner else None):
                    issues.append(f"{place} has a target that is not in the direction of improvement.")
    if not complete_chain:
        issues.insert(0, "The plan needs at least one problem with a long-term goal and a measurable objective.")
    return issues


def overdue_reviews_for(user: Any, *, today: datetime.date | None = None) -> QuerySet[TreatmentPlan]:
    """Active plans of couples `user` can see whose review date has passed, the most overdue first.

    Discharged couples are left out. Each row carries its couple (reference and status only); no
    clinical text is read.
    """
    today = today or timezone.localdate()
    couples = Couple.objects.visible_to(user).exclude(status=CoupleStatus.DISCHARGED)
    return (
        TreatmentPlan.objects.filter(status=PlanStatus.ACTIVE, review_due__lt=today, couple__in=couples)
        .select_related("couple", "signed_by")
        .only("id", "couple_id", "number", "status", "review_due", "signed_at", "signed_by",
              "couple__id", "couple__reference", "couple__status", "couple__practice_id")
        .order_by("review_due", "couple__reference")
    )


def days_overdue(plan: TreatmentPlan, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return (today - plan.review_due).days if plan.review_due else 0


# --- Library ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryGroup:
    kind: str
    label: str
    items: list[LibraryItem]


GROUP_LABELS = {
    LibraryKind.CAUSE: "Causes (each adds a problem and its long-term goal)",
    LibraryKind.SIGN: "Signs (each adds a measurable objective)",
    LibraryKind.INTERVENTION: "Interventions",
}


def library_items(practice: Practice, *, active_only: bool = False) -> QuerySet[LibraryItem]:
    items = LibraryItem.objects.filter(practice=practice).order_by("kind", "title")
    return items.filter(active=True) if active_only else items


def get_library_item(practice_id: Any, pk: Any) -> LibraryItem:
    """The item `pk` of the practice's library; 404 for another practice's item or none."""
    item = LibraryItem.objects.filter(practice_id=practice_id, pk=pk).first()
    if item is None:
        raise Http404("No such library item.")
    return item


def library_groups(practice: Practice, *, active_only: bool = False) -> list[LibraryGroup]:
    """The practice's library grouped by kind: causes, signs, interventions (one query)."""
    by_kind: dict[str, list[LibraryItem]] = {kind: [] for kind in GROUP_LABELS}
    for item in library_items(practice, active_only=active_only):
        by_kind[item.kind].append(item)
    return [LibraryGroup(kind, GROUP_LABELS[kind], by_kind[kind]) for kind in GROUP_LABELS]

