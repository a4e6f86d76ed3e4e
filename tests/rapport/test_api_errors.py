"""rapport.api.exception_handler: one error format, and no submitted text echoed back."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from keys.errors import DecryptionError
from rapport.api import exception_handler
from rapport.versioning import StaleVersion

SECRET = "Alex disclosed the affair in session"


def context_with(data: dict) -> dict:
    from rest_framework.parsers import JSONParser

    request = Request(APIRequestFactory().post("/api/v1/x/", data, format="json"), parsers=[JSONParser()])
    return {"request": request, "view": None}


def test_model_choice_error_does_not_echo_the_value():
    exc = ValidationError({"status": ValidationError("Value %(value)r is not a valid choice.",
                                                     code="invalid_choice", params={"value": SECRET})})
    response = exception_handler(exc, context_with({"status": SECRET}))
    assert response.status_code == 400
    assert response.data == {"error": {"code": "invalid", "message": "The request has errors; see fields.",
                                       "fields": {"status": ["Choose one of the allowed values."]}}}


def test_any_message_quoting_submitted_text_is_replaced():
    exc = exceptions.ValidationError({"notes": [exceptions.ErrorDetail(f"'{SECRET}' is odd", code="custom")]})
    response = exception_handler(exc, context_with({"notes": SECRET}))
    assert response.data["error"]["fields"] == {"notes": ["This value is not valid."]}


def test_messages_not_quoting_input_are_kept_and_nested_fields_are_dotted():
    exc = exceptions.ValidationError({"partner": {"date": ["Give the date the screen was done."]},
                                      "items": [{"name": ["This field is required."]}]})
    response = exception_handler(exc, context_with({"partner": {"date": "2024-01-01"}}))
    assert response.data["error"]["fields"] == {
        "partner.date": ["Give the date the screen was done."],
        "items.0.name": ["This field is required."],
    }


def test_non_field_django_error_goes_under_non_field_errors():
    response = exception_handler(ValidationError("The two partners must be different people."), context_with({}))
    assert response.data["error"]["fields"] == {"non_field_errors": ["The two partners must be different people."]}


def test_stale_version_is_a_409_naming_the_current_version():
    response = exception_handler(StaleVersion(7), context_with({}))
    assert response.status_code == 409
    assert response.data["error"]["code"] == "conflict"
    assert response.data["error"]["current_version"] == 7


def test_django_404_and_403_use_the_format():
    assert exception_handler(Http404(SECRET), context_with({})).data == {
        "error": {"code": "not_found", "message": "Not found."}}
    response = exception_handler(PermissionDenied(SECRET), context_with({}))
    assert response.status_code == 403
    assert SECRET not in str(response.data)


def test_decryption_failure_is_500_without_details():
    response = exception_handler(DecryptionError(SECRET), context_with({}))
    assert response.status_code == 500
    assert response.data["error"]["code"] == "record_unreadable"
    assert SECRET not in str(response.data)
