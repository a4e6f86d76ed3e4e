"""The OpenAPI document beyond each view's `extend_schema`: a postprocessing hook
(SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) and the role-dependent responses it rewrites.

What per-view `extend_schema` cannot say once for all: every paginated list can answer 404 for a page
past the last one, and a proxy of "either shape" whose richer shape has every field of the poorer one
(e.g. a clinician's couple row or a manager's summary) is satisfied by both, so it is `anyOf`, not `oneOf`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from .api import ERROR_DESCRIPTIONS

# Component names of the proxies made by superset_proxy().
SUPERSET_PROXIES: set[str] = set()
PAGE_NOT_FOUND = "No such page: `page` is past the last page or not a positive whole number."


def superset_proxy(component_name: str, choices: list[type[serializers.Serializer]],
                   **kwargs: Any) -> PolymorphicProxySerializer:
    """A response of one of `choices` (the view picks by role), each including every field of the next."""
    SUPERSET_PROXIES.add(component_name)
    return PolymorphicProxySerializer(component_name=component_name, serializers=choices,
                                      resource_type_field_name=None, **kwargs)


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
