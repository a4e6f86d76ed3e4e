"""Marking the partners' portal entries of a couple as reviewed (the "Reviewed" button of Today's "New client
entries"). Callers have checked that `by` may change the couple (clinic.access, write=True)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import Couple, User
from plans.selectors.client_entries import CLIENT_ENTRY_MODELS, unreviewed_client_entries


def client_entries_mark_reviewed(*, couple: Couple, by: User) -> int:
    """Mark every unreviewed client-reported entry of the couple as reviewed by `by`, now; the count."""
    now = timezone.now()
    counts = {}
    with transaction.atomic():
        for model, _, _ in CLIENT_ENTRY_MODELS:
            counts[model._meta.model_name] = unreviewed_client_entries(model).filter(couple=couple).update(
                client_reviewed_at=now, client_reviewed_by=by)
        record_event("client_entries.reviewed", actor=by, obj=couple, detail={"counts": counts})
    return sum(counts.values())
