"""Couples by name, for clinicians: the display name "Amara & Ben" and the search by part of a name.

Client names are encrypted under the practice key. Both reads here decrypt, in memory, the names of the
couples the user may see (Couple.objects.visible_to) and nothing else: no new index derived from the names
is stored, so nothing in the database reveals a name's letters, length or shared fragments (a keyed n-gram
index would: equal n-grams give equal tokens, so the table would show which clients share "son" or "ann").
A clinician's caseload is bounded (tens to a few hundred couples), so the cost per request is one query and
a few hundred field decryptions (bench/search_bench.py measures it; README "Finding a couple").

Never for practice-manager pages, audit events, logs or URLs: those show the reference alone.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from clinic.models import Client, Couple, Partner

NAME_COLUMNS = ("first_name", "last_name", "preferred_name")


def fold(text: str) -> str:
    """`text` without accents, case or repeated spaces: "Zoë  O'Neil" -> "zoe o'neil" (NFKD, then casefold)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().split())


def called(client: Client) -> str:
    """What the therapist calls a client: the preferred name, else the first name."""
    return client.preferred_name or client.first_name


def display_name(clients: Iterable[Client]) -> str:
    """The couple's name from its partners' clients, in partner order: "Amara & Ben"."""
    return " & ".join(called(client) for client in clients)


def _partner_rows(user: Any, couple_ids: Iterable[Any] | None = None) -> Any:
    """Partners (with their clients' names only) of couples `user` can see: one query."""
    rows = (
        Partner.objects.filter(couple__in=Couple.objects.visible_to(user))
        .select_related("client")
        .only("couple_id", "position", "client__id", "client__practice_id", *(f"client__{c}" for c in NAME_COLUMNS))
        .order_by("couple_id", "position")
    )
    if couple_ids is not None:
        rows = rows.filter(couple_id__in=list(couple_ids))
    return rows


def _clients_by_couple(rows: Iterable[Partner]) -> dict[Any, list[Client]]:
    clients: dict[Any, list[Client]] = {}
    for partner in rows:
        clients.setdefault(partner.couple_id, []).append(partner.client)
    return clients


def couple_names_for(user: Any, couple_ids: Iterable[Any]) -> dict[Any, str]:
    """{couple id: "Amara & Ben"} for those of `couple_ids` that `user` can see (one query, whatever the number).

    Clinicians only: for anyone else (a practice manager) the answer is empty, so pages show the reference alone.
    """
    ids = {couple_id for couple_id in couple_ids if couple_id is not None}
    if not ids or not getattr(user, "is_clinician", False):
        return {}
    by_couple = _clients_by_couple(_partner_rows(user, ids))
    return {couple_id: display_name(clients) for couple_id, clients in by_couple.items()}


def names_of_listed(couples: Iterable[Couple]) -> dict[Any, str]:
    """{couple id: name} for couples whose partners and clients are already prefetched (couples_for_list):
    no query, the names are decrypted from the loaded rows."""
    return {
        couple.pk: display_name(p.client for p in sorted(couple.partners.all(), key=lambda p: p.position))
        for couple in couples
    }


def _folded_names(client: Client) -> tuple[str, ...]:
    """The client's first, last, preferred and full name, folded; each encrypted column decrypted once."""
    first, last, preferred = (getattr(client, column) for column in NAME_COLUMNS)
    return tuple(fold(name) for name in (first, last, preferred, f"{first} {last}") if name)


def matches(clients: Iterable[Client], folded_query: str) -> bool:
    """True if the folded query is part of a partner's first, last, preferred or full name."""
    return any(folded_query in name for client in clients for name in _folded_names(client))


def search_couples(user: Any, query: str) -> tuple[list[Any], dict[Any, str]]:
    """Ids of the couples `user` can see with a partner whose first, last or preferred name contains `query`
    (case and accents ignored), and the display names of the matching couples (already decrypted).

    One query for the partners' names of the visible caseload, decrypted and folded in memory; nothing is
    stored or cached. The caller loads the couples it lists from the ids.
    """
    folded = fold(query)
    if not folded or not getattr(user, "is_clinician", False):
        return [], {}
    found: dict[Any, str] = {}
    for couple_id, clients in _clients_by_couple(_partner_rows(user)).items():
        if matches(clients, folded):
            found[couple_id] = display_name(clients)
    return list(found), found
