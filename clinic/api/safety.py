"""/api/v1/couples/{id}/safety-plans/ and /suicide-screens/: each partner's safety plan versions and C-SSRS
screens (clinic.services.safety). Scoped like the risk register: clinicians who can read the couple; managers
and administrators 403, strangers 404. A write based on an older version is a 409 with the current number.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response

from audit.services import record_event
from clinic.access import get_couple_for_user
from clinic.api.couples import COUPLE_PK
from clinic.api.safety_serializers import SafetyPlanInput, SafetyPlanOutput, SuicideScreenInput, SuicideScreenOutput
from clinic.models import SafetyPlan, SuicideScreen
from clinic.services import safety as services
from rapport.api import UUID_PATTERN, RolePermissionsMixin, error_responses, validated


@extend_schema(tags=["couples"], parameters=[COUPLE_PK])
class SafetyPlanViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """Both partners' safety plans, every version, newest first (Stanley & Brown 2012)."""

    queryset = SafetyPlan.objects.none()

    @extend_schema(summary="List the partners' safety plan versions, newest first",
                   responses={200: SafetyPlanOutput(many=True), **error_responses(401, 403, 404)})
    def list(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk)
        record_event("safety_record.view", actor=request.user, obj=couple)
        plans = couple.safety_plans.select_related("made_by").order_by("partner", "-number")
        page = self.paginate_queryset(plans)
        return self.get_paginated_response(SafetyPlanOutput(page, many=True).data)

    @extend_schema(summary="Save a partner's safety plan as its next version", request=SafetyPlanInput,
                   responses={201: SafetyPlanOutput, **error_responses(400, 401, 403, 404, 409)})
    def create(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk)
        data = validated(SafetyPlanInput, request.data)
        plan = services.safety_plan_save(
            couple=couple, partner=data.pop("partner"), by=request.user, base_version=data.pop("version"),
            sections=data)
        return Response(SafetyPlanOutput(plan).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["couples"], parameters=[COUPLE_PK])
class SuicideScreenViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """Both partners' C-SSRS screens (Screen Version, Recent), newest first, with the screener's triage."""

    queryset = SuicideScreen.objects.none()

    @extend_schema(summary="List the partners' suicide-risk screens, newest first",
                   responses={200: SuicideScreenOutput(many=True), **error_responses(401, 403, 404)})
    def list(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk)
        record_event("safety_record.view", actor=request.user, obj=couple)
        screens = couple.suicide_screens.select_related("recorded_by").order_by("partner", "-number")
        page = self.paginate_queryset(screens)
        return self.get_paginated_response(SuicideScreenOutput(page, many=True).data)

    @extend_schema(summary="Record a partner's C-SSRS screen as their next screen", request=SuicideScreenInput,
                   responses={201: SuicideScreenOutput, **error_responses(400, 401, 403, 404, 409)})
    def create(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk)
        data = validated(SuicideScreenInput, request.data)
        screen = services.suicide_screen_record(couple=couple, partner=data["partner"], by=request.user,
                                                answers=data["answers"], base_version=data["version"])
        return Response(SuicideScreenOutput(screen).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register(f"couples/(?P<couple_pk>{UUID_PATTERN})/safety-plans", SafetyPlanViewSet,
                    basename="couple-safety-plan")
    router.register(f"couples/(?P<couple_pk>{UUID_PATTERN})/suicide-screens", SuicideScreenViewSet,
                    basename="couple-suicide-screen")
