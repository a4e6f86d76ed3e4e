"""The audit trail: append-only, hash-chained events (see services.py for writing, chain.py for checking)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """Append-only, hash-chained record of who did what to which record. Never names or clinical text."""

    class Outcome(models.TextChoices):
        OK = "ok", "Allowed"
        DENIED = "denied", "Refused"
        FAILED = "failed", "Failed"

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.UUIDField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    practice_id = models.UUIDField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=60, db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    couple_id = models.UUIDField(null=True, blank=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Which audit key keyed `hash` (audit.chain): empty for events written before the chain was keyed, whose
    # hash is plain SHA-256. Once one event is keyed, every later one must be.
    key_id = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        db_table = "clinic_auditevent"  # made when the audit trail lived in clinic; the table stays where it is
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.outcome}"
