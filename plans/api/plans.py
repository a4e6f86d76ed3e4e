"""/api/v1/ for treatment plans and the practice's trust-issue library.

The same rules as the HTML pages: clinicians who can see the couple read its plans, its therapists
(primary or co-therapist) change the draft, sign and record acknowledgements; practice managers and
administrators are refused (403). A signed (active or superseded) version is never changed: any attempt
answers 409 `plan_locked`. A draft's formulation and review date carry `version` (stale: 409 `conflict`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.services import record_event
from clinic.access import get_couple_for_user, get_couple_record_for_user
from clinic.api.couples import COUPLE_PK
from plans.api.plans_serializers import (
    GoalCreateInput,
    GoalInput,
    GoalOutput,
    InterventionCreateInput,
    InterventionInput,
    InterventionOutput,
    LibraryItemCreateInput,
    LibraryItemInput,
    LibraryItemOutput,
    ObjectiveCreateInput,
    ObjectiveInput,
    ObjectiveOutput,
    PlanAcknowledgeInput,
    PlanDetailOutput,
    PlanSignInput,
    PlanSummaryOutput,
    PlanUpdateInput,
    ProblemInput,
    ProblemOutput,
)
from plans.models import LibraryItem, PlanStatus, TreatmentPlan
from plans.selectors import plans as selectors
from plans.services import library as library_services
from plans.services import plans as services
from plans.structure import ITEM_KINDS
from rapport.api import UUID_PATTERN, ErrorOutput, RolePermissionsMixin, error_responses, validated

PLAN_PK = OpenApiParameter("plan_pk", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The plan's id.")
LOCKED_RESPONSE = OpenApiResponse(
    ErrorOutput,
    description="`plan_locked`: the plan is signed (active or superseded) and cannot change; revise it. "
                "`conflict` (formulation and review date only): the draft changed since you read it; "
                "`error.current_version` is the version now.",
)


class PlanLockedError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = services.PlanLocked.MESSAGE
    default_code = "plan_locked"


@contextlib.contextmanager
def _refuse_locked() -> Iterator[None]:
    """A service's PlanLocked (a ValidationError) becomes a 409 `plan_locked`, not a 400."""
    try:
        yield
    except services.PlanLocked:
        raise PlanLockedError() from None


def _plan(user: Any, pk: Any, *, write: bool = False, draft: bool = False) -> TreatmentPlan:
    """The plan `pk` through clinic.access (404 for strangers); draft=True: 409 unless it is a draft."""
    plan = get_couple_record_for_user(user, TreatmentPlan, pk, write=write, queryset=selectors.plan_queryset())
    if draft and plan.status != PlanStatus.DRAFT:
        raise PlanLockedError()
    return plan


def _detail(plan: TreatmentPlan) -> dict:
    return PlanDetailOutput(selectors.plan_with_structure(plan)).data


# --- Plans --------------------------------------------------------------------------------------------
@extend_schema(tags=["plans"], parameters=[COUPLE_PK])
class CouplePlanViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """Every version of a couple's treatment plan; starting a draft or a revision."""

    queryset = TreatmentPlan.objects.none()

    @extend_schema(summary="List a couple's plan versions, newest first",
                   responses={200: PlanSummaryOutput(many=True), **error_responses(401, 403, 404)})
    def list(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk)
        page = self.paginate_queryset(selectors.plan_versions(couple))
        return self.get_paginated_response(PlanSummaryOutput(page, many=True).data)

    @extend_schema(
        summary="Start a draft",
        description="The couple's first plan (empty), or, when it has an active plan, a revision copying its "
                    "whole structure (objectives keep their lineage) and measure schedule. Refused (400) while "
                    "a draft exists.",
        request=None,
        responses={201: PlanDetailOutput, **error_responses(400, 401, 403, 404)},
    )
    def create(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk, write=True)
        draft = services.plan_start(couple=couple, by=request.user)
        return Response(_detail(_plan(request.user, draft.pk)), status=status.HTTP_201_CREATED)


@extend_schema(tags=["plans"])
class PlanViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """One version of a plan: read it, change a draft, sign it, record acknowledgements."""

    queryset = TreatmentPlan.objects.none()
    lookup_value_regex = UUID_PATTERN

    @extend_schema(summary="Open a plan version with its whole structure",
                   description="Problems, their goals, each goal's objectives (with the newest progress value "
                               "of their lineage) and interventions, and the measure schedule. Audited.",
                   responses={200: PlanDetailOutput, **error_responses(401, 403, 404)})
    def retrieve(self, request, pk=None):
        plan = _plan(request.user, pk)
        record_event("plan.view", actor=request.user, obj=plan, detail={"view": "api"})
        return Response(_detail(plan))

    @extend_schema(
        summary="Change a draft's formulation, review date or diagnoses",
        description="Send the `version` you last read. If someone saved in between, nothing changes and the "
                    "answer is 409 `conflict` with the current version. Signed versions: 409 `plan_locked`.",
        request=PlanUpdateInput,
        responses={200: PlanDetailOutput, 409: LOCKED_RESPONSE, **error_responses(400, 401, 403, 404)},
    )
    def partial_update(self, request, pk=None):
        plan = _plan(request.user, pk, write=True, draft=True)
        data = validated(PlanUpdateInput, request.data)
        changes = {name: data[name] for name in ("formulation", "review_due", "diagnoses") if name in data}
        with _refuse_locked():
            services.plan_update(plan=plan, by=request.user, base_version=data["version"], **changes)
        return Response(_detail(plan))

    @extend_schema(
        summary="Sign a draft",
        description="Confirm your identity with your password or a current code. The draft becomes the active "
                    "plan and the plan it revises is superseded. Refused (400) while the draft is incomplete: "
                    "at least one problem with a goal and an objective, every objective with a baseline and a "
                    "target in the direction of improvement.",
        request=PlanSignInput,
        responses={200: PlanDetailOutput, 409: LOCKED_RESPONSE, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        plan = _plan(request.user, pk, write=True, draft=True)
        data = validated(PlanSignInput, request.data)
        with _refuse_locked():
            services.plan_sign(plan=plan, by=request.user, secret=data["secret"])
        return Response(_detail(plan))

    @extend_schema(
        summary="Record a partner's acknowledgement of the active plan",
        request=PlanAcknowledgeInput,
        responses={200: PlanSummaryOutput, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        plan = _plan(request.user, pk, write=True)
        data = validated(PlanAcknowledgeInput, request.data)
        plan = services.plan_acknowledge(plan=plan, by=request.user, **data)
        return Response(PlanSummaryOutput(plan).data)


# --- Items of a draft ----------------------------------------------------------------------------------
class PlanItemViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """Base of the four item endpoints: create under a parent, change, delete; drafts only."""

    lookup_value_regex = UUID_PATTERN
    kind = ""
    parent_field = ""  # the body field naming the parent (a problem or goal of the draft)
    create_input: type = GoalInput
    update_input: type = GoalInput
    output: type = GoalOutput

    def _create(self, request, plan_pk):
        plan = _plan(request.user, plan_pk, write=True, draft=True)
        data = validated(self.create_input, request.data)
        parent = None
        if self.parent_field:
            parent_kind = ITEM_KINDS[self.kind].parent_kind
            try:
                parent = selectors.plan_item(plan, parent_kind, data.pop(self.parent_field))
            except Http404:
                raise exceptions.ValidationError(
                    {self.parent_field: [f"Choose a {parent_kind} of this draft."]}) from None
        with _refuse_locked():
            item = services.plan_item_add(plan=plan, kind=self.kind, by=request.user, parent=parent, **data)
        return Response(self.output(item).data, status=status.HTTP_201_CREATED)

    def _update(self, request, plan_pk, pk):
        plan = _plan(request.user, plan_pk, write=True, draft=True)
        item = selectors.plan_item(plan, self.kind, pk)
        data = validated(self.update_input, request.data, partial=True)
        with _refuse_locked():
            item = services.plan_item_update(plan=plan, item=item, by=request.user, **data)
        return Response(self.output(item).data)

    def _destroy(self, request, plan_pk, pk):
        plan = _plan(request.user, plan_pk, write=True, draft=True)
        item = selectors.plan_item(plan, self.kind, pk)
        with _refuse_locked():
            services.plan_item_delete(plan=plan, item=item, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _item_schema(label: str, create_input, update_input, output, extra: str = ""):
    """The three operations of an item endpoint, documented the same way for each kind."""
    return {
        "create": extend_schema(summary=f"Add {label} to a draft", description=extra, request=create_input,
                                responses={201: output, 409: LOCKED_RESPONSE,
                                           **error_responses(400, 401, 403, 404)}),
        "partial_update": extend_schema(summary=f"Change {label} of a draft", request=update_input(partial=True),
                                        responses={200: output, 409: LOCKED_RESPONSE,
                                                   **error_responses(400, 401, 403, 404)}),
        "destroy": extend_schema(summary=f"Delete {label} of a draft (with everything under it)", request=None,
                                 responses={204: OpenApiResponse(description="Deleted."), 409: LOCKED_RESPONSE,
                                            **error_responses(401, 403, 404)}),
    }


def _item_viewset(name: str, kind: str, label: str, parent_field: str, create_input, update_input, output,
                  extra: str = "") -> type:
    schema = _item_schema(label, create_input, update_input, output, extra)

    class ItemViewSet(PlanItemViewSet):
        queryset = ITEM_KINDS[kind].model.objects.none()

        @schema["create"]
        def create(self, request, plan_pk=None):
            return self._create(request, plan_pk)

        @schema["partial_update"]
        def partial_update(self, request, plan_pk=None, pk=None):
            return self._update(request, plan_pk, pk)

        @schema["destroy"]
        def destroy(self, request, plan_pk=None, pk=None):
            return self._destroy(request, plan_pk, pk)

    ItemViewSet.kind = kind
    ItemViewSet.parent_field = parent_field
    ItemViewSet.create_input, ItemViewSet.update_input, ItemViewSet.output = create_input, update_input, output
    ItemViewSet.__name__ = ItemViewSet.__qualname__ = name
    ItemViewSet.__doc__ = f"The {label}s of a draft plan."
    return extend_schema(tags=["plans"], parameters=[PLAN_PK])(ItemViewSet)


ProblemViewSet = _item_viewset("ProblemViewSet", "problem", "a problem", "", ProblemInput, ProblemInput,
                               ProblemOutput)
GoalViewSet = _item_viewset("GoalViewSet", "goal", "a long-term goal", "problem", GoalCreateInput, GoalInput,
                            GoalOutput)
ObjectiveViewSet = _item_viewset(
    "ObjectiveViewSet", "objective", "a measurable objective", "goal", ObjectiveCreateInput, ObjectiveInput,
    ObjectiveOutput, extra="The target must lie in the direction of improvement; the target date, if given, not "
                           "before today.",
)
InterventionViewSet = _item_viewset("InterventionViewSet", "intervention", "an intervention", "goal",
                                    InterventionCreateInput, InterventionInput, InterventionOutput)


# --- The practice's library ---------------------------------------------------------------------------
@extend_schema(tags=["library"])
class LibraryItemViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """The trust-issue library of the caller's practice. Plans copy items; editing one never changes a plan."""

    queryset = LibraryItem.objects.none()
    lookup_value_regex = UUID_PATTERN

    @extend_schema(summary="List the practice's library (created on first use)",
                   responses={200: LibraryItemOutput(many=True), **error_responses(401, 403)})
    def list(self, request):
        library_services.ensure_practice_library(request.user.practice, by=request.user)
        page = self.paginate_queryset(selectors.library_items(request.user.practice))
        return self.get_paginated_response(LibraryItemOutput(page, many=True).data)

    @extend_schema(summary="Add an item to the practice's library", request=LibraryItemCreateInput,
                   responses={201: LibraryItemOutput, **error_responses(400, 401, 403)})
    def create(self, request):
        data = validated(LibraryItemCreateInput, request.data)
        item = library_services.library_item_create(practice=request.user.practice, by=request.user, **data)
        return Response(LibraryItemOutput(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change an item of the practice's library", request=LibraryItemInput(partial=True),
                   responses={200: LibraryItemOutput, **error_responses(400, 401, 403, 404)})
    def partial_update(self, request, pk=None):
        item = selectors.get_library_item(request.user.practice_id, pk)
        data = validated(LibraryItemInput, request.data, partial=True)
        item = library_services.library_item_update(item=item, by=request.user, **data)
        return Response(LibraryItemOutput(item).data)


PLAN_ITEMS = f"plans/(?P<plan_pk>{UUID_PATTERN})"


def register(router) -> None:
    router.register(f"couples/(?P<couple_pk>{UUID_PATTERN})/plans", CouplePlanViewSet, basename="couple-plan")
    router.register("plans", PlanViewSet, basename="treatment-plan")
    router.register(f"{PLAN_ITEMS}/problems", ProblemViewSet, basename="plan-problem")
    router.register(f"{PLAN_ITEMS}/goals", GoalViewSet, basename="plan-goal")
    router.register(f"{PLAN_ITEMS}/objectives", ObjectiveViewSet, basename="plan-objective")
    router.register(f"{PLAN_ITEMS}/interventions", InterventionViewSet, basename="plan-intervention")
    router.register("library", LibraryItemViewSet, basename="library-item")
