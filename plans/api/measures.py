"""/api/v1/ for outcome measures: the instrument registry, a couple's administrations (record, list,
open, acknowledge a risk flag), a plan's measure schedule, and the measures due.

Same rules as the HTML pages: clinicians read through clinic.access (strangers: 404) and record,
acknowledge and schedule on couples they may change; practice managers and administrators get 403, except
that administrators may read the instrument registry (no clinical data).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import record_event
from clinic.access import get_couple_for_user, get_couple_record_for_user
from clinic.api.couples import COUPLE_PK
from clinic.models import PartnerPosition
from plans.api.measures_serializers import (
    InstrumentBriefOutput,
    InstrumentOutput,
    MeasureCreateInput,
    MeasureDetailOutput,
    MeasureDueOutput,
    MeasureFilterInput,
    MeasureOutput,
    MeasureScheduleInput,
    MeasureScheduleOutput,
    RiskAcknowledgeInput,
)
from plans.models import CustomInstrument, MeasureAdministration, TreatmentPlan
from plans.selectors import measures as selectors
from plans.selectors.instruments import instruments_for
from plans.services import measures as services
from rapport.api import (
    CODE_PATTERN,
    UUID_PATTERN,
    DescriptionOnlyMetadata,
    IsClinician,
    IsClinicianOrAdmin,
    RolePermissionsMixin,
    error_responses,
    validated,
)

PLAN_PK = OpenApiParameter("plan_pk", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The plan version's id.")


# --- Instruments ----------------------------------------------------------------------------------
@extend_schema(tags=["measures"])
class InstrumentViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """The instruments the practice can record: built-in ones and the practice's own."""

    queryset = CustomInstrument.objects.none()  # for the schema; instruments come from plans.instruments
    lookup_field = "code"
    lookup_value_regex = CODE_PATTERN
    action_permissions = {"list": IsClinicianOrAdmin, "retrieve": IsClinicianOrAdmin}

    @extend_schema(summary="List instruments", responses={200: InstrumentBriefOutput(many=True),
                                                           **error_responses(401, 403)})
    def list(self, request):
        page = self.paginate_queryset(list(instruments_for(request.user.practice_id).values()))
        return self.get_paginated_response(InstrumentBriefOutput(page, many=True).data)

    @extend_schema(
        summary="Open an instrument",
        description="Items with their options, score range, bands, cut-off and reliable-change threshold with "
                    "its published source (or why there is none).",
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, pattern=CODE_PATTERN)],
        responses={200: InstrumentOutput, **error_responses(401, 403, 404)},
    )
    def retrieve(self, request, code=None):
        instrument = instruments_for(request.user.practice_id).get(code)
        if instrument is None:
            raise NotFound("No such instrument.")
        return Response(InstrumentOutput(instrument).data)


# --- Administrations ------------------------------------------------------------------------------
@extend_schema(tags=["measures"], parameters=[COUPLE_PK])
class MeasureViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """A couple's administrations: one questionnaire answered by one partner on one date."""

    queryset = MeasureAdministration.objects.none()
    lookup_value_regex = UUID_PATTERN

    @extend_schema(
        summary="List a couple's administrations",
        description="Oldest first, without item answers. Filter by instrument, partner and date range.",
        parameters=[
            OpenApiParameter("instrument", str, description="An instrument code."),
            OpenApiParameter("partner", str, enum=PartnerPosition.values),
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="Given on or after this date."),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Given on or before this date."),
        ],
        responses={200: MeasureOutput(many=True), **error_responses(400, 401, 403, 404)},
    )
    def list(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk)
        filters = validated(MeasureFilterInput, request.query_params)
        record_event("measure.list_view", actor=request.user, obj=couple, detail={"api": True})
        rows = selectors.filter_administrations(selectors.administrations_of(couple), **filters)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(MeasureOutput(page, many=True).data)

    @extend_schema(
        summary="Record an administration",
        description="Every item answered with one of its option values, in item order. One per partner, "
                    "instrument and date. A PHQ-9 item 9 above 0 raises a risk flag to acknowledge.",
        request=MeasureCreateInput,
        responses={201: MeasureDetailOutput, **error_responses(400, 401, 403, 404)},
    )
    def create(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk, write=True)
        context = {"instruments": instruments_for(couple.practice_id)}
        data = validated(MeasureCreateInput, request.data, context=context)
        administration = services.measure_record(couple=couple, by=request.user, **data)
        administration = selectors.administration_queryset().get(pk=administration.pk)
        return Response(MeasureDetailOutput(administration).data, status=status.HTTP_201_CREATED)

    def _get(self, request, couple_pk, pk, *, write: bool = False) -> MeasureAdministration:
        administration = get_couple_record_for_user(request.user, MeasureAdministration, pk, write=write,
                                                    queryset=selectors.administration_queryset())
        if str(administration.couple_id) != str(couple_pk):
            raise NotFound("Not found.")
        return administration

    @extend_schema(summary="Open an administration, with its answers",
                   responses={200: MeasureDetailOutput, **error_responses(401, 403, 404)})
    def retrieve(self, request, couple_pk=None, pk=None):
        administration = self._get(request, couple_pk, pk)
        record_event("measure.view", actor=request.user, obj=administration)
        return Response(MeasureDetailOutput(administration).data)

    @extend_schema(
        summary="Acknowledge a risk flag",
        description="Record what was done. Refused (400) when there is no flag or it was already acknowledged.",
        request=RiskAcknowledgeInput,
        responses={200: MeasureDetailOutput, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="acknowledge-risk")
    def acknowledge_risk(self, request, couple_pk=None, pk=None):
        administration = self._get(request, couple_pk, pk, write=True)
        data = validated(RiskAcknowledgeInput, request.data)
        services.measure_acknowledge_risk(administration=administration, by=request.user, note=data["note"])
        administration = selectors.administration_queryset().get(pk=administration.pk)
        return Response(MeasureDetailOutput(administration).data)


# --- Schedule and measures due --------------------------------------------------------------------
class _ClinicianView(APIView):
    metadata_class = DescriptionOnlyMetadata

    def get_permissions(self):
        return [permissions.IsAuthenticated(), IsClinician()]


def _schedule_data(plan: TreatmentPlan) -> dict:
    rows = selectors.schedule_of(plan)
    return MeasureScheduleOutput({
        "id": plan.pk, "status": plan.status, "schedule_version": plan.schedule_version,
        "schedules": [{"instrument": row.instrument, "every": row.every} for row in rows],
    }).data


@extend_schema(tags=["measures"], parameters=[PLAN_PK])
class MeasureScheduleView(_ClinicianView):
    """Which instruments a plan asks for, and how often (both partners)."""

    @extend_schema(summary="Read a plan's measure schedule", responses={200: MeasureScheduleOutput,
                                                                         **error_responses(401, 403, 404)})
    def get(self, request, plan_pk):
        plan = get_couple_record_for_user(request.user, TreatmentPlan, plan_pk)
        return Response(_schedule_data(plan))

    @extend_schema(
        summary="Replace a plan's measure schedule",
        description="Allowed on draft and active plans (logistics, not plan content). Send the schedule_version "
                    "you last read: if the schedule changed since, nothing changes and the answer is 409.",
        request=MeasureScheduleInput,
        responses={200: MeasureScheduleOutput, **error_responses(400, 401, 403, 404, 409)},
    )
    def put(self, request, plan_pk):
        plan = get_couple_record_for_user(request.user, TreatmentPlan, plan_pk, write=True,
                                          queryset=TreatmentPlan.objects.select_related("couple"))
        data = validated(MeasureScheduleInput, request.data)
        entries = {entry["instrument"]: entry["every"] for entry in data["schedules"]}
        services.schedule_set(plan=plan, by=request.user, entries=entries,
                              instruments=instruments_for(plan.couple.practice_id),
                              base_version=data["schedule_version"])
        return Response(_schedule_data(plan))


@extend_schema(tags=["measures"])
class MeasuresDueView(_ClinicianView):
    @extend_schema(
        summary="Measures due",
        description="Scheduled instruments due for a partner of a couple you can see that has an active plan, "
                    "oldest first.",
        responses={200: MeasureDueOutput(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(MeasureDueOutput(selectors.measures_due_for(request.user), many=True).data)


extra_urlpatterns = [
    path("plans/<uuid:plan_pk>/measure-schedule/", MeasureScheduleView.as_view(), name="plan-measure-schedule"),
    path("measures/due/", MeasuresDueView.as_view(), name="measures-due"),
]


def register(router) -> None:
    router.register("instruments", InstrumentViewSet, basename="instrument")
    router.register(f"couples/(?P<couple_pk>{UUID_PATTERN})/measures", MeasureViewSet, basename="couple-measure")
