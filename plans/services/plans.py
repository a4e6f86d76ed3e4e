"""Writes to treatment plans: drafts, their items, signing, revisions and acknowledgements. What a plan is
made of and the objective rules: plans.structure; copying library items into a draft: plans.services.from_library.

A couple has at most one draft and one active plan (database constraints). Only a draft changes; an
active or superseded version is locked, and every function here that would change one refuses with
`PlanLocked` (a ValidationError). Each function is keyword-only, runs in one transaction that locks the
plan row (so an edit cannot slip in while the draft is being signed), validates with full_clean() and
writes its audit event in that same transaction. Callers have already checked access with
clinic.access.get_couple_record_for_user(..., write=True).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Model, Prefetch
from django.utils import timezone

from audit.services import record_event
from clinic.models import Couple, User
from clinic.reauth import confirm_identity
from plans import diagnoses as plan_diagnoses
from plans.models import (
    AcknowledgementMethod,
    Goal,
    Intervention,
    MeasureSchedule,
    Objective,
    PartnerPosition,
    PlanStatus,
    Problem,
    TreatmentPlan,
)
from plans.selectors.plans import signing_problems
from plans.services.progress import objective_feed_sync
from plans.structure import ITEM_KINDS, objective_errors
from rapport.versioning import StaleVersion

__all__ = ["PlanLocked", "StaleVersion"]


class PlanLocked(ValidationError):
    """The plan is signed (active) or superseded: it can be read, acknowledged or revised, never edited."""

    MESSAGE = ("This version of the plan is signed and can no longer be changed. "
               "Use \u201cRevise plan\u201d to start a new draft from it.")

    def __init__(self) -> None:
        super().__init__(self.MESSAGE, code="plan_locked")


# --- Locking a draft ------------------------------------------------------------------------------


def lock_plan(plan_id: Any, *, draft: bool = True) -> TreatmentPlan:
    """The plan row, locked for the rest of the transaction; a non-draft refuses with PlanLocked."""
    current = TreatmentPlan.objects.select_for_update().get(pk=plan_id)
    if draft and current.status != PlanStatus.DRAFT:
        raise PlanLocked()
    return current


def next_position(queryset: Any) -> int:
    top = queryset.aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


# --- Objectives: what makes the numbers valid (plans.structure.objective_errors) --------------------


def _check_objective(objective: Objective, *, check_target_date: bool) -> None:
    if not objective.per_partner:  # a baseline per partner only on a both-partners objective
        objective.baseline_a = objective.baseline_b = None
    errors = objective_errors(
        baseline=objective.baseline, target=objective.target, direction=objective.direction,
        target_date=objective.target_date, today=timezone.localdate() if check_target_date else None,
        partner_baselines={"a": objective.baseline_a, "b": objective.baseline_b},
    )
    if errors:
        raise ValidationError(errors)


# --- Drafts and revisions -------------------------------------------------------------------------


def plan_start(*, couple: Couple, by: User) -> TreatmentPlan:
    """Open a draft for `couple`: its first plan (empty), or, when it has an active plan (else one closed at
    discharge), a revision that copies that plan's whole structure (objectives keep their lineage, so progress
    carries over) and its measure schedule. Refused while the couple already has a draft."""
    with transaction.atomic():
        Couple.objects.select_for_update().filter(pk=couple.pk).values_list("pk", flat=True).first()
        existing = list(TreatmentPlan.objects.filter(couple=couple).only("id", "status", "number", "couple_id"))
        if any(plan.status == PlanStatus.DRAFT for plan in existing):
            raise ValidationError("This couple already has a draft plan. Finish and sign it, or edit it, "
                                  "before starting another.", code="draft_exists")
        active = next((plan for plan in existing if plan.status == PlanStatus.ACTIVE), None)
        if active is None:  # a couple back in care after a discharge starts from the plan closed then
            active = max((plan for plan in existing if plan.status == PlanStatus.CLOSED),
                         key=lambda plan: plan.number, default=None)
        draft = TreatmentPlan(
            couple=couple,
            number=max((plan.number for plan in existing), default=0) + 1,
            status=PlanStatus.DRAFT,
            created_by=by,
            supersedes=active,
        )
        if active is not None:
            draft.formulation = active.formulation
            draft.diagnoses = active.diagnoses
        draft.full_clean()
        draft.save()
        if active is not None:
            _copy_structure(source=active, target=draft)
        record_event("plan.create", actor=by, obj=draft, detail={
            "number": draft.number, "revision_of": str(active.pk) if active else None,
        })
    return draft


def _copy_structure(*, source: TreatmentPlan, target: TreatmentPlan) -> None:
    """Copy problems, goals, objectives (same lineage), interventions and the measure schedule."""
    problems = list(
        Problem.objects.filter(plan=source).prefetch_related(
            Prefetch("goals", queryset=Goal.objects.prefetch_related("objectives", "interventions"))
        )
    )
    new_problems, new_goals, new_objectives, new_interventions = [], [], [], []
    couple_id = target.couple_id
    for problem in problems:
        copy = Problem(plan=target, couple_id=couple_id, position=problem.position, applies_to=problem.applies_to,
                       title=problem.title, behavioural_definition=problem.behavioural_definition,
                       library_item_id=problem.library_item_id)
        new_problems.append(copy)
        for goal in problem.goals.all():
            goal_copy = Goal(problem=copy, couple_id=couple_id, position=goal.position, text=goal.text)
            new_goals.append(goal_copy)
            for objective in goal.objectives.all():
                new_objectives.append(Objective(
                    goal=goal_copy, couple_id=couple_id, lineage=objective.lineage, position=objective.position,
                    text=objective.text, who=objective.who, metric=objective.metric, unit=objective.unit,
                    baseline=objective.baseline, target=objective.target, direction=objective.direction,
                    baseline_a=objective.baseline_a, baseline_b=objective.baseline_b,
                    data_source=objective.data_source,
                    target_date=objective.target_date, status=objective.status,
                    library_item_id=objective.library_item_id,
                ))
            for intervention in goal.interventions.all():
                new_interventions.append(Intervention(
                    goal=goal_copy, couple_id=couple_id, position=intervention.position,
                    approach=intervention.approach, description=intervention.description,
                    frequency=intervention.frequency, delivered_by=intervention.delivered_by,
                    library_item_id=intervention.library_item_id,
                ))
    for model, rows in ((Problem, new_problems), (Goal, new_goals), (Objective, new_objectives),
                        (Intervention, new_interventions)):
        if rows:
            model.objects.bulk_create(rows)
    schedules = [MeasureSchedule(plan=target, instrument=s.instrument, every=s.every)
                 for s in MeasureSchedule.objects.filter(plan=source)]
    if schedules:
        MeasureSchedule.objects.bulk_create(schedules)


def plan_update(
    *,
    plan: TreatmentPlan,
    by: User,
    base_version: int,
    formulation: str | None = None,
    review_due: datetime.date | None | object = ...,
    diagnoses: dict | None = None,
) -> TreatmentPlan:
    """Change a draft's formulation, review due date or diagnoses (ICD-10-CM codes per partner and for the
    relationship, checked against plans.diagnoses; `diagnoses` replaces all three lists). `base_version`
    is the version the caller read: if someone saved in between, nothing changes and StaleVersion says the
    current version. Arguments left out keep their value (`review_due=None` clears the date). Locked plans:
    PlanLocked."""
    with transaction.atomic():
        current = lock_plan(plan.pk)
        if current.version != base_version:
            raise StaleVersion(current.version)
        changed = []
        if formulation is not None and formulation != plan.formulation:
            plan.formulation = formulation
            changed.append("formulation")
        if review_due is not ... and review_due != plan.review_due:
            if review_due is not None and review_due < timezone.localdate():
                raise ValidationError({"review_due": "The review date cannot be before today."})
            plan.review_due = review_due
            changed.append("review_due")
        if diagnoses is not None:
            cleaned = plan_diagnoses.clean(diagnoses)
            if cleaned != (plan.diagnoses or plan_diagnoses.empty()):
                plan.diagnoses = cleaned
                changed.append("diagnoses")
        if not changed:
            return plan
        plan.version = current.version + 1
        plan.full_clean()
        plan.save()
        record_event("plan.update", actor=by, obj=plan, detail={"fields": changed, "version": plan.version})
    return plan


# --- Items of a draft ------------------------------------------------------------------------------


def plan_item_add(*, plan: TreatmentPlan, kind: str, by: User, parent: Model | None = None,
                  **fields: Any) -> Model:
    """Add a problem (to the plan), a goal (to `parent`, a problem) or an objective or intervention (to
    `parent`, a goal) of this draft. The parent must belong to the plan (the caller fetched it with
    plans.selectors.plans.plan_item). An objective's target date may not be before today."""
    spec = ITEM_KINDS[kind]
    values = {name: value for name, value in fields.items() if name in spec.fields}
    with transaction.atomic():
        lock_plan(plan.pk)
        if spec.parent_kind is None:
            parent = plan
        elif parent is None or not isinstance(parent, ITEM_KINDS[spec.parent_kind].model):
            raise ValidationError({"parent": f"Choose the {ITEM_KINDS[spec.parent_kind].label} to add this to."})
        siblings = spec.model.objects.filter(**{spec.parent_field: parent})
        item = spec.model(couple_id=plan.couple_id, position=next_position(siblings), **values)
        setattr(item, spec.parent_field, parent)
        if kind == "objective":
            _check_objective(item, check_target_date=True)
        item.full_clean()
        item.save()
        record_event(f"plan.{kind}_add", actor=by, obj=item, couple_id=plan.couple_id, detail={"plan": str(plan.pk)})
    return item


def plan_item_update(*, plan: TreatmentPlan, item: Model, by: User, **fields: Any) -> Model:
    """Change an item of this draft (it must belong to `plan`). Records which fields changed, never their
    text. An objective's target date, when changed, may not be before today."""
    kind = _kind_of(item)
    spec = ITEM_KINDS[kind]
    with transaction.atomic():
        lock_plan(plan.pk)
        changed = [name for name, value in fields.items() if name in spec.fields and getattr(item, name) != value]
        if not changed:
            return item
        for name in changed:
            setattr(item, name, fields[name])
        if kind == "objective":
            _check_objective(item, check_target_date="target_date" in changed)
        item.full_clean()
        item.save()
        record_event(f"plan.{kind}_update", actor=by, obj=item, couple_id=plan.couple_id,
                     detail={"plan": str(plan.pk), "fields": sorted(changed)})
        if kind == "objective" and {"data_source", "who"} & set(changed):
            objective_feed_sync(couple=plan.couple, objective_lineage=item.lineage, by=by)
    return item


def plan_item_delete(*, plan: TreatmentPlan, item: Model, by: User) -> None:
    """Delete an item of this draft with everything under it (a problem takes its goals, their objectives
    and interventions). Progress recorded against an objective's lineage stays."""
    kind = _kind_of(item)
    with transaction.atomic():
        lock_plan(plan.pk)
        item_id = item.pk
        item.delete()
        record_event(f"plan.{kind}_delete", actor=by, object_type=item._meta.label_lower, object_id=item_id,
                     couple_id=plan.couple_id, detail={"plan": str(plan.pk)})


def _kind_of(item: Model) -> str:
    for name, spec in ITEM_KINDS.items():
        if isinstance(item, spec.model):
            return name
    raise ValueError(f"{type(item).__name__} is not part of a plan")


# --- Signing, acknowledging -----------------------------------------------------------------------


def plan_sign(*, plan: TreatmentPlan, by: User, secret: str) -> TreatmentPlan:
    """Sign a draft: it becomes the couple's active plan and the plan it revises is superseded.

    `by` must be a therapist on the couple's care team (primary or co-therapist) and confirm their
    identity again (password or a current authenticator/backup code); the attempt is audited either way.
    The review date, if the draft has none, becomes today plus the practice's plan review interval.
    """
    if plan.status != PlanStatus.DRAFT:
        raise PlanLocked()
    if not Couple.objects.editable_by(by).filter(pk=plan.couple_id).exists():
        raise ValidationError("Only a therapist on this couple's care team can sign its plan.", code="not_on_team")
    issues = signing_problems(plan)
    if issues:
        raise ValidationError(issues, code="incomplete")
    # Outside the transaction, so that a failed attempt stays in the audit trail.
    if not confirm_identity(by, secret, purpose="plan_sign"):
        raise ValidationError({"secret": "That is not your password or a current code. Nothing was signed."})
    now = timezone.now()
    with transaction.atomic():
        lock_plan(plan.pk)
        Couple.objects.select_for_update().filter(pk=plan.couple_id).values_list("pk", flat=True).first()
        if signing_problems(plan):  # changed since the check above
            raise ValidationError(signing_problems(plan), code="incomplete")
        previous = (TreatmentPlan.objects.select_for_update()
                    .filter(couple_id=plan.couple_id, status=PlanStatus.ACTIVE).first())
        if previous is not None:
            previous.status = PlanStatus.SUPERSEDED
            previous.superseded_at = now
            previous.save(update_fields=["status", "superseded_at", "updated_at"])
            record_event("plan.supersede", actor=by, obj=previous, detail={"by_plan": str(plan.pk)})
        plan.status = PlanStatus.ACTIVE
        plan.signed_by = by
        plan.signed_at = now
        if plan.review_due is None:
            practice_days = plan.couple.practice.plan_review_days
            plan.review_due = timezone.localdate() + datetime.timedelta(days=practice_days)
        if previous is not None and plan.supersedes_id is None:
            plan.supersedes = previous
        plan.full_clean()
        plan.save()
        record_event("plan.sign", actor=by, obj=plan, detail={
            "number": plan.number, "supersedes": str(previous.pk) if previous else None,
        })
    return plan


def plan_acknowledge(
    *,
    plan: TreatmentPlan,
    by: User,
    partner: str,
    acknowledged_on: datetime.date,
    method: str,
) -> TreatmentPlan:
    """Record that one partner acknowledged the active plan: on which date and how. Only the active
    plan can be acknowledged; the date may not be in the future nor before the plan was signed."""
    errors = {}
    if partner not in PartnerPosition.values:
        errors["partner"] = "Choose partner A or partner B."
    if method not in AcknowledgementMethod.values or method == AcknowledgementMethod.NOT_YET:
        errors["method"] = "Choose how the partner acknowledged the plan."
    if acknowledged_on is None:
        errors["acknowledged_on"] = "Enter the date the partner acknowledged the plan."
    elif acknowledged_on > timezone.localdate():
        errors["acknowledged_on"] = "The acknowledgement date cannot be in the future."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = lock_plan(plan.pk, draft=False)
        if current.status != PlanStatus.ACTIVE:
            raise ValidationError("Only the active plan can be acknowledged. A draft must be signed first; an "
                                  "older version has been replaced.", code="not_active")
        if current.signed_at and acknowledged_on < timezone.localtime(current.signed_at).date():
            raise ValidationError({"acknowledged_on": "The acknowledgement date cannot be before the plan was "
                                                      "signed."})
        setattr(plan, f"partner_{partner}_ack_on", acknowledged_on)
        setattr(plan, f"partner_{partner}_ack_method", method)
        plan.save(update_fields=[f"partner_{partner}_ack_on", f"partner_{partner}_ack_method", "updated_at"])
        record_event("plan.acknowledge", actor=by, obj=plan, detail={"partner": partner, "method": method})
    return plan


# --- Discharge ------------------------------------------------------------------------------------


def plan_close_at_discharge(*, couple: Couple, by: User, at: datetime.datetime) -> TreatmentPlan | None:
    """Close the couple's active plan because the couple is being discharged: it stays readable, stops being
    in force at `at` (no review falls due, no measure is scheduled from it) and can never be edited. Run by
    clinic.services.discharge inside the discharge transaction (registered in PlansConfig.ready). A draft is
    left as it is. Returns the closed plan, or None when there was no active plan."""
    plan = TreatmentPlan.objects.select_for_update().filter(couple_id=couple.pk, status=PlanStatus.ACTIVE).first()
    if plan is None:
        return None
    plan.status = PlanStatus.CLOSED
    plan.superseded_at = max(at, plan.signed_at) if plan.signed_at else at
    plan.save(update_fields=["status", "superseded_at", "updated_at"])
    record_event("plan.close", actor=by, obj=plan, detail={"number": plan.number, "because": "discharge"})
    return plan
