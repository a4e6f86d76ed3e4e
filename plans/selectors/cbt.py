"""Reads for the "Between sessions" tab and the CBT API: each kind of work of one couple, newest first.

One query per kind (four for the tab) and one for the labels of the objectives logs feed, however many
records there are.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from clinic.models import Couple
from plans.models import (
    BehaviouralExperiment,
    CheckingLogEntry,
    Distortion,
    Homework,
    Objective,
    PartnerScope,
    ThoughtRecord,
)
from plans.selectors.progress import objective_label
from plans.services.cbt import KINDS

ORDERING = {
    "thought-record": ("-occurred_on", "-created_at", "id"),
    "experiment": ("-planned_on", "-created_at", "id"),
    "checking": ("-occurred_on", "-created_at", "id"),
    "homework": ("-assigned_on", "-created_at", "id"),
}


def cbt_records(couple: Couple, kind: str, *, partner: str = "") -> QuerySet[Any]:
    """The couple's records of one kind (a key of plans.services.cbt.KINDS), newest first."""
    records = KINDS[kind].model.objects.filter(couple_id=couple.pk)
    if partner:
        records = records.filter(partner=partner)
    return records.order_by(*ORDERING[kind])


def objective_labels(couple: Couple, lineages: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """A short label for each objective lineage, from its most recent plan version (one query)."""
    wanted = {lineage for lineage in lineages if lineage is not None}
    if not wanted:
        return {}
    labels: dict[uuid.UUID, str] = {}
    objectives = (
        Objective.objects.filter(couple_id=couple.pk, lineage__in=wanted)
        .order_by("-goal__problem__plan__number", "id")
    )
    for objective in objectives:
        labels.setdefault(objective.lineage, objective_label(objective))
    return labels


@dataclass
class PartnerWork:
    """Everything recorded for one partner (or, for homework, for both)."""

    key: str
    label: str
    name: str = ""
    thought_records: list[ThoughtRecord] = field(default_factory=list)
    experiments: list[BehaviouralExperiment] = field(default_factory=list)
    checking_logs: list[CheckingLogEntry] = field(default_factory=list)
    homework: list[Homework] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.thought_records or self.experiments or self.checking_logs or self.homework)


def cbt_overview(couple: Couple) -> list[PartnerWork]:
    """Partner A, Partner B and "both partners" (homework set for the two of them), each with its work.

    Expects the couple's partners prefetched with their clients (clinic.access.get_couple_for_user does).
    Thought records carry `distortion_labels`; checking log entries `objective_name`, the label of the
    objective they feed.
    """
    names = {p.position: p.client.preferred_name or p.client.first_name for p in couple.partners.all()}
    sections = {
        key: PartnerWork(key, label, names.get(key, ""))
        for key, label in PartnerScope.choices
    }
    distortion_labels = dict(Distortion.choices)
    for record in cbt_records(couple, "thought-record"):
        record.distortion_labels = [distortion_labels.get(item, item) for item in record.distortions or []]
        sections[record.partner].thought_records.append(record)
    for record in cbt_records(couple, "experiment"):
        sections[record.partner].experiments.append(record)
    logs = list(cbt_records(couple, "checking"))
    labels = objective_labels(couple, (entry.objective_lineage for entry in logs))
    for entry in logs:
        entry.objective_name = labels.get(entry.objective_lineage, "")
        sections[entry.partner].checking_logs.append(entry)
    for item in cbt_records(couple, "homework"):
        sections[item.partner].homework.append(item)
    return [sections[PartnerScope.A], sections[PartnerScope.B], sections[PartnerScope.BOTH]]
