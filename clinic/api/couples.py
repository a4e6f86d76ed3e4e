"""/api/v1/couples/: couples (cases), their care teams and partners.

Views stay thin: a scoped queryset or access helper, an Input serializer, one service, an Output
serializer. Clinicians see `visible_to` and change `editable_by`; practice managers list and open the
practice's couples through `listed_for` with a serializer that carries no names and no clinical text, and
may manage care teams; administrators are refused (403) everywhere here.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.services import record_event
from clinic.access import get_couple_for_team_management, get_couple_for_user, get_couple_summary_for_user
from clinic.api.couples_serializers import (
    AffairInput,
    CareTeamAddInput,
    CareTeamEndInput,
    CareTeamMemberOutput,
    CoupleCreateInput,
    CoupleDetailOutput,
    CoupleListOutput,
    CoupleSummaryOutput,
    CoupleUpdateInput,
    IpvOverrideInput,
    PartnerOutput,
    PartnerUpdateInput,
)
from clinic.models import CareRole, CareTeamMember, Client, Couple, Partner, PartnerPosition, User
from clinic.selectors.couples import couple_rows_for
from clinic.selectors.offboarding import successor_candidates
from clinic.services import affair as affair_services
from clinic.services import couples as services
from clinic.services import ipv as ipv_services
from clinic.services.discharge import DISCHARGE_FIELDS
from rapport.api import UUID_PATTERN, IsClinicianOrManager, RolePermissionsMixin, error_responses, validated
from rapport.api_schema import superset_proxy

COUPLE_PK = OpenApiParameter("couple_pk", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The couple's id.")


# --- Couples --------------------------------------------------------------------------------------
COUPLE_VIEW = superset_proxy("CoupleView", [CoupleDetailOutput, CoupleSummaryOutput])
COUPLE_ROW = superset_proxy("CoupleRow", [CoupleListOutput, CoupleSummaryOutput], many=True)


@extend_schema(tags=["couples"])
class CoupleViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """Couples (cases)."""

    queryset = Couple.objects.none()  # for the schema; every view reads through a scoped queryset
    lookup_value_regex = UUID_PATTERN
    action_permissions = {"list": IsClinicianOrManager, "retrieve": IsClinicianOrManager}

    @extend_schema(
        summary="List couples",
        description="Clinicians: their cases, with partners' names (CoupleListOutput). Practice managers: "
                    "every case of the practice, without names or clinical text (CoupleSummaryOutput).",
        responses={200: COUPLE_ROW, **error_responses(401, 403)},
    )
    def list(self, request):
        page = self.paginate_queryset(couple_rows_for(request.user))
        output = CoupleSummaryOutput if request.user.is_practice_manager else CoupleListOutput
        return self.get_paginated_response(output(page, many=True).data)

    @extend_schema(
        summary="Open a couple",
        description="Clinicians get the clinical record (CoupleDetailOutput); practice managers the summary. "
                    "Every opening is written to the audit trail.",
        responses={200: COUPLE_VIEW, **error_responses(401, 403, 404)},
    )
    def retrieve(self, request, pk=None):
        couple = get_couple_summary_for_user(request.user, pk)
        if request.user.is_practice_manager:
            record_event("couple.view", actor=request.user, obj=couple, detail={"view": "summary"})
            return Response(CoupleSummaryOutput(couple).data)
        record_event("couple.view", actor=request.user, obj=couple)
        return Response(CoupleDetailOutput(couple).data)

    @extend_schema(
        summary="Open a case for two clients",
        description="You become the primary therapist.",
        request=CoupleCreateInput,
        responses={201: CoupleDetailOutput, **error_responses(400, 401, 403)},
    )
    def create(self, request):
        data = validated(CoupleCreateInput, request.data)
        clients = Client.objects.visible_to(request.user).in_bulk([data["partner_a"], data["partner_b"]])
        missing = {name: ["Choose a client you can see."] for name in ("partner_a", "partner_b")
                   if data[name] not in clients}
        if missing:
            raise exceptions.ValidationError(missing)
        created = services.couple_create(
            by=request.user,
            partner_a=clients[data.pop("partner_a")],
            partner_b=clients[data.pop("partner_b")],
            **data,
        )
        couple = get_couple_for_user(request.user, created.couple.pk)
        return Response(CoupleDetailOutput(couple).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a couple's details",
        description="Send the `version` you last read. If someone saved in between, nothing changes and the "
                    "answer is 409 with the current version. Discharging (`status` \"discharged\") needs "
                    "`discharge_reason`, `status_at_discharge`, `aftercare` and `recommendations` (400 naming "
                    "each one missing); it closes the active treatment plan.",
        request=CoupleUpdateInput,
        responses={200: CoupleDetailOutput, **error_responses(400, 401, 403, 404, 409)},
    )
    def partial_update(self, request, pk=None):
        couple = get_couple_for_user(request.user, pk, write=True)
        data = validated(CoupleUpdateInput, request.data)
        discharge = {name: data.pop(name) for name in DISCHARGE_FIELDS if name in data}
        services.couple_update(couple=couple, by=request.user, base_version=data.pop("version"),
                               discharge=discharge, **data)
        return Response(CoupleDetailOutput(couple).data)

    @extend_schema(
        summary="Document an override of the IPV gate on joint sessions",
        description="Only while a partner's IPV screen is positive (HITS above 10) or a concern. The reason is "
                    "stored encrypted; the audit event names the couple only; the therapists' supervisor is "
                    "told. A new screen clears the override.",
        request=IpvOverrideInput,
        responses={200: CoupleDetailOutput, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="ipv-override")
    def ipv_override(self, request, pk=None):
        couple = get_couple_for_user(request.user, pk, write=True)
        data = validated(IpvOverrideInput, request.data)
        ipv_services.ipv_override_record(couple=couple, by=request.user, reason=data["reason"])
        return Response(CoupleDetailOutput(get_couple_for_user(request.user, pk)).data)

    @extend_schema(
        summary="Record an affair as ongoing or ended",
        description="The clinician's record (clinic.services.affair): while \"ongoing\", plans containing "
                    "forgiveness work or attachment-injury repair carry a warning, as both assume the affair has "
                    "ended. Stored encrypted; the audit event names the fields changed, never their values.",
        request=AffairInput,
        responses={200: CoupleDetailOutput, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="affair")
    def affair(self, request, pk=None):
        couple = get_couple_for_user(request.user, pk, write=True)
        data = validated(AffairInput, request.data)
        affair_services.affair_record(couple=couple, by=request.user, status=data["affair_status"],
                                      ended_on=data.get("affair_ended_on"))
        return Response(CoupleDetailOutput(get_couple_for_user(request.user, pk)).data)


@extend_schema(tags=["couples"], parameters=[COUPLE_PK])
class CareTeamViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """A couple's care team: who may see and change the case, and in which role."""

    queryset = CareTeamMember.objects.none()
    lookup_value_regex = UUID_PATTERN
    action_permissions = {"list": IsClinicianOrManager, "create": IsClinicianOrManager, "end": IsClinicianOrManager}

    @extend_schema(summary="List a couple's care team, past members included",
                   responses={200: CareTeamMemberOutput(many=True), **error_responses(401, 403, 404)})
    def list(self, request, couple_pk=None):
        couple = get_couple_summary_for_user(request.user, couple_pk)
        members = CareTeamMember.objects.filter(couple=couple).select_related("user").order_by("start_date", "id")
        page = self.paginate_queryset(members)
        return self.get_paginated_response(CareTeamMemberOutput(page, many=True).data)

    @extend_schema(summary="Add a clinician to the care team", request=CareTeamAddInput,
                   responses={201: CareTeamMemberOutput, **error_responses(400, 401, 403, 404)})
    def create(self, request, couple_pk=None):
        couple = get_couple_for_team_management(request.user, couple_pk)
        data = validated(CareTeamAddInput, request.data)
        colleague = User.objects.filter(pk=data.pop("user"), practice_id=couple.practice_id).first()
        if colleague is None:
            raise exceptions.ValidationError({"user": ["Choose an active therapist or supervisor of this practice."]})
        member = services.care_team_add(couple=couple, user=colleague, by=request.user, **data)
        return Response(CareTeamMemberOutput(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="End someone's place on the care team (the history stays)", request=CareTeamEndInput,
                   responses={200: CareTeamMemberOutput, **error_responses(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def end(self, request, couple_pk=None, pk=None):
        couple = get_couple_for_team_management(request.user, couple_pk)
        member = CareTeamMember.objects.filter(couple=couple, pk=pk).select_related("user").first()
        if member is None:
            raise Http404("No such care team member.")
        data = validated(CareTeamEndInput, request.data)
        successor_id, confirmed = data.pop("successor", None), data.pop("confirm")
        successor = None
        if member.user_id == request.user.pk and member.role == CareRole.PRIMARY:  # a handover: ask both
            successor = successor_candidates(request.user).filter(pk=successor_id).first() if successor_id else None
            errors = {}
            if successor is None:
                errors["successor"] = ["Give the id of the active clinician who takes over as primary therapist."]
            if not confirmed:
                errors["confirm"] = ["Confirm (true) that you are handing this couple over."]
            if errors:
                raise exceptions.ValidationError(errors)
        member = services.care_team_end(member=member, by=request.user, successor=successor, **data)
        return Response(CareTeamMemberOutput(member).data)


@extend_schema(tags=["couples"], parameters=[COUPLE_PK])
class PartnerViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """One partner's agreement to the confidentiality terms and intimate-partner-violence screen."""

    queryset = Partner.objects.none()
    lookup_field = "position"
    lookup_value_regex = "[ab]"

    @extend_schema(
        summary="Record a partner's agreement date, IPV screen or consent to share individual measures",
        description="Fields left out keep their value.",
        parameters=[OpenApiParameter("position", str, OpenApiParameter.PATH, enum=PartnerPosition.values)],
        request=PartnerUpdateInput,
        responses={200: PartnerOutput, **error_responses(400, 401, 403, 404)},
    )
    def partial_update(self, request, couple_pk=None, position=None):
        couple = get_couple_for_user(request.user, couple_pk, write=True)
        partner = couple.partner(position)
        if partner is None:
            raise Http404("No such partner.")
        data = validated(PartnerUpdateInput, request.data)
        partner = services.partner_update(
            partner=partner,
            by=request.user,
            agreed_confidentiality_on=data.get("agreed_confidentiality_on", partner.agreed_confidentiality_on),
            ipv_result=data.get("ipv_result"),
            ipv_screened_on=data.get("ipv_screened_on", partner.ipv_screened_on),
            ipv_notes=data.get("ipv_notes"),
            measures_consent_on=data.get("measures_consent_on", services.KEEP),
            hits_answers=data.get("hits_answers"),
        )
        return Response(PartnerOutput(partner).data)


def register(router) -> None:
    router.register("couples", CoupleViewSet, basename="couple")
    router.register(f"couples/(?P<couple_pk>{UUID_PATTERN})/care-team", CareTeamViewSet, basename="couple-care-team")
    router.register(f"couples/(?P<couple_pk>{UUID_PATTERN})/partners", PartnerViewSet, basename="couple-partner")
