"""/api/v1/couples/{id}/risks/: the couple's risk register, acknowledging and closing a risk.

Clinicians who can read the couple only (as the pages: clinic.views.risks); managers and administrators 403,
strangers 404. A stale version is a 409 with the current one.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.services import record_event
from clinic.access import get_couple_for_user
from clinic.api.couples import COUPLE_PK
from clinic.api.risks_serializers import RiskCheckInput, RiskCloseInput, RiskFollowUpInput, RiskOutput
from clinic.models import Risk
from clinic.selectors import risks as selectors
from clinic.services import risks as services
from rapport.api import UUID_PATTERN, RolePermissionsMixin, error_responses, validated


@extend_schema(tags=["couples"], parameters=[COUPLE_PK])
class RiskViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """A couple's risk register: open, acknowledged and closed risks."""

    queryset = Risk.objects.none()
    lookup_value_regex = UUID_PATTERN

    @extend_schema(summary="List the couple's risks, unresolved first",
                   responses={200: RiskOutput(many=True), **error_responses(401, 403, 404)})
    def list(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk)
        record_event("risk.view", actor=request.user, obj=couple)
        page = self.paginate_queryset(selectors.risks_of(couple))
        return self.get_paginated_response(RiskOutput(page, many=True).data)

    def _risk(self, request, couple_pk, pk) -> Risk:
        couple = get_couple_for_user(request.user, couple_pk)
        risk = selectors.get_risk_of(couple, pk)
        if risk is None:
            raise Http404("No such risk.")
        return risk

    def _out(self, risk: Risk) -> Response:
        return Response(RiskOutput(selectors.with_overdue([risk])[0]).data)

    @extend_schema(summary="Acknowledge an open risk with its follow-up", request=RiskFollowUpInput,
                   responses={200: RiskOutput, **error_responses(400, 401, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, couple_pk=None, pk=None):
        risk = self._risk(request, couple_pk, pk)
        data = validated(RiskFollowUpInput, request.data)
        risk = services.risk_acknowledge(
            risk=risk, by=request.user, follow_up=data["follow_up"], follow_up_on=data.get("follow_up_on"),
            base_version=data["version"], screen_answers=data.get("screen"), safety_plan=data.get("safety_plan"),
            plan_base_version=data.get("safety_plan_version"), plan_not_made=data.get("safety_plan_not_made", ""))
        return self._out(risk)

    @extend_schema(summary="Record a check of an acknowledged risk", request=RiskCheckInput,
                   description="Adds what the check found, dated, to the follow-up, and sets the next day to check "
                               "(clears follow_up_overdue).",
                   responses={200: RiskOutput, **error_responses(400, 401, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def check(self, request, couple_pk=None, pk=None):
        risk = self._risk(request, couple_pk, pk)
        data = validated(RiskCheckInput, request.data)
        risk = services.risk_check(risk=risk, by=request.user, note=data["note"],
                                   follow_up_on=data.get("follow_up_on"), base_version=data["version"])
        return self._out(risk)

    @extend_schema(summary="Close an acknowledged risk, saying why", request=RiskCloseInput,
                   responses={200: RiskOutput, **error_responses(400, 401, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def close(self, request, couple_pk=None, pk=None):
        risk = self._risk(request, couple_pk, pk)
        data = validated(RiskCloseInput, request.data)
        risk = services.risk_close(risk=risk, by=request.user, note=data["note"], base_version=data["version"])
        return self._out(risk)


def register(router) -> None:
    router.register(f"couples/(?P<couple_pk>{UUID_PATTERN})/risks", RiskViewSet, basename="couple-risk")
