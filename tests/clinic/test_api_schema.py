"""The OpenAPI document and Swagger UI: a valid schema, and docs served from our own static files only."""

from __future__ import annotations

import re

import pytest
import yaml
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

API_PATHS = {
    "/api/v1/auth/token/": {"post", "delete"},
    "/api/v1/couples/": {"get", "post"},
    "/api/v1/couples/{id}/": {"get", "patch"},
    "/api/v1/couples/{couple_pk}/care-team/": {"get", "post"},
    "/api/v1/couples/{couple_pk}/care-team/{id}/end/": {"post"},
    "/api/v1/couples/{couple_pk}/partners/{position}/": {"patch"},
    "/api/v1/clients/": {"get", "post"},
    "/api/v1/clients/{id}/": {"get", "patch"},
}


@pytest.fixture
def schema(cast, login) -> dict:
    response = login(cast.therapist).get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_a_valid_openapi_document(schema):
    validate_schema(schema)  # raises on an invalid document
    assert schema["openapi"].startswith("3.")
    documented = {path: set(ops) - {"parameters"} for path, ops in schema["paths"].items()}
    assert {path: documented.get(path) for path in API_PATHS} == API_PATHS


def test_schema_documents_both_authentications_and_the_error_format(schema):
    assert set(schema["components"]["securitySchemes"]) == {"sessionAuth", "tokenAuth"}
    assert "security" not in schema  # nothing global: each operation says what it needs
    assert schema["paths"]["/api/v1/auth/token/"]["post"].get("security", []) in ([], [{}])  # needs none
    assert {"sessionAuth": []} in schema["paths"]["/api/v1/couples/"]["get"]["security"]
    patch = schema["paths"]["/api/v1/couples/{id}/"]["patch"]
    assert patch["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    body = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][body]["required"] == ["version"]


def test_manager_summary_schema_has_no_clinical_fields(schema):
    summary = schema["components"]["schemas"]["CoupleSummaryOutput"]["properties"]
    assert set(summary) == {"id", "reference", "status", "start_date", "end_date", "primary_therapist"}


def test_anonymous_cannot_read_schema_or_docs(client):
    assert client.get("/api/schema/").status_code == 401
    assert client.get("/api/docs/").status_code == 401


def test_swagger_ui_loads_only_our_own_static_files(cast, login):
    client = login(cast.therapist)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert urls, "the page should load Swagger UI"
    init_script = "/api/docs/?script="
    assert all(url.startswith("/static/") or url == init_script for url in urls), urls
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script would be blocked by the CSP"
    assert "<style" not in html, "inline style would be blocked by the CSP"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    script = client.get(init_script)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    for url in urls:
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url
