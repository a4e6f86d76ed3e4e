"""The content hash of a signed note and of an addendum: what a signature covers, as canonical bytes, and its
SHA-256. notes.services.notes stores it when the note or addendum is signed; note_hash_matches tells anyone who
reads the note later whether its content is still what was signed.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal

from notes import note_templates
from notes.models import Addendum, ObjectiveRating, ProgressNote

CENT = Decimal("0.01")


def _canonical_value(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


def note_canonical_content(note: ProgressNote, ratings: list[ObjectiveRating] | None = None) -> bytes:
    """The bytes a signature covers: template, sections, risk, interventions and objective ratings."""
    if ratings is None:
        ratings = list(note.objective_ratings.all())
    content = note.content or {}
    payload = {
        "note": str(note.pk),
        "session": str(note.session_id),
        "template": note.template,
        "sections": {key: content.get(key, "") for key in note_templates.section_keys(note.template)},
        "risk": note.risk or {},
        "interventions": note.interventions_used or [],
        "objective_ratings": sorted(
            (
                # "partner" only when set, so notes signed before values were kept per partner hash as before.
                {"objective_lineage": str(r.objective_lineage), "value": _canonical_value(r.value),
                 "comment": r.comment, **({"partner": r.partner} if r.partner else {})}
                for r in ratings
            ),
            key=lambda item: (item["objective_lineage"], item.get("partner", "")),
        ),
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def note_content_hash(note: ProgressNote, ratings: list[ObjectiveRating] | None = None) -> str:
    return hashlib.sha256(note_canonical_content(note, ratings)).hexdigest()


def note_hash_matches(note: ProgressNote) -> bool:
    """Whether a signed note's content still matches the hash stored when it was signed."""
    return bool(note.content_hash) and note.content_hash == note_content_hash(note)


def addendum_content_hash(addendum: Addendum) -> str:
    payload = {
        "addendum": str(addendum.pk),
        "note": str(addendum.note_id),
        "kind": addendum.kind,
        "text": addendum.text,
        "author": str(addendum.author_id),
        # In UTC, as the database gives it back: the hash must not depend on the zone the moment was made in.
        "signed_at": addendum.signed_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
