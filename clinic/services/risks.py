"""The risk register: raising a clinical safety concern, acknowledging it with a follow-up, closing it, and
escalating one left unacknowledged.

A risk reaches the couple's therapists on the pages they open every day (Today, the couple overview, the
supervisor's queue, the clinical PDFs: clinic.selectors.risks); a practice manager only ever sees counts.
Acknowledging within the practice's window (Practice.risk_acknowledge_hours, default 24 h) is the
standard of care the register holds clinicians to: NICE NG225 (self-harm, 2022) asks that risk be reviewed
and a safety plan agreed promptly, and the Joint Commission's NPSG 15.01.01 asks that a patient screening
positive for suicide risk is assessed and followed up without delay. Audit events carry ids, kinds and
statuses, never what was written.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import record_event
from clinic.models import (
    NOTE_TEXT_MAX,
    CareRole,
    CareTeamMember,
    Couple,
    PartnerPosition,
    Risk,
    RiskKind,
    RiskSource,
    RiskStatus,
    Role,
    User,
)
from clinic.services.safety import follow_up_in_transaction
from rapport.versioning import StaleVersion

FOLLOW_UP_MAX = 20_000


def risk_raise(
    *,
    couple: Couple,
    kind: str,
    source: str,
    source_id: Any = None,
    partner: str = "",
    detail: str = "",
    by: User | None = None,
) -> Risk:
    """Open a risk, once per source: raising the same concern from the same measure or note again returns
    the existing row. Call inside the transaction of the record that raised it."""
    if kind not in RiskKind.values or source not in RiskSource.values:
        raise ValidationError("Unknown kind of risk or source.")
    existing = Risk.objects.filter(couple=couple, kind=kind, source=source, source_id=source_id,
                                   partner=partner).first() if source_id is not None else None
    if existing is not None:
        return existing
    risk = Risk(couple=couple, kind=kind, source=source, source_id=source_id, partner=partner, detail=detail,
                raised_by=by)
    try:
        with transaction.atomic():
            risk.save(force_insert=True)
    except IntegrityError:  # raised at the same moment by another request
        return Risk.objects.get(couple=couple, kind=kind, source=source, source_id=source_id, partner=partner)
    record_event("risk.raise", actor=by, obj=risk, detail={"kind": kind, "source": source, "partner": partner})
    return risk


def _locked(risk: Risk, base_version: int | None) -> Risk:
    current = Risk.objects.select_for_update().get(pk=risk.pk)
    if base_version is not None and current.version != base_version:
        raise StaleVersion(current.version)
    return current


def risk_acknowledge(
    *, risk: Risk, by: User, follow_up: str, follow_up_on: datetime.date | None = None,
    base_version: int | None = None, screen_answers: Mapping[str, Any] | None = None,
    safety_plan: Mapping[str, str] | None = None, plan_base_version: int | None = None, plan_not_made: str = "",
) -> Risk:
    """Record that a clinician on the case reviewed the risk and what happens next (encrypted).

    A suicide or self-harm risk also needs its structured follow-up, in the same transaction
    (clinic.services.safety.follow_up_in_transaction): a C-SSRS screen of the partner, and a safety plan (new,
    revised from `plan_base_version`, or the one already in force) or a reason why none was made. Without them
    it is refused with errors naming the fields, and nothing is written."""
    follow_up = (follow_up or "").strip()
    errors: dict[str, list[str]] = {}
    if not follow_up:
        errors["follow_up"] = ["Write what you did or will do (for example: risk assessment done, safety plan "
                               "reviewed, crisis line given)."]
    elif len(follow_up) > FOLLOW_UP_MAX:
        errors["follow_up"] = [f"Keep it under {FOLLOW_UP_MAX:,} characters."]
    if follow_up_on is not None and follow_up_on < timezone.localdate():
        errors["follow_up_on"] = ["Choose today or a later day for the follow-up."]
    suicide = risk.kind == RiskKind.SUICIDE
    if suicide and risk.partner not in PartnerPosition.values:
        errors["screen"] = ["Say whose risk this is before acknowledging it: a screen and a safety plan are "
                            "made with one partner."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked(risk, base_version)
        if current.status != RiskStatus.OPEN:
            raise ValidationError(f"This risk is already {current.get_status_display().lower()}.", code="state")
        if suicide:
            current.screen, current.safety_plan, current.safety_plan_not_made = follow_up_in_transaction(
                couple=current.couple, partner=current.partner, by=by, screen_answers=screen_answers,
                safety_plan=safety_plan, plan_base_version=plan_base_version, plan_not_made=plan_not_made)
        current.status = RiskStatus.ACKNOWLEDGED
        current.acknowledged_at, current.acknowledged_by = timezone.now(), by
        current.follow_up, current.follow_up_on = follow_up, follow_up_on
        current.version += 1
        current.save()
        record_event("risk.acknowledge", actor=by, obj=current, detail={
            "kind": current.kind,
            **({"screen": str(current.screen.pk),
                "safety_plan": str(current.safety_plan.pk) if current.safety_plan else None,
                "plan_not_made": bool(current.safety_plan_not_made)} if suicide else {}),
        })
    return current


def risk_check(*, risk: Risk, by: User, note: str, follow_up_on: datetime.date | None = None,
               base_version: int | None = None) -> Risk:
    """Record a check of an acknowledged risk that still needs watching: what was found, added with its day and
    who checked to the risk's follow-up (encrypted), and the next day to check again (none: no date). A check
    clears "follow-up overdue"; a risk that needs no more watching is closed instead."""
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if not note:
        errors["note"] = ["Write what the check found and what happens next."]
    elif len(note) > FOLLOW_UP_MAX:
        errors["note"] = [f"Keep it under {FOLLOW_UP_MAX:,} characters."]
    if follow_up_on is not None and follow_up_on < timezone.localdate():
        errors["follow_up_on"] = ["Choose today or a later day for the next check."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked(risk, base_version)
        if current.status != RiskStatus.ACKNOWLEDGED:
            raise ValidationError("Only an acknowledged risk is checked: acknowledge an open one first; a closed "
                                  "one needs no check.", code="state")
        entry = f"Checked {timezone.localdate():%-d %b %Y} by {by.display_name}: {note}"
        follow_up = f"{current.follow_up}\n\n{entry}" if current.follow_up else entry
        if len(follow_up) > NOTE_TEXT_MAX:
            raise ValidationError({"note": ["This risk's follow-up record is full: close it with a summary, and "
                                            "record a new concern in a note if it still needs watching."]})
        current.follow_up, current.follow_up_on = follow_up, follow_up_on
        current.version += 1
        current.save()
        record_event("risk.check", actor=by, obj=current,
                     detail={"kind": current.kind, "next_check": follow_up_on.isoformat() if follow_up_on else None})
    return current


def risk_close(*, risk: Risk, by: User, note: str, base_version: int | None = None) -> Risk:
    """Close a risk that no longer needs action, saying why (encrypted). An open risk is acknowledged first."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["Write why the risk can be closed (for example: reassessed, no "
                                         "current ideation, safety plan in place)."]})
    if len(note) > FOLLOW_UP_MAX:
        raise ValidationError({"note": [f"Keep it under {FOLLOW_UP_MAX:,} characters."]})
    with transaction.atomic():
        current = _locked(risk, base_version)
        if current.status == RiskStatus.OPEN:
            raise ValidationError("Acknowledge the risk, with its follow-up, before closing it.", code="state")
        if current.status == RiskStatus.CLOSED:
            raise ValidationError("This risk is already closed.", code="state")
        current.status = RiskStatus.CLOSED
        current.closed_at, current.closed_by, current.closing_note = timezone.now(), by, note
        current.version += 1
        current.save()
        record_event("risk.close", actor=by, obj=current, detail={"kind": current.kind})
    return current


def escalation_target(couple: Couple) -> User | None:
    """Who is told of an overdue risk: the supervisor of the case's primary therapist, else a supervisor on
    the case's care team, else nobody (the overdue flag still shows on every therapist's pages)."""
    primary = (CareTeamMember.objects.current().filter(couple=couple, role=CareRole.PRIMARY)
               .select_related("user__supervisor").first())
    if primary is not None and primary.user.supervisor is not None and primary.user.supervisor.is_active:
        return primary.user.supervisor
    member = (CareTeamMember.objects.current().filter(couple=couple, user__role=Role.SUPERVISOR,
                                                      user__is_active=True)
              .select_related("user").first())
    return member.user if member is not None else None


def risks_escalate(*, now: datetime.datetime | None = None) -> int:
    """Escalate every open risk past its practice's acknowledgement window (manage.py escalate_risks, run
    every few minutes by cron or a worker). Each is escalated once; returns how many."""
    now = now or timezone.now()
    overdue = (Risk.objects.filter(status=RiskStatus.OPEN, escalated_at__isnull=True)
               .select_related("couple__practice"))
    done = 0
    for risk in overdue.iterator():
        if risk.acknowledge_by(risk.couple.practice.risk_acknowledge_hours) > now:
            continue
        with transaction.atomic():
            updated = Risk.objects.filter(Q(pk=risk.pk), Q(escalated_at__isnull=True)).update(
                escalated_at=now, escalated_to=escalation_target(risk.couple))
            if updated:
                record_event("risk.escalate", obj=risk, detail={"kind": risk.kind})
                done += 1
    return done
