"""The ICD-10-CM codes a plan may record, per partner and for the relationship.

A small curated list for couples work on trust issues and relationship anxiety, not the whole
classification: codes and titles from the ICD-10-CM Tabular List of Diseases and Injuries (National
Center for Health Statistics / CMS, FY2026 release, https://www.cdc.gov/nchs/icd/icd-10-cm/). ICD-10-CM is
in the public domain (a US government work). A diagnosis is the treating clinician's judgement; Rapport
only records it. Z63.0 "Problems in relationship with spouse or partner" is the code for the relationship
itself (ICD-10-CM chapter 21, Z55-Z65: factors influencing health status): it is not a mental disorder and
is the usual focus-of-care code for couples therapy.

Stored on the plan (plans.models.TreatmentPlan.diagnoses, encrypted under the couple's key) as
{"a": [codes], "b": [codes], "relationship": [codes]} (partner keys: clinic.models.PartnerPosition); shown
on the plan page, in the plan API and in the couple progress report, never to the practice manager.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

# For each partner: anxiety, depressive and adjustment disorders, PTSD, and the Z63.0 relationship code.
PARTNER_CODES: dict[str, str] = {
    "F41.1": "Generalized anxiety disorder",
    "F41.9": "Anxiety disorder, unspecified",
    "F32.0": "Major depressive disorder, single episode, mild",
    "F32.1": "Major depressive disorder, single episode, moderate",
    "F32.2": "Major depressive disorder, single episode, severe without psychotic features",
    "F32.9": "Major depressive disorder, single episode, unspecified",
    "F32.A": "Depression, unspecified",
    "F33.0": "Major depressive disorder, recurrent, mild",
    "F33.1": "Major depressive disorder, recurrent, moderate",
    "F33.2": "Major depressive disorder, recurrent severe without psychotic features",
    "F33.9": "Major depressive disorder, recurrent, unspecified",
    "F43.10": "Post-traumatic stress disorder, unspecified",
    "F43.20": "Adjustment disorder, unspecified",
    "F43.21": "Adjustment disorder with depressed mood",
    "F43.22": "Adjustment disorder with anxiety",
    "F43.23": "Adjustment disorder with mixed anxiety and depressed mood",
    "F43.24": "Adjustment disorder with disturbance of conduct",
    "F43.25": "Adjustment disorder with mixed disturbance of emotions and conduct",
    "Z63.0": "Problems in relationship with spouse or partner",
}

# For the relationship: Z codes only (problems related to primary support group).
RELATIONSHIP_CODES: dict[str, str] = {
    "Z63.0": "Problems in relationship with spouse or partner",
    "Z63.5": "Disruption of family by separation and divorce",
}

SCOPES: dict[str, tuple[str, dict[str, str]]] = {
    "a": ("Partner A", PARTNER_CODES),
    "b": ("Partner B", PARTNER_CODES),
    "relationship": ("The relationship", RELATIONSHIP_CODES),
}

MAX_CODES = 6


def empty() -> dict[str, list[str]]:
    return {scope: [] for scope in SCOPES}


def title(code: str) -> str:
    return PARTNER_CODES.get(code) or RELATIONSHIP_CODES.get(code) or "Unknown code"


def clean(value: object) -> dict[str, list[str]]:
    """`value` as {"a": [...], "b": [...], "relationship": [...]} of known codes, each list in the order of
    the curated list, without repeats. Anything else raises ValidationError keyed by scope (a field name
    `diagnoses_<scope>` on the page) with a message that names the allowed codes' kind, never the input."""
    if not isinstance(value, dict) or set(value) - set(SCOPES):
        raise ValidationError({"diagnoses": "Give diagnoses for a, b and relationship only."})
    cleaned, errors = empty(), {}
    for scope, (label, allowed) in SCOPES.items():
        codes = value.get(scope) or []
        if not isinstance(codes, list | tuple) or not all(isinstance(code, str) for code in codes):
            errors[f"diagnoses_{scope}"] = f"{label}: give a list of ICD-10-CM codes."
            continue
        codes = [code.strip().upper() for code in codes]
        unknown = [code for code in codes if code not in allowed]
        if unknown:
            kind = "Z63.0 or Z63.5" if scope == "relationship" else "a code from the list"
            errors[f"diagnoses_{scope}"] = f"{label}: choose {kind} ({len(unknown)} not recognised)."
            continue
        if len(set(codes)) > MAX_CODES:
            errors[f"diagnoses_{scope}"] = f"{label}: record at most {MAX_CODES} codes."
            continue
        cleaned[scope] = [code for code in allowed if code in set(codes)]
    if errors:
        raise ValidationError(errors)
    return cleaned


def lines(diagnoses: dict | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(scope label, [(code, title), ...]), ...] for display, scopes with no code left out."""
    diagnoses = diagnoses or {}
    return [(label, [(code, title(code)) for code in diagnoses.get(scope) or []])
            for scope, (label, _) in SCOPES.items() if diagnoses.get(scope)]
