"""Entries the partners made themselves in the portal (source "client") that no clinician has reviewed yet:
the "New client entries" list of the therapist's Today, one row per couple. References, counts and times
only, never what was written. A questionnaire whose risk question was left blank is not only a new entry: it
stays on Today's "Ask at the next contact" until followed up (plans.selectors.measures.risk_questions_to_ask),
whatever the review of the entries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, Max, Value

from clinic.models import Couple
from plans.models import BehaviouralExperiment, CheckingLogEntry, EntrySource, MeasureAdministration, ThoughtRecord

# (model, label, the column that says when it was entered)
CLIENT_ENTRY_MODELS = (
    (MeasureAdministration, "questionnaires", "recorded_at"),
    (CheckingLogEntry, "checking log entries", "created_at"),
    (ThoughtRecord, "thought records", "created_at"),
    (BehaviouralExperiment, "behavioural experiments", "created_at"),
)

SINGULAR = {"questionnaires": "questionnaire", "checking log entries": "checking log entry",
            "thought records": "thought record", "behavioural experiments": "behavioural experiment"}


@dataclass
class ClientEntriesRow:
    couple_id: Any
    couple_reference: str
    counts: dict[str, int]
    latest: datetime.datetime

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def only_questionnaires(self) -> bool:
        """Whether the measures tab shows them all (else the homework, thought records and logs page)."""
        return self.counts["questionnaires"] == self.total

    @property
    def summary(self) -> str:
        return ", ".join(f"{count} {label if count > 1 else SINGULAR[label]}" for label, count in self.counts.items()
                         if count)


def unreviewed_client_entries(model: type) -> Any:
    return model.objects.filter(source=EntrySource.CLIENT, client_reviewed_at__isnull=True)


def client_entries_to_review(user: Any) -> list[ClientEntriesRow]:
    """Per couple `user` may see, the partners' portal entries not yet reviewed; newest first. One query (a
    UNION of one grouped count per kind of entry), however many couples and entries."""
    return _rows({"couple__in": Couple.objects.visible_to(user)})


def client_entries_of(couple: Couple) -> ClientEntriesRow | None:
    """The couple's unreviewed portal entries (the couple overview), or None when there are none. One query.
    `couple` comes from clinic.access."""
    rows = _rows({"couple_id": couple.pk})
    return rows[0] if rows else None


def _rows(couples: dict[str, Any]) -> list[ClientEntriesRow]:
    """`couples`: the filter that picks the couples (a subquery of a caseload, or one couple's id)."""
    parts = [
        unreviewed_client_entries(model).filter(**couples)
        .values("couple_id", "couple__reference")
        .annotate(kind=Value(index, output_field=IntegerField()), n=Count("id"), latest=Max(at))
        .values_list("couple_id", "couple__reference", "kind", "n", "latest").order_by()
        for index, (model, _, at) in enumerate(CLIENT_ENTRY_MODELS)
    ]
    rows: dict[Any, ClientEntriesRow] = {}
    for couple_id, reference, kind, n, latest in parts[0].union(*parts[1:], all=True):
        entry = rows.setdefault(couple_id, ClientEntriesRow(
            couple_id, reference, {label: 0 for _, label, _ in CLIENT_ENTRY_MODELS}, latest))
        entry.counts[CLIENT_ENTRY_MODELS[kind][1]] = n
        entry.latest = max(entry.latest, latest)
    return sorted(rows.values(), key=lambda r: (r.latest, str(r.couple_id)), reverse=True)
