"""/api/v1/clients/: clients (people in therapy), for clinicians only, since identity is clinical data."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response

from audit.services import record_event
from clinic.access import get_client_for_user
from clinic.api.clients_serializers import ClientBriefOutput, ClientInput, ClientOutput, ClientSearchInput
from clinic.models import Client
from clinic.selectors.clients import find_clients_by_name
from clinic.services import couples as services
from rapport.api import UUID_PATTERN, RolePermissionsMixin, error_responses, validated


@extend_schema(tags=["clients"])
class ClientViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """Clients (people in therapy). Clinicians only: identity is clinical data."""

    queryset = Client.objects.none()
    lookup_value_regex = UUID_PATTERN

    @extend_schema(
        summary="List clients you can see",
        parameters=[OpenApiParameter("name", str, description=ClientSearchInput().fields["name"].help_text)],
        responses={200: ClientBriefOutput(many=True), **error_responses(400, 401, 403)},
    )
    def list(self, request):
        clients = Client.objects.visible_to(request.user).order_by("created_at", "id")
        if "name" in request.query_params:
            name = validated(ClientSearchInput, request.query_params)["name"]
            matches = find_clients_by_name(practice_id=request.user.practice_id, name=name)
            clients = clients.filter(pk__in=[match.pk for match in matches])
            record_event("client.search", actor=request.user, detail={"candidates": len(matches)})
        page = self.paginate_queryset(clients)
        return self.get_paginated_response(ClientBriefOutput(page, many=True).data)

    @extend_schema(summary="Open a client's identity and contact details",
                   responses={200: ClientOutput, **error_responses(401, 403, 404)})
    def retrieve(self, request, pk=None):
        client = get_client_for_user(request.user, pk)
        record_event("client.view", actor=request.user, obj=client)
        return Response(ClientOutput(client).data)

    @extend_schema(summary="Register a client", request=ClientInput,
                   responses={201: ClientOutput, **error_responses(400, 401, 403)})
    def create(self, request):
        data = validated(ClientInput, request.data)
        client = services.client_create(practice_id=request.user.practice_id, by=request.user, **data)
        return Response(ClientOutput(client).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a client's identity or contact details", request=ClientInput(partial=True),
                   responses={200: ClientOutput, **error_responses(400, 401, 403, 404)})
    def partial_update(self, request, pk=None):
        client = get_client_for_user(request.user, pk, write=True)
        data = validated(ClientInput, request.data, partial=True)
        client = services.client_update(client=client, by=request.user, **data)
        return Response(ClientOutput(client).data)


def register(router) -> None:
    router.register("clients", ClientViewSet, basename="client")
