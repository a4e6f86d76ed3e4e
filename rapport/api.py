"""What every app's API shares: pagination, role permissions, id patterns, input validation, the versioned
update body and one error format.

Every error is `{"error": {"code", "message", "fields"?, ...}}`. Messages never echo what was submitted:
field messages that would quote the input are replaced by a fixed message for their error code.

Part of the project's shared kit: it imports no domain app. Roles are read from the user by duck typing
(`user.is_clinician`, `user.is_practice_manager`, `user.is_practice_admin`), as clinic.models.User defines them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.metadata import SimpleMetadata
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from keys.errors import CryptoError
from rapport.versioning import StaleVersion

logger = logging.getLogger("rapport.api")

# Path patterns of the router's lookups: record ids, and the codes of instruments.
UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
CODE_PATTERN = "[a-z0-9_-]+"


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class DescriptionOnlyMetadata(SimpleMetadata):
    """OPTIONS answers name, description and formats; our viewsets pick serializers per action and role."""

    def determine_actions(self, request, view) -> dict:
        return {}


# --- Roles ----------------------------------------------------------------------------------------
class IsClinician(permissions.BasePermission):
    """Therapists and supervisors: the only roles that read clinical text or client identity."""

    message = "Only therapists and supervisors can use this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_clinician)


class IsClinicianOrManager(permissions.BasePermission):
    """Clinicians, or practice managers (who are given non-clinical serializers)."""

    message = "Only therapists, supervisors and practice managers can use this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_clinician or user.is_practice_manager))


class IsClinicianOrAdmin(permissions.BasePermission):
    """Clinicians, or practice administrators (for data that holds nothing clinical, such as instruments)."""

    message = "Only therapists, supervisors and administrators can use this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_clinician or user.is_practice_admin))


class RolePermissionsMixin:
    """`action_permissions` maps a viewset action to its role check; IsClinician otherwise."""

    action_permissions: dict[str, type[permissions.BasePermission]] = {}
    metadata_class = DescriptionOnlyMetadata

    def get_permissions(self):
        role_check = self.action_permissions.get(self.action, IsClinician)
        return [permissions.IsAuthenticated(), role_check()]


# --- Input ----------------------------------------------------------------------------------------
CHOICE_ERROR = {"invalid_choice": "Choose one of the allowed values."}
UUID_ERROR = {"invalid": "Give the id (a UUID) of a record you can see."}


def validated(input_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> dict:
    """`data` (a body or the query parameters) checked by `input_class`; a 400 in the error format if invalid."""
    serializer = input_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def choice_field(choices, **kwargs) -> serializers.ChoiceField:
    """A choice whose error names no submitted value."""
    return serializers.ChoiceField(choices=choices, error_messages=CHOICE_ERROR, **kwargs)


def version_field(subject: str = "the record") -> serializers.IntegerField:
    """The edit counter a caller sends back; `subject` names what may have changed in the help text."""
    return serializers.IntegerField(
        min_value=1, help_text=f"The version you last read; if {subject} changed since, the answer is 409."
    )


# Every update body that carries `version` (rapport.versioning) extends this, so that the schema marks it
# required. No docstring on purpose: drf-spectacular would make it the description of every subclass.
class VersionedUpdateInput(serializers.Serializer):
    version = version_field()


class VersionedUpdateInputScheme(OpenApiSerializerExtension):
    """drf-spectacular drops `required` from PATCH bodies; `version` is required all the same."""

    target_class = VersionedUpdateInput
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["required"] = ["version"]
        return schema


# --- Errors ---------------------------------------------------------------------------------------
class Conflict(exceptions.APIException):
    """The record changed since the caller read it (409); the body names the current version."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "Someone else changed this record since you loaded it. Reload it and apply your change again."
    default_code = "conflict"

    def __init__(self, current_version: int) -> None:
        super().__init__()
        self.extra = {"current_version": current_version}


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many failed sign-in attempts. Wait a while and try again."
    default_code = "locked_out"

    def __init__(self, detail: str | None = None, *, wait: int | None = None) -> None:
        super().__init__(detail)
        self.wait = wait  # seconds; DRF's handler sends it as Retry-After


# Fixed wording for error codes whose stock message quotes the submitted value.
SAFE_FIELD_MESSAGES = {
    "invalid_choice": "Choose one of the allowed values.",
    "does_not_exist": "Choose a record you can see.",
    "invalid_pk_value": "Choose a record you can see.",
    "incorrect_type": "This value has the wrong type.",
    "not_a_list": "Give a list of values.",
    "invalid": "This value is not valid.",
}
GENERIC_FIELD_MESSAGE = "This value is not valid."
MIN_ECHO_LENGTH = 3  # shorter submitted values match by accident more often than they leak anything


def _error(code: str, message: str, http_status: int, fields: dict | None = None) -> Response:
    body: dict = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return Response(body, status=http_status)


def _submitted_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if len(value.strip()) >= MIN_ECHO_LENGTH:
            yield value.strip()
    elif hasattr(value, "lists"):  # QueryDict; keys are field names, which error bodies name anyway
        for _, items in value.lists():
            yield from _submitted_strings(items)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _submitted_strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _submitted_strings(item)


def _submitted(context: dict) -> list[str]:
    request = context.get("request")
    if request is None:
        return []
    values: list[str] = []
    with contextlib.suppress(exceptions.APIException):  # an unparsable body has nothing to echo
        values.extend(_submitted_strings(request.data))
    values.extend(_submitted_strings(request.query_params))
    return values


def _safe_message(message: Any, submitted: list[str]) -> str:
    text = str(message)
    code = getattr(message, "code", None)
    if code in SAFE_FIELD_MESSAGES and code != "invalid":
        return SAFE_FIELD_MESSAGES[code]
    if any(value in text for value in submitted):
        return SAFE_FIELD_MESSAGES.get(code or "", GENERIC_FIELD_MESSAGE)
    return text


def _flatten_fields(detail: Any, submitted: list[str], prefix: str = "") -> dict[str, list[str]]:
    """{"field": [messages]}; nested serializer errors become "parent.child" keys."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                fields.update(_flatten_fields(value, submitted, name))
            else:
                messages = value if isinstance(value, list) else [value]
                for index, message in enumerate(messages):
                    if isinstance(message, dict):
                        fields.update(_flatten_fields(message, submitted, f"{name}.{index}"))
                    else:
                        fields.setdefault(name, []).append(_safe_message(message, submitted))
    else:
        messages = detail if isinstance(detail, list) else [detail]
        fields["non_field_errors"] = [_safe_message(m, submitted) for m in messages]
    return fields


def _from_django_validation_error(exc: ValidationError) -> exceptions.ValidationError:
    """Keep each message's code, so that the echo guard can choose a fixed wording."""
    if hasattr(exc, "error_dict"):
        detail = {
            ("non_field_errors" if field == "__all__" else field): [
                exceptions.ErrorDetail(message, code=error.code) for error in errors for message in error
            ]
            for field, errors in exc.error_dict.items()
        }
    else:
        detail = {"non_field_errors": [exceptions.ErrorDetail(m, code=e.code) for e in exc.error_list for m in e]}
    return exceptions.ValidationError(detail)


def exception_handler(exc, context):
    """Every API error looks like {"error": {"code", "message", "fields"?}}. Messages never echo input."""
    if isinstance(exc, ValidationError) and getattr(exc, "http_status", None):
        # A refusal worded as a field error but not a mistake in the input (e.g. re-authentication throttled).
        fields = _flatten_fields(_from_django_validation_error(exc).detail, _submitted(context))
        errors = ([e for listed in exc.error_dict.values() for e in listed] if hasattr(exc, "error_dict")
                  else exc.error_list)
        first = errors[0]
        response = _error(first.code or "refused", next(iter(first)), exc.http_status, fields)
        if getattr(exc, "wait", None):
            response["Retry-After"] = str(exc.wait)
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ValidationError):
        exc = _from_django_validation_error(exc)
    elif isinstance(exc, StaleVersion):
        exc = Conflict(current_version=exc.current_version)
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ParseError("The request body could not be read. Send valid JSON.")
    elif isinstance(exc, CryptoError):
        logger.error("crypto failure %s", type(exc).__name__)
        return _error("record_unreadable", "This record could not be opened; the incident is logged.",
                      status.HTTP_500_INTERNAL_SERVER_ERROR)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_fields(exc.detail, _submitted(context))
        return _error("invalid", "The request has errors; see fields.", response.status_code, fields)
    detail = getattr(exc, "detail", "")
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    message = str(detail) or "Request failed."
    response.data = {"error": {"code": code, "message": message, **getattr(exc, "extra", {})}}
    return response


# --- The error format in the OpenAPI schema ------------------------------------------------------
ErrorOutput = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()), required=False
                ),
                "current_version": serializers.IntegerField(required=False),
            },
        )
    },
)

ERROR_DESCRIPTIONS = {
    400: "Validation failed: `error.fields` names each field and what to fix.",
    401: "Not signed in, or the token is unknown, expired or its user deactivated.",
    403: "Your role may not use this endpoint.",
    404: "No such record, or not one you can see.",
    409: "The record changed since you read it; `error.current_version` is the version now.",
    429: "Too many failed attempts: wait and try again.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for the given error statuses, all in the one error format."""
    return {code: OpenApiResponse(ErrorOutput, description=ERROR_DESCRIPTIONS[code]) for code in codes}
