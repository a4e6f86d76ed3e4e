"""Data keys: each stored only wrapped by a key-encryption key (KEK) that lives outside the database."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q


class DataKey(models.Model):
    """One data-encryption key, stored only wrapped by a key-encryption key that lives elsewhere."""

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        RETIRING = "retiring", "Retiring (being rotated out)"
        SHREDDED = "shredded", "Destroyed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner_kind = models.CharField(max_length=10)
    owner_id = models.UUIDField()
    kek_id = models.CharField(max_length=64, db_index=True)
    wrapped_key = models.BinaryField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner_kind", "owner_id"], condition=Q(state="active"), name="one_active_key_per_owner"
            ),
        ]
        db_table = "clinic_datakey"  # made when keys lived in clinic; the table stays where it is
        indexes = [models.Index(fields=["owner_kind", "owner_id"], name="clinic_data_owner_k_4e828d_idx")]

    def __str__(self) -> str:
        return f"DataKey {self.id} {self.owner_kind}:{self.owner_id} {self.state}"

    def __repr__(self) -> str:
        return f"<{self}>"
