"""/api/v1/ for CBT work between sessions and objective progress.

    couples/{couple_pk}/thought-records/   list (?partner=), create; {id}/ retrieve, partial update
    couples/{couple_pk}/experiments/       the same for behavioural experiments
    couples/{couple_pk}/checking-log/      the same for the checking / reassurance log, plus delete
    couples/{couple_pk}/homework/          the same for homework (partner a, b or both)
    couples/{couple_pk}/progress-points/   list (?objective_lineage=), create (a manual value)

Clinicians who can read the couple read (supervisors included); the primary therapist and co-therapists
write (others 404). Practice managers and administrators: 403. Every read is audited. Views stay thin:
access helper, Input serializer, one service, Output serializer.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from audit.services import record_event
from clinic.access import get_couple_for_user, get_couple_record_for_user
from clinic.api.couples import COUPLE_PK
from plans.api.progress_serializers import (
    CheckingLogInput,
    CheckingLogOutput,
    CheckingLogUpdateInput,
    ExperimentInput,
    ExperimentOutput,
    ExperimentUpdateInput,
    HomeworkInput,
    HomeworkOutput,
    HomeworkUpdateInput,
    PartnerFilterInput,
    ProgressPointFilterInput,
    ProgressPointInput,
    ProgressPointOutput,
    ThoughtRecordInput,
    ThoughtRecordOutput,
    ThoughtRecordUpdateInput,
)
from plans.models import PartnerScope, ProgressPoint, ProgressSource
from plans.selectors import cbt as cbt_selectors
from plans.selectors import progress as progress_selectors
from plans.services import cbt as cbt_services
from plans.services.progress import progress_point_record
from rapport.api import UUID_PATTERN, RolePermissionsMixin, error_responses, validated

RECORD_PK = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The record's id.")


class CBTRecordViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """Base of the four CBT endpoints; subclasses name their kind and serializers."""

    kind: str = ""
    output_class: type[serializers.Serializer]
    create_input: type[serializers.Serializer]
    update_input: type[serializers.Serializer]
    lookup_value_regex = UUID_PATTERN

    @property
    def spec(self) -> cbt_services.CBTKind:
        return cbt_services.KINDS[self.kind]

    def _record(self, request, couple_pk, pk, *, write: bool = False):
        model = self.spec.model
        return get_couple_record_for_user(request.user, model, pk, write=write,
                                          queryset=model.objects.filter(couple_id=couple_pk))

    def list(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk)
        partner = validated(PartnerFilterInput, request.query_params).get("partner", "")
        page = self.paginate_queryset(cbt_selectors.cbt_records(couple, self.kind, partner=partner))
        record_event("cbt.view", actor=request.user, obj=couple, detail={"kind": self.spec.audit, "via": "api"})
        return self.get_paginated_response(self.output_class(page, many=True).data)

    def retrieve(self, request, couple_pk=None, pk=None):
        record = self._record(request, couple_pk, pk)
        record_event(f"cbt.{self.spec.audit}.view", actor=request.user, obj=record)
        return Response(self.output_class(record).data)

    def create(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk, write=True)
        data = validated(self.create_input, request.data)
        record = cbt_services.cbt_record_create(kind=self.kind, couple=couple, by=request.user, fields=data)
        return Response(self.output_class(record).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, couple_pk=None, pk=None):
        record = self._record(request, couple_pk, pk, write=True)
        data = validated(self.update_input, request.data)
        version = data.pop("version")
        record = cbt_services.cbt_record_update(record=record, by=request.user, fields=data, base_version=version)
        return Response(self.output_class(record).data)


def _cbt_schema(*, plural: str, singular: str, output, create_input, update_input, partner_choices,
                destroy: bool = False):
    partner = OpenApiParameter("partner", str, enum=[value for value, _ in partner_choices],
                               description="Only this partner's records.")
    schemas = {
        "list": extend_schema(summary=f"List a couple's {plural}, newest first", parameters=[partner],
                              responses={200: output(many=True), **error_responses(400, 401, 403, 404)}),
        "retrieve": extend_schema(summary=f"Open a {singular}", parameters=[RECORD_PK],
                                  responses={200: output, **error_responses(401, 403, 404)}),
        "create": extend_schema(summary=f"Record a {singular}", request=create_input,
                                responses={201: output, **error_responses(400, 401, 403, 404)}),
        "partial_update": extend_schema(
            summary=f"Change a {singular}", parameters=[RECORD_PK], request=update_input,
            description="Send the `version` you last read. If someone saved in between, nothing changes and "
                        "the answer is 409 with the current version.",
            responses={200: output, **error_responses(400, 401, 403, 404, 409)},
        ),
    }
    if destroy:
        schemas["destroy"] = extend_schema(
            summary=f"Delete a {singular} recorded in error", parameters=[RECORD_PK],
            description="The weekly count of the objective it fed is recomputed.",
            responses={204: OpenApiResponse(description="Deleted."), **error_responses(401, 403, 404)},
        )
    return extend_schema_view(**schemas)


@extend_schema(tags=["between sessions"], parameters=[COUPLE_PK])
@_cbt_schema(plural="thought records", singular="thought record", output=ThoughtRecordOutput,
             create_input=ThoughtRecordInput, update_input=ThoughtRecordUpdateInput,
             partner_choices=[c for c in PartnerScope.choices if c[0] != PartnerScope.BOTH])
class ThoughtRecordViewSet(CBTRecordViewSet):
    """Thought records: situation, moods before and after, automatic thought, evidence, balanced thought,
    cognitive distortions."""

    queryset = cbt_services.KINDS["thought-record"].model.objects.none()
    kind = "thought-record"
    output_class, create_input, update_input = ThoughtRecordOutput, ThoughtRecordInput, ThoughtRecordUpdateInput


@extend_schema(tags=["between sessions"], parameters=[COUPLE_PK])
@_cbt_schema(plural="behavioural experiments", singular="behavioural experiment", output=ExperimentOutput,
             create_input=ExperimentInput, update_input=ExperimentUpdateInput,
             partner_choices=[c for c in PartnerScope.choices if c[0] != PartnerScope.BOTH])
class ExperimentViewSet(CBTRecordViewSet):
    """Behavioural experiments: prediction, belief before and after, what was done, outcome, lesson."""

    queryset = cbt_services.KINDS["experiment"].model.objects.none()
    kind = "experiment"
    output_class, create_input, update_input = ExperimentOutput, ExperimentInput, ExperimentUpdateInput


@extend_schema(tags=["between sessions"], parameters=[COUPLE_PK])
@_cbt_schema(plural="checking and reassurance log entries", singular="checking log entry",
             output=CheckingLogOutput, create_input=CheckingLogInput, update_input=CheckingLogUpdateInput,
             partner_choices=[c for c in PartnerScope.choices if c[0] != PartnerScope.BOTH], destroy=True)
class CheckingLogViewSet(CBTRecordViewSet):
    """The checking / reassurance log. Entries feed their objective a weekly count of urges not resisted."""

    queryset = cbt_services.KINDS["checking"].model.objects.none()
    kind = "checking"
    output_class, create_input, update_input = CheckingLogOutput, CheckingLogInput, CheckingLogUpdateInput

    def destroy(self, request, couple_pk=None, pk=None):
        entry = self._record(request, couple_pk, pk, write=True)
        cbt_services.checking_log_delete(entry=entry, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["between sessions"], parameters=[COUPLE_PK])
@_cbt_schema(plural="homework", singular="piece of homework", output=HomeworkOutput,
             create_input=HomeworkInput, update_input=HomeworkUpdateInput, partner_choices=PartnerScope.choices)
class HomeworkViewSet(CBTRecordViewSet):
    """Homework for one partner or both, with its completion status and review."""

    queryset = cbt_services.KINDS["homework"].model.objects.none()
    kind = "homework"
    output_class, create_input, update_input = HomeworkOutput, HomeworkInput, HomeworkUpdateInput


@extend_schema(tags=["progress"], parameters=[COUPLE_PK])
class ProgressPointViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """Values of a couple's objectives, by objective lineage (the same across plan versions)."""

    queryset = ProgressPoint.objects.none()

    @extend_schema(
        summary="List a couple's progress points, oldest first",
        parameters=[OpenApiParameter("objective_lineage", OpenApiTypes.UUID,
                                     description="Only the points of this objective (any plan version).")],
        responses={200: ProgressPointOutput(many=True), **error_responses(400, 401, 403, 404)},
    )
    def list(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk)
        lineage = validated(ProgressPointFilterInput, request.query_params).get("objective_lineage")
        page = self.paginate_queryset(progress_selectors.progress_points(couple, objective_lineage=lineage))
        record_event("progress.view", actor=request.user, obj=couple, detail={"via": "api"})
        return self.get_paginated_response(ProgressPointOutput(page, many=True).data)

    @extend_schema(
        summary="Record a value of an objective by hand",
        description="The point's source is \"manual\". Points from notes, logs and measures are recorded by "
                    "those features.",
        request=ProgressPointInput,
        responses={201: ProgressPointOutput, **error_responses(400, 401, 403, 404)},
    )
    def create(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk, write=True)
        data = validated(ProgressPointInput, request.data)
        point = progress_point_record(
            couple=couple, objective_lineage=data["objective_lineage"], recorded_on=data["recorded_on"],
            value=data["value"], source=ProgressSource.MANUAL, by=request.user, note=data.get("note", ""),
            partner=data.get("partner", ""),
        )
        return Response(ProgressPointOutput(point).data, status=status.HTTP_201_CREATED)


COUPLE_PREFIX = f"couples/(?P<couple_pk>{UUID_PATTERN})"


def register(router) -> None:
    router.register(f"{COUPLE_PREFIX}/thought-records", ThoughtRecordViewSet, basename="couple-thought-record")
    router.register(f"{COUPLE_PREFIX}/experiments", ExperimentViewSet, basename="couple-experiment")
    router.register(f"{COUPLE_PREFIX}/checking-log", CheckingLogViewSet, basename="couple-checking-log")
    router.register(f"{COUPLE_PREFIX}/homework", HomeworkViewSet, basename="couple-homework")
    router.register(f"{COUPLE_PREFIX}/progress-points", ProgressPointViewSet, basename="couple-progress-point")
