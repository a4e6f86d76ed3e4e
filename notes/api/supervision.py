"""/api/v1/supervision/: the supervisor's review queue, co-sign, return, and the author's resubmit.

Same rules and helpers as the HTML pages (notes.selectors.supervision, notes.services.supervision): a user
who cannot see the note's couple gets 404; a clinician who can see it but is not the author's supervisor (or,
to resubmit, its author) gets 403; practice managers and administrators get 403. Psychotherapy notes have
no endpoint at all.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from clinic.models import Role
from notes.api.supervision_serializers import CosignInput, ReturnInput, ReviewQueueItemOutput, SupervisionStatusOutput
from notes.models import ProgressNote
from notes.selectors import supervision as selectors
from notes.services import supervision as services
from rapport.api import UUID_PATTERN, RolePermissionsMixin, error_responses, validated


class IsSupervisor(permissions.BasePermission):
    message = "Only supervisors have a review queue."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role == Role.SUPERVISOR)


def _status_of(note: ProgressNote) -> Response:
    return Response(SupervisionStatusOutput(selectors.supervision_status(note)).data)


@extend_schema(tags=["supervision"])
class ReviewQueueViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """Notes awaiting the signed-in supervisor's co-signature."""

    queryset = ProgressNote.objects.none()  # for the schema; the view reads through review_queue_for
    action_permissions = {"list": IsSupervisor}

    @extend_schema(
        summary="List notes awaiting your co-signature",
        description="Notes signed by your supervisees on couples you can see, oldest signature first. "
                    "Supervisors only; no note content.",
        responses={200: ReviewQueueItemOutput(many=True), **error_responses(401, 403)},
    )
    def list(self, request):
        page = self.paginate_queryset(selectors.review_queue_for(request.user))
        return self.get_paginated_response(ReviewQueueItemOutput(page, many=True).data)


@extend_schema(tags=["supervision"])
class SupervisionNoteViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """Co-sign or return a supervisee's note; resubmit your own returned note."""

    queryset = ProgressNote.objects.none()
    lookup_value_regex = UUID_PATTERN

    @extend_schema(
        summary="Co-sign a note (it becomes final)",
        description="The author's supervisor only, with their password or a current authenticator code. A wrong "
                    "secret is a 400 on `secret` and is written to the audit trail; so is every co-signature.",
        request=CosignInput,
        responses={200: SupervisionStatusOutput, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def cosign(self, request, pk=None):
        note = selectors.get_note_to_review(request.user, pk)
        data = validated(CosignInput, request.data)
        return _status_of(services.note_cosign(note=note, by=request.user, secret=data["secret"]))

    @extend_schema(
        summary="Return a note to its author with a comment",
        description="The author's supervisor only. The note stays signed and unchanged; the author answers in an "
                    "addendum and resubmits.",
        request=ReturnInput,
        responses={200: SupervisionStatusOutput, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_note(self, request, pk=None):
        note = selectors.get_note_to_review(request.user, pk)
        data = validated(ReturnInput, request.data)
        return _status_of(services.note_return(note=note, by=request.user, comment=data["comment"]))

    @extend_schema(
        summary="Resubmit your returned note for co-signature",
        description="The note's author only, after answering the supervisor's comment in an addendum "
                    "(otherwise 400).",
        request=None,
        responses={200: SupervisionStatusOutput, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        note = selectors.get_note_to_resubmit(request.user, pk)
        return _status_of(services.note_resubmit(note=note, by=request.user))


def register(router) -> None:
    router.register("supervision/queue", ReviewQueueViewSet, basename="supervision-queue")
    router.register("supervision/notes", SupervisionNoteViewSet, basename="supervision-note")
