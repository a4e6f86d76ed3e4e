"""Postprocessing of the OpenAPI document (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).

What per-view `extend_schema` cannot say once for all: every paginated list can answer 404 for a page
past the last one, and the couple proxies (clinical or summary row) describe "either shape", which a
superset row satisfies both of, so they are `anyOf`, not `oneOf`.
"""

from __future__ import annotations

from typing import Any

from .api_common import ERROR_DESCRIPTIONS

# Polymorphic components whose richer shape includes every field of the poorer one.
SUPERSET_PROXIES = ("CoupleRow", "CoupleView")
PAGE_NOT_FOUND = "No such page: `page` is past the last page or not a positive whole number."


def _error_response(description: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            "description": description}


def _operations(result: dict) -> list[dict]:
    return [operation for methods in result.get("paths", {}).values()
            for method, operation in methods.items() if method != "parameters"]


def document_common_errors(result: dict, generator, request, public) -> dict:
    """Declare the 404 of out-of-range pages and make the superset proxies `anyOf`."""
    for operation in _operations(result):
        parameters = operation.get("parameters", [])
        if any(p.get("in") == "query" and p.get("name") == "page" for p in parameters):
            responses = operation.setdefault("responses", {})
            if "404" in responses:
                responses["404"]["description"] = f"{ERROR_DESCRIPTIONS[404]} {PAGE_NOT_FOUND}"
            else:
                responses["404"] = _error_response(PAGE_NOT_FOUND)
    schemas = result.get("components", {}).get("schemas", {})
    for name in SUPERSET_PROXIES:
        if "oneOf" in schemas.get(name, {}):
            schemas[name]["anyOf"] = schemas[name].pop("oneOf")
    return result
