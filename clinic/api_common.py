"""What every API endpoint shares: pagination and one error format."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .crypto.errors import CryptoError

logger = logging.getLogger("rapport.api")


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _error(code: str, message: str, http_status: int, fields: dict | None = None) -> Response:
    body: dict = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return Response(body, status=http_status)


def exception_handler(exc, context):
    """Every API error looks like {"error": {"code", "message", "fields"?}}. Messages never echo input."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, CryptoError):
        logger.error("crypto failure %s", type(exc).__name__)
        return _error("record_unreadable", "This record could not be decrypted. The failure was logged.",
                      status.HTTP_500_INTERNAL_SERVER_ERROR)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = {key: [str(m) for m in (value if isinstance(value, list) else [value])]
                  for key, value in detail.items()}
        return _error("invalid", "The request has errors; see fields.", response.status_code, fields)
    code = getattr(exc, "default_code", "error")
    message = str(getattr(exc, "detail", "")) or "Request failed."
    response.data = {"error": {"code": code, "message": message}}
    return response
