"""/api/v1/notes/: progress notes (draft, save with version, sign) and addenda.

Same rules and helpers as the HTML pages: clinic.access through notes.selectors.notes (404 for strangers,
audited), the services in notes.services for every write. Clinicians only (managers and administrators 403).
A draft changes only by its author (403 for others on the case); a save based on an old version is a 409
with the current version; a signed note never changes (409 `note_signed`: add an addendum instead).
Psychotherapy notes have no endpoint.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.services import record_event
from notes import note_templates as templates
from notes.api.notes_serializers import (
    AddendumInput,
    AddendumOutput,
    NoteCreateInput,
    NoteFilterInput,
    NoteOutput,
    NoteRowOutput,
    NoteSignInput,
    NoteUpdateInput,
)
from notes.models import ProgressNote
from notes.selectors import notes as selectors
from notes.services import notes as note_services
from notes.services.notes import NoteLocked
from notes.services.validation import OPEN_RISK_UNCONFIRMED, RatingInput, sign_problems
from rapport.api import UUID_PATTERN, ErrorOutput, RolePermissionsMixin, error_responses, validated

LOCKED_409 = OpenApiResponse(
    ErrorOutput,
    description="The record changed since you read it (`conflict`, with `error.current_version`), or the note "
                "is signed and can no longer change (`note_signed`).",
)


class NoteSigned(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = note_services.LOCKED_MESSAGE
    default_code = "note_signed"


def _note_out(request, pk: Any) -> dict:
    return NoteOutput(selectors.get_note_for_user(request.user, pk)).data


def _ratings(items: list[dict]) -> list[RatingInput]:
    return [RatingInput(item["objective_lineage"], item["value"], item.get("comment", ""), item.get("partner", ""))
            for item in items]


ABSENT_PARTNER_RISK = (
    "This note is of an individual session: give the risk check of the partner who attended only. Assess the "
    "other partner when you see them."
)


def _risk(note: ProgressNote, given: dict) -> dict:
    """The note's risk check with the answers given laid over it (answers left out keep their value).
    After an individual session, only the attending partner's (note_templates.risk_partners)."""
    asked = dict(templates.risk_partners(note.restricted_to_partner))
    if any(partner not in asked and values for partner, values in given.items()):
        raise ValidationError({"risk": [ABSENT_PARTNER_RISK]})
    risk = {partner: dict(values) for partner, values in (note.risk or {}).items()}
    for partner, values in given.items():
        risk.setdefault(partner, {}).update(values)
    return risk


def _sections(note: ProgressNote, data: dict) -> dict | None:
    sections = data.get("sections")
    if sections is None:
        return None
    allowed = templates.section_keys(data.get("template") or note.template)
    unknown = sorted(set(sections) - set(allowed))
    if unknown:
        raise exceptions.ValidationError({"sections": [
            f"This template's sections are {', '.join(allowed)}; {', '.join(unknown)} is not one of them."
        ]})
    return sections


@extend_schema(tags=["notes"])
class NoteViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """Progress notes: one per attended session, a draft until its author signs it, then locked."""

    queryset = ProgressNote.objects.none()
    lookup_value_regex = UUID_PATTERN

    @extend_schema(
        summary="List progress notes",
        description="Notes of the couples you can see, most recent session first, without their text.",
        parameters=[NoteFilterInput],
        responses={200: NoteRowOutput(many=True), **error_responses(400, 401, 403)},
    )
    def list(self, request):
        filters = validated(NoteFilterInput, request.query_params)
        couple_id = filters.pop("couple", None)
        page = self.paginate_queryset(selectors.note_rows_for(request.user, couple_id=couple_id, **filters))
        record_event("note.list", actor=request.user, couple_id=couple_id, detail={"shown": len(page)})
        return self.get_paginated_response(NoteRowOutput(page, many=True).data)

    @extend_schema(summary="Read a progress note", responses={200: NoteOutput, **error_responses(401, 403, 404)})
    def retrieve(self, request, pk=None):
        note = selectors.get_note_for_user(request.user, pk)
        record_event("note.view", actor=request.user, obj=note, detail={"view": "api"})
        return Response(NoteOutput(note).data)

    @extend_schema(
        summary="Start the draft note of a session",
        description="Only for an attended session, or a scheduled one whose time has come (it is then recorded "
                    "as attended); if the session has a note already, that note is returned (200) instead of a "
                    "new one (201). A new draft has the active plan's interventions ticked.",
        request=NoteCreateInput,
        responses={201: NoteOutput, 200: NoteOutput, **error_responses(400, 401, 403, 404)},
    )
    def create(self, request):
        data = validated(NoteCreateInput, request.data)
        session = selectors.get_session_for_user(request.user, data["session"], write=True)
        note, created = note_services.note_start(session=session, by=request.user, template=data.get("template"))
        return Response(_note_out(request, note.pk), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Save the draft",
        description="The author only. Send the `version` you last read: if the draft was saved since (another "
                    "tab or device), nothing changes and the answer is 409 with the current version. A signed "
                    "note cannot change (409 `note_signed`).",
        request=NoteUpdateInput,
        responses={200: NoteOutput, 409: LOCKED_409, **error_responses(400, 401, 403, 404)},
    )
    def partial_update(self, request, pk=None):
        note = selectors.get_own_draft_for_user(request.user, pk)
        if note.is_signed:
            raise NoteSigned()
        data = validated(NoteUpdateInput, request.data)
        try:
            note_services.note_save_draft(
                note=note, by=request.user, base_version=data["version"], template=data.get("template"),
                content=_sections(note, data),
                risk=_risk(note, data["risk"]) if "risk" in data else None,
                interventions_used=data.get("interventions_used"),
                objective_ratings=_ratings(data["objective_ratings"]) if "objective_ratings" in data else None,
            )
        except NoteLocked:
            raise NoteSigned() from None
        return Response(_note_out(request, note.pk))

    @extend_schema(
        summary="Sign and lock the draft",
        description="The author only, with their password or a current authenticator code (a wrong one is a 400 "
                    "on `secret`, audited). Every section must be written and the risk check answered (both "
                    "partners after a joint session, the attending partner after an individual one), with a "
                    "safety plan for any concern. Everything is checked in one round: one 400 lists every "
                    "problem in `error.fields`, keyed by field (`secret`, the section keys, "
                    "`risk_<partner>_<item>`, `risk_<partner>_safety_plan`, and `confirm_open_risk` when `none` is "
                    "answered where the risk register has an open risk of that kind and `confirm_open_risk` is not "
                    "true). With a supervisor, the note then awaits co-signature.",
        request=NoteSignInput,
        responses={200: NoteOutput, 409: LOCKED_409, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        note = selectors.get_own_draft_for_user(request.user, pk)
        if note.is_signed:
            raise NoteSigned("This note is already signed.")
        data = validated(NoteSignInput, request.data)
        if not data["confirm_open_risk"] and selectors.none_despite_open_risk(note):
            # Every other problem in the same 400, as note_sign would list them.
            problems: dict[str, list[Any]] = dict(sign_problems(
                template=note.template, content=note.content or {}, risk=note.risk or {},
                restricted_to_partner=note.restricted_to_partner))
            secret_errors, _wait = note_services.sign_secret_problems(by=request.user, secret=data["secret"])
            if secret_errors:
                problems["secret"] = secret_errors
            problems["confirm_open_risk"] = [OPEN_RISK_UNCONFIRMED]
            raise ValidationError(problems)
        try:
            note_services.note_sign(note=note, by=request.user, secret=data["secret"], base_version=data["version"])
        except NoteLocked:
            raise NoteSigned("This note is already signed.") from None
        return Response(_note_out(request, note.pk))

    @extend_schema(
        methods=["GET"], summary="List a note's addenda",
        responses={200: AddendumOutput(many=True), **error_responses(401, 403, 404)},
    )
    @extend_schema(
        methods=["POST"], summary="Add a signed addendum to a signed note",
        description="Anyone who may change the couple's record, with their password or a current authenticator "
                    "code. The note itself never changes.",
        request=AddendumInput,
        responses={201: AddendumOutput, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def addenda(self, request, pk=None):
        if request.method == "GET":
            note = selectors.get_note_for_user(request.user, pk)
            record_event("note.view", actor=request.user, obj=note, detail={"view": "api_addenda"})
            return Response(AddendumOutput(note.addenda.all(), many=True).data)
        note = selectors.get_note_for_user(request.user, pk, write=True)
        data = validated(AddendumInput, request.data)
        addendum = note_services.addendum_create(note=note, by=request.user, **data)
        addendum = note.addenda.model.objects.select_related("author").get(pk=addendum.pk)
        return Response(AddendumOutput(addendum).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("notes", NoteViewSet, basename="note")
