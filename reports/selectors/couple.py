"""Reads for one couple's reports (progress report, treatment / discharge summary).

Every function takes a couple the caller fetched through clinic.access (or Couple.objects.visible_to) and
issues a fixed number of queries, however many sessions, notes, administrations or progress points there
are: the builders in reports.builders turn the rows into plain frozen dataclasses, so no template queries.

Psychotherapy notes are never read here, and only notes signed by their own author (final, or awaiting a
supervisor's co-signature) are: drafts and returned notes never reach a report.
"""

from __future__ import annotations

import datetime
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Max, Min, Prefetch, QuerySet, prefetch_related_objects

from clinic.models import CareRole, CareTeamMember, Couple, Partner
from notes.models import Addendum, NoteStatus, ProgressNote, Session
from plans.instruments import Instrument
from plans.models import (
    SIGNED_PLAN_STATUSES,
    Goal,
    Intervention,
    MeasureAdministration,
    Objective,
    Problem,
    ProgressPoint,
    TreatmentPlan,
)
from plans.selectors.instruments import instruments_for
from rapport.locale import day_start

REPORTABLE_NOTE_STATUSES = (NoteStatus.FINAL, NoteStatus.AWAITING_COSIGN)
MEASURE_FIELDS = ("id", "couple_id", "partner", "instrument", "administered_on", "total", "band", "missing_items",
                  "prorated", "source")


def period_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start of `start`, start of the day after `end`): the period as aware datetimes."""
    return day_start(start), day_start(end + datetime.timedelta(days=1))


# --- The couple -----------------------------------------------------------------------------------


def partners_of(couple: Couple) -> list[Partner]:
    """Both partners with their clients (one query, or none if the caller prefetched them)."""
    return sorted(couple.partners.all(), key=lambda p: p.position) if _prefetched(couple, "partners") else list(
        Partner.objects.filter(couple=couple).select_related("client").order_by("position"))


def therapists_of(couple: Couple, on: datetime.date | None = None) -> list[CareTeamMember]:
    """The care team's therapists (primary first, then co-therapists) on `on` (default today): one query."""
    members = CareTeamMember.objects.current(on).filter(
        couple=couple, role__in=[CareRole.PRIMARY, CareRole.CO_THERAPIST]).select_related("user")
    return sorted(members, key=lambda m: (m.role != CareRole.PRIMARY, m.start_date, m.user.get_full_name()))


def _prefetched(obj: Any, name: str) -> bool:
    return name in getattr(obj, "_prefetched_objects_cache", {})


# --- Treatment plan -------------------------------------------------------------------------------


def _plan_structure(plan: TreatmentPlan) -> TreatmentPlan:
    """Problems -> goals -> objectives and interventions of one plan: four queries."""
    goals = Goal.objects.order_by("position", "id").prefetch_related(
        Prefetch("objectives", queryset=Objective.objects.order_by("position", "id")),
        Prefetch("interventions", queryset=Intervention.objects.order_by("position", "id")),
    )
    problems = Problem.objects.order_by("position", "id").prefetch_related(Prefetch("goals", queryset=goals))
    prefetch_related_objects([plan], Prefetch("problems", queryset=problems))
    return plan


def plan_versions(couple: Couple) -> list[TreatmentPlan]:
    """Every signed version of the couple's plan (active, superseded or closed), oldest first, without its text
    but with its diagnoses (a few ICD-10-CM codes, decrypted only for the version the report shows)."""
    return list(
        TreatmentPlan.objects.filter(couple=couple, status__in=SIGNED_PLAN_STATUSES)
        .only("id", "couple_id", "number", "status", "signed_at", "superseded_at", "review_due", "signed_by",
              "partner_a_ack_on", "partner_a_ack_method", "partner_b_ack_on", "partner_b_ack_method", "diagnoses")
        .select_related("signed_by").order_by("number")
    )


def plan_in_effect(versions: list[TreatmentPlan], on: datetime.datetime) -> TreatmentPlan | None:
    """The version that was active at the moment `on` (from `plan_versions`)."""
    for plan in reversed(versions):
        if plan.signed_at and plan.signed_at < on and (plan.superseded_at is None or plan.superseded_at >= on):
            return plan
    return None


def plan_with_structure(plan: TreatmentPlan | None) -> TreatmentPlan | None:
    if plan is None:
        return None
    return _plan_structure(plan)


def progress_points_of(couple: Couple, lineages: Iterable[uuid.UUID], *, until: datetime.date
                       ) -> dict[uuid.UUID, list[ProgressPoint]]:
    """Progress points of the given objective lineages up to `until`, oldest first, by lineage (one query)."""
    lineages = set(lineages)
    by_lineage: dict[uuid.UUID, list[ProgressPoint]] = defaultdict(list)
    if not lineages:
        return by_lineage
    points = (
        ProgressPoint.objects.filter(couple_id=couple.pk, objective_lineage__in=lineages, recorded_on__lte=until)
        .only("id", "couple_id", "objective_lineage", "recorded_on", "value", "recorded_at", "partner",
              "client_reported")
        .order_by("recorded_on", "recorded_at", "id")
    )
    for point in points:
        by_lineage[point.objective_lineage].append(point)
    return by_lineage


# --- Measures -------------------------------------------------------------------------------------


def administrations_until(couple: Couple, until: datetime.date) -> list[MeasureAdministration]:
    """Every administration up to `until`, oldest first, without the encrypted answers (one query)."""
    return list(
        MeasureAdministration.objects.filter(couple=couple, administered_on__lte=until).only(*MEASURE_FIELDS)
        .order_by("administered_on", "partner", "instrument", "recorded_at")
    )


def instruments_of(couple: Couple) -> dict[str, Instrument]:
    """Built-in instruments and the practice's own, by code (one query)."""
    return instruments_for(couple.practice_id)


# --- Sessions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionCounts:
    """Sessions by (kind, attendance), with the first and last date of an attended session."""

    counts: Counter
    first_attended: datetime.datetime | None
    last_attended: datetime.datetime | None
    service_codes: Counter = field(default_factory=Counter)  # attended sessions by billing code ("" = none)


def session_counts(couple: Couple, *, start: datetime.datetime | None = None, end: datetime.datetime | None = None,
                   exclude_kinds: Iterable[str] = ()) -> SessionCounts:
    """Counts of the couple's sessions by kind and attendance, in [start, end) when given: two queries."""
    sessions = Session.objects.filter(couple=couple).exclude(kind__in=list(exclude_kinds))
    if start is not None:
        sessions = sessions.filter(starts_at__gte=start)
    if end is not None:
        sessions = sessions.filter(starts_at__lt=end)
    counts: Counter = Counter()
    codes: Counter = Counter()
    for row in sessions.values("kind", "attendance", "service_code").annotate(n=Count("id")).order_by():
        counts[(row["kind"], row["attendance"])] += row["n"]
        if row["attendance"] == "attended":
            codes[row["service_code"]] += row["n"]
    span = sessions.filter(attendance="attended").aggregate(first=Min("starts_at"), last=Max("starts_at"))
    return SessionCounts(counts, span["first"], span["last"], codes)


# --- Notes ----------------------------------------------------------------------------------------


def signed_notes(couple: Couple) -> QuerySet[ProgressNote]:
    """Notes that may appear in a report: signed by their author, final or awaiting co-signature.

    Never drafts, never notes a supervisor returned, never psychotherapy notes (another model)."""
    return ProgressNote.objects.filter(
        couple=couple, status__in=REPORTABLE_NOTE_STATUSES, signed_at__isnull=False, signed_by_id=F("author_id"),
    )


def signed_notes_in_period(couple: Couple, start: datetime.datetime, end: datetime.datetime,
                           *, exclude_kinds: Iterable[str] = ()) -> list[ProgressNote]:
    """Reportable notes of sessions in [start, end), oldest first, each with its session, signers and
    addenda (two queries)."""
    notes = (
        signed_notes(couple).filter(session_starts_at__gte=start, session_starts_at__lt=end)
        .exclude(session__kind__in=list(exclude_kinds))
        .select_related("session", "signed_by", "cosigned_by")
        .defer("risk", "interventions_used", "return_comment")
        .prefetch_related(Prefetch("addenda", queryset=Addendum.objects.select_related("author").order_by("signed_at")))
        .order_by("session_starts_at", "id")
    )
    return list(notes)


def latest_signed_note(couple: Couple, *, kinds: Iterable[str] | None = None) -> ProgressNote | None:
    """The couple's most recent reportable note (optionally of sessions of `kinds` only): one query."""
    notes = signed_notes(couple)
    if kinds is not None:
        notes = notes.filter(session__kind__in=list(kinds))
    return (notes.select_related("session", "signed_by").defer("risk", "interventions_used", "return_comment")
            .order_by("-session_starts_at", "-signed_at").first())


__all__ = [
    "REPORTABLE_NOTE_STATUSES", "SessionCounts", "administrations_until", "day_start",
    "instruments_of", "latest_signed_note", "partners_of", "period_bounds", "plan_in_effect", "plan_versions",
    "plan_with_structure", "progress_points_of", "session_counts", "signed_notes", "signed_notes_in_period",
    "therapists_of",
]
