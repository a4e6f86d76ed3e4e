"""The clinician's record of an affair: ongoing, ended (and when), or not recorded.

Forgiveness work (Gordon, Baucom & Snyder 2004, J Marital Fam Ther 30:213-231; Snyder, Baucom & Gordon 2007,
Getting Past the Affair) and attachment-injury repair (Johnson, Makinen & Millikin 2001) treat the impact of
an affair that has ended; while it goes on, the plan's tab and the library picker warn (plans.safety_flags,
plans.selectors.safety). The status and the date are encrypted (keys.fields); the audit event names the couple
and the fields changed, never their values. Clinicians on the case only: never the practice manager, never a
partner in the portal, never a couple-audience report.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import AffairStatus, Couple, User

FIELDS = ("affair_status", "affair_ended_on")
END_DATE_ONLY_WHEN_ENDED = "Give the date the affair ended only when it has ended."
END_DATE_IN_FUTURE = "The date the affair ended cannot be in the future."


def affair_record(*, couple: Couple, by: User, status: str, ended_on: datetime.date | None = None) -> Couple:
    """Record that an affair is ongoing, has ended (optionally when) or clear the record (status "" or None).
    Callers have checked that `by` may change the couple (clinic.access.get_couple_for_user(write=True))."""
    status = status or None  # not recorded: no value at all (an empty string would still be sealed)
    if status != AffairStatus.ENDED and ended_on is not None:
        raise ValidationError({"affair_ended_on": [END_DATE_ONLY_WHEN_ENDED]})
    if ended_on is not None and ended_on > timezone.localdate():
        raise ValidationError({"affair_ended_on": [END_DATE_IN_FUTURE]})
    with transaction.atomic():
        current = Couple.objects.select_for_update().get(pk=couple.pk)
        changed = [name for name, value in (("affair_status", status), ("affair_ended_on", ended_on))
                   if getattr(current, name) != value]
        couple.affair_status, couple.affair_ended_on = status, ended_on
        couple.affair_recorded_by, couple.affair_recorded_at = by, timezone.now()
        couple.full_clean(exclude=[f.name for f in Couple._meta.fields if f.name not in FIELDS],
                          validate_unique=False, validate_constraints=False)
        couple.save(update_fields=[*FIELDS, "affair_recorded_by", "affair_recorded_at", "updated_at"])
        record_event("couple.affair_recorded", actor=by, obj=couple, couple_id=couple.pk,
                     detail={"fields": changed})
    return couple
