"""Writes to objective progress: data points per objective (by lineage, so they survive plan revisions).

Points come from four sources: a signed progress note ("session", one point per note and objective),
the checking / reassurance log ("log", one point per ISO week and objective, recomputed on every change
of an entry), a measure ("measure"), or a value the therapist types in ("manual").

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
from plans.models import CheckingLogEntry, ProgressPoint, ProgressSource
from plans.selectors.progress import objective_lineage_exists

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
) -> ProgressPoint:
    """Record one value of one objective. With `source_id`, update the point already recorded for the
    same (objective lineage, source, source id) instead of adding another: a progress note signed again,
    or a log week recounted, replaces its earlier value.

    Called by the progress page ("manual"), the checking log ("log") and progress notes when they are
    signed ("session", source_id = the note's id). The caller has checked that `by` may change the couple.
    Values are rounded to two decimals. Raises ValidationError for an unknown source, a future date or one
    before the couple's start, a value that is not a number, or a lineage that is not one of the couple's objectives.
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
    if not objective_lineage_exists(couple_id=couple.pk, objective_lineage=lineage):
        raise ValidationError({"objective": "Choose one of this couple's objectives."})
    source_key = _as_uuid(source_id, "source_id") if source_id is not None else None
    with transaction.atomic():
        point = None
        if source_key is not None:
            point = (
                ProgressPoint.objects.select_for_update()
                .filter(objective_lineage=lineage, source=source, source_id=source_key, couple_id=couple.pk)
                .first()
            )
        created = point is None
        if created:
            point = ProgressPoint(couple=couple, objective_lineage=lineage, source=source, source_id=source_key)
        point.recorded_on = recorded_on
        point.value = number
        point.note = note
        point.recorded_by = by
        if created:
            point = _insert_or_update(point)
        else:
            point.full_clean()
            point.save()
        record_event("progress_point.record", actor=by, obj=point, detail={"source": source, "created": created})
    return point


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
        source_id=point.source_id,
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
