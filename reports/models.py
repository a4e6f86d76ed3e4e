"""Generated reports and report batches. The files hold PHI: they are encrypted, expire, and every download
is audited. File names never carry client names."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from clinic.models import Couple, Practice
from keys.fields import EncryptedBinaryField, EncryptedModel
from keys.keyring import KeyOwner


class ReportKind(models.TextChoices):
    PROGRESS = "progress", "Couple progress report"
    DISCHARGE = "discharge", "Treatment / discharge summary"
    PRACTICE = "practice", "Practice report"


class ReportAudience(models.TextChoices):
    """Who a couple report is for (reports.builders.progress: what each may see)."""

    CLINICAL = "clinical", "The clinical record or a supervisor"
    COUPLE = "couple", "The couple themselves"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being generated"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class ReportBatch(models.Model):
    """"Progress reports for all my active couples for October": one ZIP made of many reports.

    No ZIP is stored: each file stays sealed under its own couple's key (GeneratedReport), and the ZIP is put
    together at each download from the files the requester may still read (reports.services.files), so ending a
    care-team place, a change of role or shredding a couple takes effect on every earlier batch at once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="report_batches")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=ReportKind.choices, default=ReportKind.PROGRESS)
    period_start = models.DateField()
    period_end = models.DateField()
    options = models.JSONField(default=dict, blank=True, help_text="Non-clinical switches only.")
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    archive_name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    # Background work: the finishing step that currently watches the batch, and when anything last moved.
    finisher_task_id = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Report batch {self.pk}"


class GeneratedReport(EncryptedModel):
    """One generated PDF (or CSV), sealed under its couple's key, or the practice's for practice reports."""

    key_owner_kind = "couple"
    key_owner_field = "couple_id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="generated_reports")
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, null=True, blank=True, related_name="reports")
    batch = models.ForeignKey(ReportBatch, on_delete=models.CASCADE, null=True, blank=True, related_name="reports")
    kind = models.CharField(max_length=12, choices=ReportKind.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    options = models.JSONField(default=dict, blank=True, help_text="Non-clinical switches only.")
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    content = EncryptedBinaryField(null=True, blank=True)
    content_type = models.CharField(max_length=60, default="application/pdf")
    file_name = models.CharField(max_length=120, blank=True)
    size_bytes = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True, help_text="What went wrong, without clinical text.")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    task_id = models.CharField(max_length=64, blank=True, help_text="The queued task that will generate it.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["batch", "status"]), models.Index(fields=["requested_by", "created_at"])]

    def __str__(self) -> str:
        return f"Generated report {self.pk}"

    def key_owner(self) -> KeyOwner:
        if self.couple_id is not None:
            return KeyOwner("couple", self.couple_id)
        return KeyOwner("practice", self.practice_id)

    @classmethod
    def rows_owned_by(cls, owner: KeyOwner) -> models.QuerySet:
        if owner.kind == "couple":
            return cls._base_manager.filter(couple_id=owner.id)
        if owner.kind == "practice":
            return cls._base_manager.filter(couple__isnull=True, practice_id=owner.id)
        return cls._base_manager.none()
