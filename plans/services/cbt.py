"""Writes to CBT work between sessions: thought records, behavioural experiments, the checking /
reassurance log and homework, each for one partner (homework: one or both), encrypted under the couple's key.

Each function is keyword-only, validates (ratings 0-100, dates of things that happened not in the future,
no date before the couple's start, moods and distortions well formed) and full_clean()s, runs in one
transaction and writes its audit event in that transaction. Audit events name the record by UUID and list
changed field names, never values.
Every change to a checking log entry recounts the ISO week(s) it touches for the objective it feeds
(plans.services.progress.checking_log_week_recount), in the same transaction.

Callers have already checked that `by` may change the couple (clinic.access, write=True).
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import Couple, User
from clinic.services.record_dates import record_date_problem
from plans.models import (
    BehaviouralExperiment,
    CheckingLogEntry,
    Distortion,
    EntrySource,
    Homework,
    HomeworkStatus,
    PartnerScope,
    ThoughtRecord,
)
from plans.selectors.progress import objective_lineage_exists, objective_of_lineage
from plans.services import progress
from rapport.versioning import StaleVersion

RATING_MIN, RATING_MAX = 0, 100
MOOD_NAME_MAX = 60
MOODS_MAX = 10
RATING_MESSAGE = "Give a rating from 0 to 100."


@dataclass(frozen=True)
class CBTKind:
    """One kind of between-session work: its URL slug, model, writable fields and audit name."""

    slug: str
    model: type[models.Model]
    label: str
    fields: tuple[str, ...]
    audit: str


KINDS: dict[str, CBTKind] = {
    "thought-record": CBTKind(
        "thought-record", ThoughtRecord, "Thought record",
        ("partner", "occurred_on", "situation", "moods", "automatic_thought", "evidence_for", "evidence_against",
         "balanced_thought", "balanced_belief", "distortions", "belief_before", "belief_after", "objective_lineage"),
        "thought_record",
    ),
    "experiment": CBTKind(
        "experiment", BehaviouralExperiment, "Behavioural experiment",
        ("partner", "planned_on", "prediction", "belief_before", "experiment", "outcome", "belief_after", "learned",
         "prediction_confirmed", "objective_lineage"),
        "experiment",
    ),
    "checking": CBTKind(
        "checking", CheckingLogEntry, "Checking / reassurance log entry",
        ("partner", "occurred_on", "kind", "trigger", "resisted", "objective_lineage"),
        "checking_log",
    ),
    "homework": CBTKind(
        "homework", Homework, "Homework",
        ("partner", "assigned_on", "due_on", "description", "status", "reviewed_on", "review_note"),
        "homework",
    ),
}


def kind_of(record: models.Model) -> CBTKind:
    """The CBTKind of a record instance."""
    return next(kind for kind in KINDS.values() if isinstance(record, kind.model))


# --- Validation -------------------------------------------------------------------------------------


def _is_rating(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and RATING_MIN <= value <= RATING_MAX


def _check_rating(errors: dict[str, list[str]], record: Any, name: str, *, required: bool = False) -> None:
    value = getattr(record, name)
    if value is None:
        if required:
            errors.setdefault(name, []).append(RATING_MESSAGE)
    elif not _is_rating(value):
        errors.setdefault(name, []).append(RATING_MESSAGE)


def _check_past(errors: dict[str, list[str]], record: Any, name: str, message: str) -> None:
    value = getattr(record, name)
    if isinstance(value, datetime.date) and value > timezone.localdate():
        errors.setdefault(name, []).append(message)
    else:
        _check_after_start(errors, record, name)


def _check_after_start(errors: dict[str, list[str]], record: Any, name: str) -> None:
    """Nothing of the couple's work predates their care (clinic.services.record_dates, the shared rule)."""
    problem = record_date_problem(couple=record.couple, day=getattr(record, name), allow_future=True)
    if problem:
        errors.setdefault(name, []).append(problem)


def clean_moods(value: Any) -> list[dict[str, Any]]:
    """Moods as stored: [{"mood": name, "before": 0-100, "after": 0-100 or None}], at least one.
    Raises ValidationError({"moods": ...}) saying what to fix."""
    if not isinstance(value, list) or not value:
        raise ValidationError({"moods": "Name at least one mood and rate how strong it was (0 to 100)."})
    if len(value) > MOODS_MAX:
        raise ValidationError({"moods": f"Record at most {MOODS_MAX} moods."})
    cleaned = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise ValidationError({"moods": f"Mood {number}: give a name and a rating."})
        name = item.get("mood")
        if not isinstance(name, str) or not name.strip():
            raise ValidationError({"moods": f"Mood {number}: name the mood, for example anxious or angry."})
        if len(name.strip()) > MOOD_NAME_MAX:
            raise ValidationError({"moods": f"Mood {number}: use at most {MOOD_NAME_MAX} characters for its name."})
        before, after = item.get("before"), item.get("after")
        if not _is_rating(before):
            raise ValidationError({"moods": f"Mood {number}: rate it before, from 0 to 100."})
        if after is not None and not _is_rating(after):
            raise ValidationError({"moods": f"Mood {number}: re-rate it after, from 0 to 100, or leave it empty."})
        cleaned.append({"mood": name.strip(), "before": before, "after": after})
    return cleaned


def clean_distortions(value: Any) -> list[str]:
    """Distortion tags as stored: known values only, each once, in the order of plans.models.Distortion."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or any(item not in Distortion.values for item in value):
        raise ValidationError({"distortions": "Choose distortions from the list."})
    return [item for item in Distortion.values if item in value]


def _validate_thought_record(record: ThoughtRecord, errors: dict[str, list[str]]) -> None:
    _check_past(errors, record, "occurred_on", "The date of the situation cannot be in the future.")
    _check_rating(errors, record, "balanced_belief")
    _check_rating(errors, record, "belief_before")
    _check_rating(errors, record, "belief_after")
    _check_objective(errors, record)
    try:
        record.moods = clean_moods(record.moods)
    except ValidationError as error:
        errors.setdefault("moods", []).extend(error.message_dict["moods"])
    try:
        record.distortions = clean_distortions(record.distortions)
    except ValidationError as error:
        errors.setdefault("distortions", []).extend(error.message_dict["distortions"])


def _validate_experiment(record: BehaviouralExperiment, errors: dict[str, list[str]]) -> None:
    _check_rating(errors, record, "belief_before", required=True)
    _check_rating(errors, record, "belief_after")
    _check_objective(errors, record)
    if record.prediction_confirmed not in (None, True, False):
        errors.setdefault("prediction_confirmed", []).append("Say whether the prediction came true.")
    done = record.belief_after is not None or record.prediction_confirmed is not None or any(
        (getattr(record, name) or "").strip() for name in ("outcome", "learned")
    )
    if done:
        _check_past(errors, record, "planned_on",
                    "An experiment with an outcome has happened: its date cannot be in the future.")
    else:
        _check_after_start(errors, record, "planned_on")


def _check_objective(errors: dict[str, list[str]], record: Any) -> None:
    """A thought record or experiment may feed one of the couple's objectives for its partner or both."""
    if record.objective_lineage is None:
        return
    objective = objective_of_lineage(couple_id=record.couple_id, objective_lineage=record.objective_lineage)
    if objective is None:
        errors.setdefault("objective_lineage", []).append("Choose one of this couple's objectives.")
    elif objective.who not in (PartnerScope.BOTH, record.partner):
        errors.setdefault("objective_lineage", []).append(
            "Choose an objective for this partner or for both partners.")


def _feeds(record: Any) -> set[uuid.UUID]:
    lineage = getattr(record, "objective_lineage", None) if isinstance(record, ThoughtRecord | BehaviouralExperiment) \
        else None
    return {lineage} if lineage is not None else set()


def _sync_feeds(couple: Couple, lineages: set[uuid.UUID], by: User | None) -> None:
    for lineage in sorted(lineages, key=str):
        progress.objective_feed_sync(couple=couple, objective_lineage=lineage, by=by)


def _validate_checking(record: CheckingLogEntry, errors: dict[str, list[str]]) -> None:
    _check_past(errors, record, "occurred_on", "The date of the urge cannot be in the future.")
    if not isinstance(record.resisted, bool):
        errors.setdefault("resisted", []).append("Say whether the urge was resisted.")
    if record.objective_lineage is not None and not objective_lineage_exists(
        couple_id=record.couple_id, objective_lineage=record.objective_lineage
    ):
        errors.setdefault("objective_lineage", []).append("Choose one of this couple's objectives.")


def _validate_homework(record: Homework, errors: dict[str, list[str]]) -> None:
    _check_past(errors, record, "assigned_on", "The date it was set cannot be in the future.")
    _check_past(errors, record, "reviewed_on", "The review date cannot be in the future.")
    if record.assigned_on and record.due_on and record.due_on < record.assigned_on:
        errors.setdefault("due_on", []).append("The due date cannot be before the date it was set.")
    if record.assigned_on and record.reviewed_on and record.reviewed_on < record.assigned_on:
        errors.setdefault("reviewed_on", []).append("The review date cannot be before the date it was set.")
    if record.status != HomeworkStatus.ASSIGNED and record.reviewed_on is None:
        record.reviewed_on = timezone.localdate()


VALIDATORS: dict[str, Callable[[Any, dict[str, list[str]]], None]] = {
    "thought-record": _validate_thought_record,
    "experiment": _validate_experiment,
    "checking": _validate_checking,
    "homework": _validate_homework,
}


def _validate(kind: CBTKind, record: models.Model) -> None:
    errors: dict[str, list[str]] = {}
    VALIDATORS[kind.slug](record, errors)
    if errors:
        raise ValidationError(errors)
    record.full_clean(exclude=["couple", "created_by"])


# --- Writes -----------------------------------------------------------------------------------------


def _log_weeks(entry: CheckingLogEntry) -> set[tuple[uuid.UUID, datetime.date]]:
    if entry.objective_lineage is None or entry.occurred_on is None:
        return set()
    return {(entry.objective_lineage, progress.week_start(entry.occurred_on))}


def _recount(couple: Couple, weeks: set[tuple[uuid.UUID, datetime.date]], by: User | None) -> None:
    for lineage, monday in sorted(weeks, key=lambda item: (str(item[0]), item[1])):
        progress.checking_log_week_recount(couple=couple, objective_lineage=lineage, day=monday, by=by)


def cbt_record_create(*, kind: str, couple: Couple, by: User | None, fields: dict[str, Any],
                      source: str = EntrySource.CLINICIAN) -> models.Model:
    """Record one piece of between-session work of `kind` (a key of KINDS) for the couple.

    source="client": a partner's own entry from the portal (portal.services.homework): `by` is None, the
    audit actor is the signed-in partner of the request context. Homework itself is the clinician's.

    `fields` maps the kind's writable fields to values (others are ignored; a checking log entry's own
    `kind`, checking or reassurance, is one of them). A checking log entry that feeds an
    objective updates that objective's weekly count. Raises ValidationError naming each field to fix.
    """
    spec = KINDS[kind]
    if (source == EntrySource.CLINICIAN) == (by is None) or (source == EntrySource.CLIENT and kind == "homework"):
        raise ValueError("A clinician's entry names its clinician; a client's entry names none.")
    record = spec.model(couple=couple, created_by=by, **{k: v for k, v in fields.items() if k in spec.fields})
    if source == EntrySource.CLIENT:
        record.source = source
    _validate(spec, record)
    with transaction.atomic():
        record.save()
        record_event(f"cbt.{spec.audit}.create", actor=by, obj=record, detail={
            "partner": record.partner, **({"source": source} if source == EntrySource.CLIENT else {})})
        if isinstance(record, CheckingLogEntry):
            _recount(couple, _log_weeks(record), by)
        _sync_feeds(couple, _feeds(record), by)
    return record


def cbt_record_update(*, record: models.Model, by: User, fields: dict[str, Any],
                      base_version: int | None = None) -> models.Model:
    """Change a piece of between-session work. With `base_version`, refuse (StaleVersion, nothing
    written) if someone saved the record since that version. Fields left out keep their value.
    A checking log entry recounts the weeks it left and joined (date or objective changed); a thought record
    or experiment re-syncs the objectives it fed and feeds."""
    spec = kind_of(record)
    fields = dict(fields)
    with transaction.atomic():
        current = spec.model.objects.select_for_update().filter(pk=record.pk).values(
            "version", *(("occurred_on",) if spec.slug == "checking" else ()),
            *(("objective_lineage",) if "objective_lineage" in spec.fields else ()),
        ).get()
        fed_before = {current["objective_lineage"]} if current.get("objective_lineage") and \
            spec.slug in ("thought-record", "experiment") else set()
        if base_version is not None and current["version"] != base_version:
            raise StaleVersion(current["version"])
        weeks_before = set()
        if spec.slug == "checking" and current["objective_lineage"] is not None:
            weeks_before = {(current["objective_lineage"], progress.week_start(current["occurred_on"]))}
        if "distortions" in fields:
            with contextlib.suppress(ValidationError):  # reported by _validate below
                fields["distortions"] = clean_distortions(fields["distortions"])
        changed = [name for name, value in fields.items() if name in spec.fields and getattr(record, name) != value]
        for name in changed:
            setattr(record, name, fields[name])
        _validate(spec, record)
        if not changed:
            return record
        record.version = current["version"] + 1
        record.save()
        record_event(f"cbt.{spec.audit}.update", actor=by, obj=record, detail={"fields": sorted(changed)})
        if isinstance(record, CheckingLogEntry):
            _recount(record.couple, weeks_before | _log_weeks(record), by)
        _sync_feeds(record.couple, fed_before | _feeds(record), by)
    return record


def checking_log_delete(*, entry: CheckingLogEntry, by: User) -> None:
    """Delete a checking log entry recorded in error, and recount the week it fed."""
    weeks = _log_weeks(entry)
    couple = entry.couple
    with transaction.atomic():
        record_event("cbt.checking_log.delete", actor=by, obj=entry, detail={"partner": entry.partner})
        entry.delete()
        _recount(couple, weeks, by)
