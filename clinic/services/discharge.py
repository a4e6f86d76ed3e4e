"""Discharging a couple: what the clinician must record, and what else ends with the case.

A discharge needs four things written down (the discharge summary prints them): why (a reason from
`DischargeReason`, with a few words when it is "Other"), how the couple is doing at discharge, the aftercare and
referrals, and the clinician's recommendations. These are the parts of a discharge summary in the Joint
Commission's record-of-care standard (RC.02.04.01 EP 3, hospital and behavioral health manuals: the reason, the
patient's condition at discharge, information given to the patient, provisions for follow-up care) and of ending
therapy in the AAMFT Code of Ethics (2015), 1.10 referrals and 1.11 non-abandonment.

Apps above clinic close their own records in the same transaction: plans closes the active treatment plan. They
register a step here from their AppConfig.ready() (clinic may not import them; docs/architecture.md).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from audit.services import record_event
from clinic.models import Couple, Discharge, DischargeReason, User

DischargeStep = Callable[..., None]  # step(*, couple, by, at) inside the discharge transaction

_steps: list[DischargeStep] = []

# The names the edit page, the API and the service share for what a discharge records.
DISCHARGE_FIELDS = ("discharge_reason", "discharge_reason_detail", "status_at_discharge", "aftercare",
                    "recommendations")

MESSAGES = {
    "discharge_reason": "Choose the reason for discharge.",
    "discharge_reason_detail": "Say what the other reason for discharge is.",
    "status_at_discharge": "Describe how the couple is doing at discharge: the discharge summary prints it.",
    "aftercare": "Write the aftercare and referrals (or \u201cNone\u201d, if there are none).",
    "recommendations": "Write your recommendations for the couple's future care.",
}


def register_discharge_step(step: DischargeStep) -> None:
    """Run `step(couple=..., by=..., at=...)` in the transaction of every discharge (once per function)."""
    if step not in _steps:
        _steps.append(step)


def discharge_errors(details: dict[str, Any]) -> dict[str, list[str]]:
    """What is missing from `details` (keys of DISCHARGE_FIELDS) for a discharge, by field."""
    errors: dict[str, list[str]] = {}
    reason = details.get("discharge_reason") or ""
    if reason not in DischargeReason.values:
        errors["discharge_reason"] = [MESSAGES["discharge_reason"]]
    elif reason == DischargeReason.OTHER and not str(details.get("discharge_reason_detail") or "").strip():
        errors["discharge_reason_detail"] = [MESSAGES["discharge_reason_detail"]]
    for name in ("status_at_discharge", "aftercare", "recommendations"):
        if not str(details.get(name) or "").strip():
            errors[name] = [MESSAGES[name]]
    return errors


def record_discharge(*, couple: Couple, by: User, details: dict[str, Any], discharged_on: datetime.date,
                     at: datetime.datetime) -> Discharge:
    """Write the discharge record and run the registered steps. Called by couple_update inside its transaction
    when the status becomes "discharged", after discharge_errors found nothing missing."""
    discharge = Discharge(
        couple=couple, discharged_on=discharged_on, reason=details["discharge_reason"],
        reason_detail=str(details.get("discharge_reason_detail") or "").strip(),
        status_at_discharge=str(details["status_at_discharge"]).strip(),
        aftercare=str(details["aftercare"]).strip(), recommendations=str(details["recommendations"]).strip(),
        recorded_by=by, recorded_at=at,
    )
    discharge.full_clean()
    discharge.save()
    record_event("couple.discharge", actor=by, obj=couple, detail={"discharge": str(discharge.pk),
                                                                     "reason": discharge.reason})
    for step in _steps:
        step(couple=couple, by=by, at=at)
    return discharge
