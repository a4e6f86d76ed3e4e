"""The documented override of the IPV gate on joint sessions (clinic.ipv).

A positive HITS or a clinician's concern for either partner blocks joint sessions (notes.services.sessions)
until a clinician on the case documents why joint work may go on (for example: assessed as situational
couple violence with no fear or coercion, safety plan in place; Stith, McCollum & Rosen 2011). The reason
is encrypted; the audit event names only the couple; the therapist's supervisor sees the override in the
supervision queue (clinic.selectors.ipv.overrides_for_supervisor).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import NOTE_TEXT_MAX, Couple, User

NOTHING_TO_OVERRIDE = "Neither partner's IPV screen is positive or a concern, so joint sessions are not blocked."
REASON_NEEDED = "Give the reason joint sessions may go on despite the IPV screen (the assessment done, safety)."


def ipv_override_record(*, couple: Couple, by: User, reason: str) -> Couple:
    """Document the decision to allow joint sessions despite an IPV flag. Callers have checked that `by`
    may change the couple (clinic.access.get_couple_for_user(write=True)). Writes `couple.ipv_override`."""
    reason = (reason or "").strip()
    if not couple.ipv_flagged:
        raise ValidationError({"reason": NOTHING_TO_OVERRIDE})
    if not reason:
        raise ValidationError({"reason": REASON_NEEDED})
    if len(reason) > NOTE_TEXT_MAX:
        raise ValidationError({"reason": f"Keep the reason to {NOTE_TEXT_MAX:,} characters."})
    with transaction.atomic():
        couple.ipv_override_reason = reason
        couple.ipv_override_by = by
        couple.ipv_override_at = timezone.now()
        couple.save(update_fields=["ipv_override_reason", "ipv_override_by", "ipv_override_at", "updated_at"])
        record_event("couple.ipv_override", actor=by, obj=couple, couple_id=couple.pk)
    return couple
