"""rapport.api.VersionedUpdateInput in the OpenAPI document: every app's update bodies that carry `version`.

drf-spectacular makes every field of a PATCH body optional; a client generated from the document would then
leave `version` out, and the write could not be checked against the version it started from.
"""

from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator

VERSIONED_PATCH_BODIES = {
    "PatchedCoupleUpdateInputRequest",
    "PatchedPlanUpdateInputRequest",
    "PatchedThoughtRecordUpdateInputRequest",
    "PatchedExperimentUpdateInputRequest",
    "PatchedCheckingLogUpdateInputRequest",
    "PatchedHomeworkUpdateInputRequest",
    "PatchedSessionUpdateInputRequest",
    "PatchedNoteUpdateInputRequest",
}


def _patch_bodies(document: dict) -> set[str]:
    names = set()
    for operations in document["paths"].values():
        patch = operations.get("patch")
        if patch and "requestBody" in patch:
            ref = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            names.add(ref.rsplit("/", 1)[1])
    return names


def test_every_patch_body_with_a_version_requires_it():
    document = SchemaGenerator().get_schema(request=None, public=True)
    schemas = document["components"]["schemas"]
    versioned = {name for name in _patch_bodies(document) if "version" in schemas[name]["properties"]}
    assert versioned == VERSIONED_PATCH_BODIES
    assert {name: schemas[name].get("required") for name in versioned} == {
        name: ["version"] for name in VERSIONED_PATCH_BODIES
    }


def test_the_schema_generates_without_a_warning(tmp_path):
    """drf-spectacular warns, and `check --deploy --fail-level WARNING` then fails, when two serializers of different
    apps share a component name (RiskAcknowledgeInput once did): catch it in the suite, not only in CI's last step."""
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
