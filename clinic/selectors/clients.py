"""Reads of clients: finding one by name without the name ever being stored or queried in plain text."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from clinic.models import Client
from keys.blind_index import blind_index, normalise_name


def find_clients_by_name(*, practice_id: Any, name: str) -> list[Client]:
    """Clients whose full name or last name matches `name` exactly, after folding case, accents, spaces.

    Works on the blind index; decrypted names are compared again to drop truncated-HMAC collisions.
    """
    key = blind_index(practice_id, name)
    wanted = normalise_name(name)
    candidates = Client.objects.filter(practice_id=practice_id).filter(Q(name_index=key) | Q(last_name_index=key))
    return [c for c in candidates if wanted in (normalise_name(c.full_name), normalise_name(c.last_name))]
