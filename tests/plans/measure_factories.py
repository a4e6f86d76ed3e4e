"""Test data for outcome measures: administrations scored by the real instruments, plans to schedule on,
sessions, and practice instrument definitions."""

from __future__ import annotations

import copy
import datetime
from typing import Any

from django.utils import timezone

from plans.instruments import BUILTIN, Instrument, to_definition
from plans.models import CustomInstrument, MeasureAdministration, MeasureSchedule, PlanStatus, TreatmentPlan


def answers_for(instrument: Instrument, total: int, *, risk: int | None = None) -> list[int]:
    """Valid answers adding up to `total` (filling items in order; the risk items last, or at `risk`)."""
    assert instrument.min_score <= total <= instrument.max_score, total
    answers = [min(item.values) for item in instrument.items]
    order = [i for i in range(len(instrument.items)) if i + 1 not in instrument.risk_items]
    order += [i for i in range(len(instrument.items)) if i + 1 in instrument.risk_items]
    if risk is not None:
        for number in instrument.risk_items:
            answers[number - 1] = risk
    remaining = total - sum(answers)
    assert remaining >= 0, "the risk answer alone is above the total"
    for index in order:
        if risk is not None and index + 1 in instrument.risk_items:
            continue
        item = instrument.items[index]
        step = min(max(item.values) - answers[index], remaining)
        while step and answers[index] + step not in item.values:
            step -= 1
        answers[index] += step
        remaining -= step
    assert remaining == 0, "total not reachable"
    return answers


def administration(couple, by, *, instrument: str = "csi4", partner: str = "a", total: int = 10,
                   on: datetime.date | None = None, risk: int | None = None) -> MeasureAdministration:
    """A stored administration, scored by the instrument (bypassing the service: no audit event)."""
    data = BUILTIN[instrument]
    score = data.score(answers_for(data, total, risk=risk))
    return MeasureAdministration.objects.create(
        couple=couple, partner=partner, instrument=instrument,
        administered_on=on or timezone.localdate(), answers=score.values, total=score.total, band=score.band,
        risk_flag=score.risk_flag, recorded_by=by,
    )


def plan(couple, by, *, status: str = PlanStatus.ACTIVE, number: int = 1,
         signed_on: datetime.date | None = None, **schedules: str) -> TreatmentPlan:
    """A plan version (no structure) with a measure schedule: plan(couple, user, csi4="session")."""
    signed_at = None
    if status != PlanStatus.DRAFT:
        day = signed_on or timezone.localdate() - datetime.timedelta(days=60)
        signed_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    row = TreatmentPlan.objects.create(couple=couple, number=number, status=status, created_by=by,
                                       signed_by=by if signed_at else None, signed_at=signed_at)
    for code, every in schedules.items():
        MeasureSchedule.objects.create(plan=row, instrument=code, every=every)
    return row


def session(couple, by, *, on: datetime.date, attendance: str = "attended"):
    from notes.models import Session

    starts_at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(10)))
    return Session.objects.create(couple=couple, therapist=by, starts_at=starts_at, attendance=attendance,
                                  created_by=by)


def definition(**changes: Any) -> dict[str, Any]:
    """A valid practice instrument definition (three items, 0-3 each, lower is better), with `changes`."""
    base = {
        "name": "Weekly Trust Check (licensed)",
        "short_name": "WTC",
        "instructions": "Over the last week, how often did these happen?",
        "higher_is_better": False,
        "items": [
            {"text": f"Trust question {n}", "options": [
                {"value": 0, "label": "Never"}, {"value": 1, "label": "Sometimes"},
                {"value": 2, "label": "Often"}, {"value": 3, "label": "Always"},
            ]} for n in (1, 2, 3)
        ],
        "bands": [{"low": 0, "high": 4, "label": "Low"}, {"low": 5, "high": 9, "label": "High"}],
        "cutoff": 5,
        "cutoff_label": "5 or more: clinical range",
        "cutoff_source": "Licensed manual, p. 3",
        "reliable_change": {"threshold": 3, "source": "Licensed manual, p. 4"},
        "risk_items": [3],
        "risk_note": "Review item 3 the same day.",
        "source": "Licensed manual (2020).",
        "licence": "Practice licence 42.",
    }
    result = copy.deepcopy(base)
    result.update(changes)
    return result


def custom_instrument(practice, code: str = "wtc", **changes: Any) -> CustomInstrument:
    return CustomInstrument.objects.create(practice=practice, code=code, definition=definition(**changes))


def phq9_definition() -> dict[str, Any]:
    return to_definition(BUILTIN["phq9"])
