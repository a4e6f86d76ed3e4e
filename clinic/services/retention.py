"""Retention and crypto-shredding of a couple: when its record may be destroyed, and destroying it.

The rule is the practice's (RAPPORT_RETENTION_YEARS after a discharged couple's end date); destroying
the data keys is the keys app's job (keys.shredding.shred_keys).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import Couple, CoupleStatus
from keys import keyring
from keys.errors import CryptoError
from keys.shredding import shred_keys


class ShredRefused(CryptoError):
    """shred_couple refused: not discharged, retention not over, already shredded, or not confirmed."""


def retention_ends(couple: Couple) -> datetime.date | None:
    """The first day a discharged couple may be shredded (end date + RAPPORT_RETENTION_YEARS), or None."""
    if couple.status != CoupleStatus.DISCHARGED or couple.end_date is None:
        return None
    years = settings.RAPPORT_RETENTION_YEARS
    end = couple.end_date
    try:
        return end.replace(year=end.year + years)
    except ValueError:  # 29 February
        return end.replace(year=end.year + years, day=28)


def check_can_shred(couple: Couple, *, today: datetime.date | None = None) -> None:
    """Raise ShredRefused (with what would make it possible) unless the couple may be shredded today."""
    today = today or timezone.localdate()
    if couple.shredded_at is not None:
        raise ShredRefused(f"Couple {couple.pk} was already shredded on {couple.shredded_at:%Y-%m-%d}.")
    if couple.status != CoupleStatus.DISCHARGED or couple.end_date is None:
        raise ShredRefused(
            f"Couple {couple.pk} is not discharged with an end date (status: {couple.status}). "
            "Only a discharged case past its retention period can be shredded."
        )
    ends = retention_ends(couple)
    if today < ends:
        raise ShredRefused(
            f"Couple {couple.pk} must be kept until {ends:%Y-%m-%d} ({settings.RAPPORT_RETENTION_YEARS} years "
            f"after its end date {couple.end_date:%Y-%m-%d}, RAPPORT_RETENTION_YEARS)."
        )


def shred_couple(*, couple: Couple, confirmation: str, today: datetime.date | None = None) -> int:
    """Destroy every data key of a discharged couple past retention. Returns how many keys were destroyed.

    `confirmation` must equal the couple's reference. The couple row, its reference, dates and audit
    history remain; its encrypted values read as SHREDDED_TEXT (text) or None from now on, everywhere,
    and nothing new can be written under it. Audited as `couple.shred`.
    """
    owner = keyring.KeyOwner("couple", couple.pk)
    with transaction.atomic():
        couple = Couple.objects.select_for_update().get(pk=couple.pk)
        check_can_shred(couple, today=today)
        if confirmation != couple.reference:
            raise ShredRefused("The confirmation does not match the couple's reference; nothing was destroyed.")
        destroyed = shred_keys(owner)
        couple.shredded_at = timezone.now()
        couple.save(update_fields=["shredded_at"])
        record_event("couple.shred", obj=couple, detail={"keys_destroyed": destroyed})
    keyring.forget_owner(owner)
    return destroyed
