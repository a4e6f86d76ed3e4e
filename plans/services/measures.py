"""Writes for outcome measures: recording an administration, acknowledging a risk flag, a plan's
measure schedule, and a practice's own instruments.

Each function is keyword-only, validates (answers through the instrument's own rules, full_clean), runs
in one transaction and writes its audit event in it. Audit details hold instrument codes, partners,
totals' absence and counts, never answers or note text.

Callers have already checked access: recording, acknowledging and scheduling need a couple the user may
change (clinic.access, write=True); custom instruments are for the practice administrator.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from audit.services import record_event
from clinic.models import Couple, Practice, Risk, RiskKind, RiskSource, RiskStatus, User
from clinic.services.record_dates import check_record_date
from clinic.services.risks import risk_acknowledge, risk_raise
from plans.instruments import BUILTIN, Instrument, InvalidAnswers
from plans.models import (
    SHORT_TEXT_MAX,
    CustomInstrument,
    EntrySource,
    MeasureAdministration,
    MeasureSchedule,
    PartnerPosition,
    PlanStatus,
    ScheduleEvery,
    TreatmentPlan,
)
from rapport.versioning import StaleVersion

DUPLICATE_MESSAGE = (
    "{partner} already has a {instrument} recorded on {day}. Open that one from the Measures tab, or choose "
    "another date."
)


def _duplicate_error(instrument: Instrument, partner: str, day: datetime.date) -> ValidationError:
    return ValidationError({"administered_on": DUPLICATE_MESSAGE.format(
        partner=PartnerPosition(partner).label, instrument=instrument.short_name, day=date_format(day, "j F Y"),
    )}, code="duplicate")


def measure_record(
    *,
    couple: Couple,
    by: User | None,
    instrument: Instrument,
    partner: str,
    administered_on: datetime.date,
    answers: list,
    difficulty: int | None = None,
    source: str = EntrySource.CLINICIAN,
) -> MeasureAdministration:
    """Score and store one partner's answers to one instrument on one date (answers encrypted).

    Instruments that accept partial forms (PHQ-9, GAD-7) store unanswered items as null: the record is
    marked incomplete (missing_items), totalled with a prorated total only under the instrument's published
    rule (prorated=True), else left without a total. A risk item answered above 0 flags however many items
    are missing. `difficulty` is the unscored functional question (encrypted).

    Refuses answers that do not fit the instrument (ValidationError on "answers", one message per item),
    a date in the future or before the couple's start date (clinic.services.record_dates), and a second
    clinician-entered administration of the instrument to the partner on that date. A client-reported one
    (the portal) is never refused for an earlier one that day: several a day are kept, ordered by recorded_at.

    source="client": the partner's own answers from the portal (portal.services.measures), `by` is None and
    the audit event's actor is the signed-in partner of the request context.
    """
    if source not in EntrySource.values or (source == EntrySource.CLINICIAN) == (by is None):
        raise ValueError("A clinician's entry names its clinician; a client's entry names none.")
    if partner not in PartnerPosition.values:
        raise ValidationError({"partner": "Choose partner A or partner B."})
    check_record_date(couple=couple, day=administered_on, field="administered_on")
    try:
        score = instrument.score(answers, allow_partial=True)
    except InvalidAnswers as error:
        raise ValidationError({"answers": error.messages}, code="invalid_answers") from None
    try:
        difficulty = instrument.validate_difficulty(difficulty)
    except InvalidAnswers as error:
        raise ValidationError({"difficulty": error.messages}, code="invalid_difficulty") from None
    administration = MeasureAdministration(
        couple=couple, partner=partner, instrument=instrument.code, administered_on=administered_on,
        answers=score.values, total=score.total, band=score.band, risk_flag=score.risk_flag, recorded_by=by,
        missing_items=len(score.missing), prorated=score.prorated, difficulty=difficulty, source=source,
        risk_item_unanswered=any(n in score.missing for n in instrument.risk_items),
    )
    # Only a clinician's entry is refused for an existing one of the day (the constraint's condition too).
    exists = source == EntrySource.CLINICIAN and MeasureAdministration.objects.filter(
        couple=couple, partner=partner, instrument=instrument.code, administered_on=administered_on,
        source=EntrySource.CLINICIAN,
    ).exists()
    if exists:
        raise _duplicate_error(instrument, partner, administered_on)
    administration.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            administration.save(force_insert=True)
            record_event("measure.record", actor=by, obj=administration, detail={
                "instrument": instrument.code, "partner": partner, "risk_flag": score.risk_flag,
                "missing_items": len(score.missing), "prorated": score.prorated,
                **({"source": source} if source == EntrySource.CLIENT else {}),
            })
            if score.risk_flag:
                _raise_risk(administration, instrument, by)
    except IntegrityError:  # the same administration saved by someone else a moment ago
        raise _duplicate_error(instrument, partner, administered_on) from None
    return administration


def _raise_risk(administration: MeasureAdministration, instrument: Instrument, by: User | None) -> None:
    """Put a flagged answer (PHQ-9 item 9 above 0: Kroenke, Spitzer & Williams 2001) in the couple's risk
    register, naming the item and the answer (encrypted)."""
    answers = administration.answers
    items = ", ".join(
        f"item {n} answered {answers[n - 1]}" for n in instrument.risk_items
        if n <= len(answers) and answers[n - 1] is not None and answers[n - 1] > 0
    )
    risk_raise(couple=administration.couple, kind=RiskKind.SUICIDE, source=RiskSource.MEASURE,
               source_id=administration.pk, partner=administration.partner,
               detail=f"{instrument.short_name} on {administration.administered_on:%-d %b %Y}: {items}.", by=by)


def measure_acknowledge_risk(*, administration: MeasureAdministration, by: User, note: str) -> MeasureAdministration:
    """Record that a clinician reviewed a risk flag, and what was done; or, for a form whose risk question was left
    blank (PHQ-9 item 9), what the partner said when asked (the note is encrypted)."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Write what was done about the risk (for example, the risk assessment "
                                       "and safety plan)." if administration.risk_flag else
                                       "Write what the partner said when asked the risk question, and what was done."})
    if len(note) > SHORT_TEXT_MAX:
        raise ValidationError({"note": f"Keep the note to {SHORT_TEXT_MAX:,} characters or fewer."})
    with transaction.atomic():
        current = MeasureAdministration.objects.select_for_update().only(
            "id", "couple_id", "risk_flag", "risk_item_unanswered", "risk_acknowledged_at"
        ).get(pk=administration.pk)
        if not (current.risk_flag or current.risk_item_unanswered):
            raise ValidationError("This administration raised no risk flag and its risk question was answered; "
                                  "there is nothing to acknowledge.", code="no_risk")
        if current.risk_acknowledged_at is not None:
            raise ValidationError("This has already been acknowledged; reload the page to see by whom.",
                                  code="already_acknowledged")
        administration.risk_acknowledged_by = by
        administration.risk_acknowledged_at = timezone.now()
        administration.risk_acknowledgement_note = note
        administration.full_clean(validate_constraints=False)
        administration.save(update_fields=[
            "risk_acknowledged_by", "risk_acknowledged_at", "risk_acknowledgement_note",
        ])
        record_event("measure.risk_acknowledged", actor=by, obj=administration,
                     detail={"instrument": administration.instrument,
                             **({} if current.risk_flag else {"risk_item_unanswered": True})})
        # A suicide or self-harm risk stays open in the register until its structured follow-up (a C-SSRS
        # screen and a safety plan) is recorded there: a note on the score is not that follow-up.
        for risk in Risk.objects.filter(source=RiskSource.MEASURE, source_id=administration.pk,
                                        status=RiskStatus.OPEN).exclude(kind=RiskKind.SUICIDE):
            risk_acknowledge(risk=risk, by=by, follow_up=note)
    return administration


# --- Schedules ------------------------------------------------------------------------------------


SCHEDULABLE_STATUSES = (PlanStatus.DRAFT, PlanStatus.ACTIVE)


def schedule_set(
    *,
    plan: TreatmentPlan,
    by: User,
    entries: Mapping[str, str],
    instruments: Mapping[str, Instrument],
    base_version: int | None = None,
) -> TreatmentPlan:
    """Replace a plan's measure schedule with `entries` ({instrument code: every}).

    Allowed on draft and active plans (a schedule is logistics, not plan content), refused on superseded
    ones. `instruments` are those the practice may use. With base_version, refuse (StaleVersion) if
    someone changed the schedule in between.
    """
    unknown = [code for code in entries if code not in instruments]
    if unknown:
        raise ValidationError({"schedules": "Choose instruments from the list."})
    if any(every not in ScheduleEvery.values for every in entries.values()):
        raise ValidationError({"schedules": "Choose how often: every session, weekly, every two weeks or monthly."})
    with transaction.atomic():
        current = TreatmentPlan.objects.select_for_update().only(
            "id", "couple_id", "status", "schedule_version"
        ).get(pk=plan.pk)
        if current.status not in SCHEDULABLE_STATUSES:
            raise ValidationError("This plan version has been superseded: change the schedule on the current plan.",
                                  code="superseded")
        if base_version is not None and current.schedule_version != base_version:
            raise StaleVersion(current.schedule_version)
        existing = {s.instrument: s for s in MeasureSchedule.objects.filter(plan=plan)}
        removed = [code for code in existing if code not in entries]
        added = [code for code in entries if code not in existing]
        changed = [code for code in entries if code in existing and existing[code].every != entries[code]]
        if not (removed or added or changed):
            plan.schedule_version = current.schedule_version
            return plan
        MeasureSchedule.objects.filter(plan=plan, instrument__in=removed).delete()
        for code in changed:
            MeasureSchedule.objects.filter(pk=existing[code].pk).update(every=entries[code])
        new_rows = [MeasureSchedule(plan=plan, instrument=code, every=entries[code]) for code in added]
        for row in new_rows:
            row.full_clean(validate_constraints=False)
        MeasureSchedule.objects.bulk_create(new_rows)
        plan.schedule_version = current.schedule_version + 1
        TreatmentPlan.objects.filter(pk=plan.pk).update(schedule_version=plan.schedule_version)
        record_event("measure.schedule_set", actor=by, obj=plan, couple_id=plan.couple_id, detail={
            "added": sorted(added), "removed": sorted(removed), "changed": sorted(changed),
        })
    return plan


# --- Practice instruments -------------------------------------------------------------------------


def custom_instrument_create(*, practice: Practice, by: User, code: str, definition: object) -> CustomInstrument:
    """Add an instrument to the practice's registry (practice administrators only: checked here too).

    The definition is validated strictly (CustomInstrument.clean, plans.instruments.custom).
    """
    if not by.is_practice_admin or by.practice_id != practice.pk:
        raise ValidationError("Only the practice's administrator can add instruments.", code="role")
    code = (code or "").strip().lower()
    row = CustomInstrument(practice=practice, code=code, definition=definition)
    row.full_clean(validate_constraints=False)
    if code in BUILTIN or CustomInstrument.objects.filter(practice=practice, code=code).exists():
        raise ValidationError({"code": "An instrument with this code already exists: choose another code."})
    try:
        with transaction.atomic():
            row.save(force_insert=True)
            record_event("instrument.create", actor=by, obj=row, detail={"code": code})
    except IntegrityError:
        raise ValidationError({"code": "An instrument with this code already exists: choose another code."}) from None
    return row
