"""Writes to objective progress: data points per objective (by lineage, so they survive plan revisions).

Points come from these sources: a signed progress note ("session", one point per note, objective and
partner), the checking / reassurance log ("log", one point per ISO week and objective, recomputed on every
change of an entry), a measure ("measure"), a value the therapist types in ("manual"), and thought records or
behavioural experiments linked to an objective whose data source is one of them ("thought", "experiment",
one point per entry, recomputed by objective_feed_sync).

Each function is keyword-only, validates with full_clean(), runs in one transaction and writes its audit
event in that transaction. Callers have already checked access (clinic.access).
"""

from __future__ import annotations

import datetime
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.services import record_event
from clinic.models import Couple, User
from clinic.services.record_dates import check_record_date
from plans.models import (
    THOUGHT_SOURCES,
    BehaviouralExperiment,
    CheckingLogEntry,
    EntrySource,
    ObjectiveDataSource,
    PartnerScope,
    ProgressPoint,
    ProgressSource,
    ThoughtRecord,
)
from plans.selectors.progress import objective_lineage_exists, objective_of_lineage

CENT = Decimal("0.01")


def _as_decimal(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"value": "Give the value as a number, for example 4 or 6.5."}) from None
    if not number.is_finite():
        raise ValidationError({"value": "Give the value as a number, for example 4 or 6.5."})
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def _as_uuid(value: Any, field: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise ValidationError({field: "Choose one of this couple's objectives."}) from None


def progress_point_record(
    *,
    couple: Couple,
    objective_lineage: Any,
    recorded_on: datetime.date,
    value: Any,
    source: str,
    by: User | None,
    source_id: Any = None,
    note: str = "",
    partner: str = "",
) -> ProgressPoint:
    """Record one value of one objective. With `source_id`, update the point already recorded for the
    same (objective lineage, source, source id) instead of adding another: a progress note signed again,
    or a log week recounted, replaces its earlier value.

    Called by the progress page ("manual"), the checking log ("log") and progress notes when they are
    signed ("session", source_id = the note's id). The caller has checked that `by` may change the couple.
    Values are rounded to two decimals. Raises ValidationError for an unknown source, a future date or one
    before the couple's start, a value that is not a number, or a lineage that is not one of the couple's objectives.

    `partner` ("a" or "b") says whose value it is on a "both partners" objective, where a value typed by hand
    must name its partner; a session rating without one (a draft written before values were kept per partner)
    is the couple's. On an individual objective the value is that partner's and `partner` stays empty.
    """
    lineage = _as_uuid(objective_lineage, "objective")
    if source not in ProgressSource.values:
        raise ValidationError({"source": "Choose one of: session, log, measure, manual."})
    number = _as_decimal(value)
    # A typed value may not precede the couple's start. A derived one takes the date of what it comes from,
    # checked when that was recorded (a session, a measure; a log week is dated its Monday, which may precede
    # the start), so a note of a session older than a corrected start date can still be signed.
    earliest = None if source == ProgressSource.MANUAL else datetime.date.min
    check_record_date(couple=couple, day=recorded_on, field="recorded_on", earliest=earliest)
    objective = objective_of_lineage(couple_id=couple.pk, objective_lineage=lineage)
    if objective is None:
        raise ValidationError({"objective": "Choose one of this couple's objectives."})
    partner = partner_for(objective.who, partner, required=source == ProgressSource.MANUAL)
    source_key = _as_uuid(source_id, "source_id") if source_id is not None else None
    with transaction.atomic():
        point = None
        if source_key is not None:
            point = (
                ProgressPoint.objects.select_for_update()
                .filter(objective_lineage=lineage, source=source, source_id=source_key, couple_id=couple.pk,
                        partner=partner)
                .first()
            )
        created = point is None
        if created:
            point = ProgressPoint(couple=couple, objective_lineage=lineage, source=source, source_id=source_key,
                                  partner=partner)
        point.recorded_on = recorded_on
        point.value = number
        point.note = note
        point.recorded_by = by
        if created:
            point = _insert_or_update(point)
        else:
            point.full_clean()
            point.save()
        record_event("progress_point.record", actor=by, obj=point,
                     detail={"source": source, "created": created, **({"partner": partner} if partner else {})})
    return point


def progress_values_record(
    *, couple: Couple, objective_lineage: Any, recorded_on: datetime.date, values: dict[str, Any], by: User,
    note: str = "",
) -> list[ProgressPoint]:
    """Record the values typed on the progress page in one transaction: {"": value} for an individual
    objective, {"a": value, "b": value} (one or both) for a both-partners objective. Same rules as
    progress_point_record (source "manual"); nothing is written if any value is refused."""
    if not values:
        raise ValidationError({"value": "Enter the value."})
    with transaction.atomic():
        return [
            progress_point_record(couple=couple, objective_lineage=objective_lineage, recorded_on=recorded_on,
                                  value=value, source=ProgressSource.MANUAL, by=by, note=note, partner=partner)
            for partner, value in values.items()
        ]


PARTNER_REQUIRED = "Say whose value this is: partner A or partner B (the objective is for both partners)."


def partner_for(who: str, partner: Any, *, required: bool) -> str:
    """The partner a value is stored under for an objective for `who`: "a"/"b" on a both-partners objective
    (empty allowed only when not `required`), always empty on an individual objective (its partner is implied;
    naming the other partner is refused)."""
    partner = partner or ""
    if partner not in ("", "a", "b"):
        raise ValidationError({"partner": "Choose partner A or partner B."})
    if who == PartnerScope.BOTH:
        if required and not partner:
            raise ValidationError({"partner": PARTNER_REQUIRED})
        return partner
    if partner and partner != who:
        raise ValidationError({"partner": "This objective is for one partner only: record that partner's value."})
    return ""


def _insert_or_update(point: ProgressPoint) -> ProgressPoint:
    """Insert a new point; if a concurrent request inserted the same (lineage, source, source id) first,
    update that one instead."""
    point.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            point.save(force_insert=True)
        return point
    except IntegrityError:
        if point.source_id is None:
            raise
    existing = ProgressPoint.objects.select_for_update().get(
        couple_id=point.couple_id, objective_lineage=point.objective_lineage, source=point.source,
        source_id=point.source_id, partner=point.partner,
    )
    existing.recorded_on, existing.value = point.recorded_on, point.value
    existing.note, existing.recorded_by = point.note, point.recorded_by
    existing.full_clean(validate_constraints=False)
    existing.save()
    return existing


def progress_point_delete(*, point: ProgressPoint, by: User | None) -> None:
    """Remove one point (the checking log removes its week's point when no entry is left in it)."""
    with transaction.atomic():
        record_event("progress_point.delete", actor=by, obj=point, detail={"source": point.source})
        point.delete()


# --- The checking / reassurance log feeds its objective as a weekly count ---------------------------


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s ISO week."""
    return day - datetime.timedelta(days=day.weekday())


def log_week_source_id(objective_lineage: uuid.UUID, monday: datetime.date) -> uuid.UUID:
    """The stable source id of the point that holds one objective's log count for one ISO week."""
    return uuid.uuid5(objective_lineage, monday.isoformat())


def checking_log_week_recount(
    *, couple: Couple, objective_lineage: uuid.UUID, day: datetime.date, by: User | None
) -> ProgressPoint | None:
    """Recount one ISO week of the checking / reassurance log for one objective.

    The value is the number of entries whose urge was NOT resisted (checking or reassurance episodes).
    The week's point is dated its Monday and upserted with source "log"; when no entry of that week
    feeds the objective any more, the point is removed. Runs inside the caller's transaction (the log
    entry's create, update or delete), so the count and the entry change together.
    """
    if not objective_lineage_exists(couple_id=couple.pk, objective_lineage=objective_lineage):
        return None  # the objective was removed from every version of the plan: nothing left to feed
    monday = week_start(day)
    source_id = log_week_source_id(objective_lineage, monday)
    entries = CheckingLogEntry.objects.filter(
        couple_id=couple.pk, objective_lineage=objective_lineage,
        occurred_on__gte=monday, occurred_on__lte=monday + datetime.timedelta(days=6),
    )
    total = entries.count()
    if total == 0:
        existing = ProgressPoint.objects.filter(
            couple_id=couple.pk, objective_lineage=objective_lineage, source=ProgressSource.LOG, source_id=source_id
        ).first()
        if existing is not None:
            progress_point_delete(point=existing, by=by)
        return None
    acted_on = entries.filter(resisted=False).count()
    return progress_point_record(
        couple=couple,
        objective_lineage=objective_lineage,
        recorded_on=monday,
        value=acted_on,
        source=ProgressSource.LOG,
        source_id=source_id,
        by=by,
        note=f"{acted_on} of {total} logged urges not resisted this week",
    )


# --- Thought records and behavioural experiments feed the objective they are linked to ---------------

FEED_SOURCES = (ProgressSource.THOUGHT, ProgressSource.EXPERIMENT)


def _feed_values(couple: Couple, objective: Any) -> dict[tuple[uuid.UUID, str], dict[str, Any]]:
    """(record id, partner) -> the point one linked entry gives, for the objective's data source."""
    lineage, data_source = objective.lineage, objective.data_source
    wanted: dict[tuple[uuid.UUID, str], dict[str, Any]] = {}
    if data_source in THOUGHT_SOURCES:
        records = ThoughtRecord.objects.filter(couple_id=couple.pk, objective_lineage=lineage).only(
            "id", "couple_id", "partner", "occurred_on", "belief_before", "belief_after", "source")
        for record in records:
            if record.belief_after is None:
                continue
            if data_source == ObjectiveDataSource.THOUGHT_BELIEF_AFTER:
                value, note = record.belief_after, f"Belief {record.belief_after} after the thought record"
            elif record.belief_before is None:
                continue
            else:
                value = record.belief_before - record.belief_after
                note = f"Belief {record.belief_before} before, {record.belief_after} after"
            wanted[(record.pk, record.partner)] = {
                "source": ProgressSource.THOUGHT, "recorded_on": record.occurred_on, "value": Decimal(value),
                "note": note, "client_reported": record.source == EntrySource.CLIENT,
            }
    elif data_source == ObjectiveDataSource.EXPERIMENT_CONFIRMED:
        experiments = (
            BehaviouralExperiment.objects.filter(couple_id=couple.pk, objective_lineage=lineage,
                                                 prediction_confirmed__isnull=False)
            .only("id", "couple_id", "partner", "planned_on", "prediction_confirmed", "source", "created_at")
            .order_by("planned_on", "created_at", "id")
        )
        tally: dict[str, list[int]] = {}
        for experiment in experiments:
            confirmed, total = tally.setdefault(experiment.partner, [0, 0])
            confirmed += 1 if experiment.prediction_confirmed else 0
            total += 1
            tally[experiment.partner] = [confirmed, total]
            percent = (Decimal(confirmed * 100) / total).quantize(CENT, rounding=ROUND_HALF_UP)
            wanted[(experiment.pk, experiment.partner)] = {
                "source": ProgressSource.EXPERIMENT, "recorded_on": experiment.planned_on, "value": percent,
                "note": f"{confirmed} of {total} predictions confirmed so far",
                "client_reported": experiment.source == EntrySource.CLIENT,
            }
    return wanted


def objective_feed_sync(*, couple: Couple, objective_lineage: Any, by: User | None) -> int:
    """Make the objective's thought-record and experiment points match the entries linked to it.

    - "thought records: belief after": one point per linked thought record with a re-rated belief, its value
      the belief in the automatic thought afterwards (0-100), dated the situation's day;
    - "thought records: belief drop": belief before minus belief after (points; needs both ratings);
    - "behavioural experiments: predictions confirmed": one point per linked experiment whose outcome is known,
      its value the partner's running percentage of predictions confirmed up to and including it.
    Each point is the entry's partner's (two lines on a both-partners objective) and marked client-reported
    when the partner entered it in the portal. With any other data source the feed's points are removed.
    Runs inside the caller's transaction (the entry's create, update or delete, or the objective's change);
    one audit event when anything changed. Returns the number of points written or removed.
    """
    lineage = _as_uuid(objective_lineage, "objective")
    objective = objective_of_lineage(couple_id=couple.pk, objective_lineage=lineage)
    wanted = _feed_values(couple, objective) if objective is not None else {}
    existing = {
        (point.source_id, point.partner): point
        for point in ProgressPoint.objects.select_for_update().filter(
            couple_id=couple.pk, objective_lineage=lineage, source__in=FEED_SOURCES)
    }
    removed = [point for key, point in existing.items() if key not in wanted]
    written = 0
    for point in removed:
        point.delete()
    for (record_id, partner), values in wanted.items():
        point = existing.get((record_id, partner))
        if point is None:
            point = ProgressPoint(couple=couple, objective_lineage=lineage, source_id=record_id, partner=partner)
        elif all(getattr(point, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(point, name, value)
        point.recorded_by = by
        point.full_clean(validate_constraints=False)
        point.save()
        written += 1
    if written or removed:
        record_event("progress_point.feed_sync", actor=by, obj=couple, detail={
            "objective_lineage": str(lineage), "written": written, "removed": len(removed),
            "data_source": objective.data_source if objective is not None else "",
        })
    return written + len(removed)
