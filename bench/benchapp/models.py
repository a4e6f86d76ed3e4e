"""Benchmark-only models: the same note table with our field, a plain TextField, and the peer's field."""

import uuid

from django.db import models
from encrypted_fields.fields import EncryptedTextField as PeerEncryptedTextField

from keys.fields import EncryptedModel, EncryptedTextField


class OurNote(EncryptedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    couple_id = models.UUIDField(db_index=True)
    body = EncryptedTextField()

    key_owner_kind = "couple"
    key_owner_field = "couple_id"

    def __str__(self) -> str:
        return f"OurNote {self.pk}"


class PlainNote(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    couple_id = models.UUIDField(db_index=True)
    body = models.TextField()

    def __str__(self) -> str:
        return f"PlainNote {self.pk}"


class PeerNote(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    couple_id = models.UUIDField(db_index=True)
    body = PeerEncryptedTextField()

    def __str__(self) -> str:
        return f"PeerNote {self.pk}"
