"""Partner accounts of the portal, their invitations, and measures a therapist sends a partner now.

A partner account is not a staff `User`: it never becomes `request.user`, so every staff page (Django's
LoginRequiredMiddleware) and the staff API (DRF's IsAuthenticated) refuse it as they refuse an anonymous
visitor. The portal recognises it from its own session keys (portal.session) on its own URLs only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from clinic.models import Couple, CoupleStatus, Partner
from keys.fields import EncryptedCharField, EncryptedModel


class AccountStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Active"
    REVOKED = "revoked", "Revoked"


class PortalAccountQuerySet(models.QuerySet):
    def usable(self) -> PortalAccountQuerySet:
        """Accounts that may sign in: active, and their couple not discharged (discharge revokes access)."""
        return self.filter(status=AccountStatus.ACTIVE).exclude(couple__status=CoupleStatus.DISCHARGED)


class PortalAccount(EncryptedModel):
    """One partner's access to the portal. The email is encrypted under the couple's key and found by a
    keyed blind index (keys.blind_index); the password is a Django password hash."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="portal_account")
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="portal_accounts")
    email = EncryptedCharField(max_length=254)
    email_index = models.CharField(max_length=16, db_index=True, editable=False)
    password = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=10, choices=AccountStatus.choices, default=AccountStatus.INVITED)
    # Authenticator app (RFC 6238, django-otp's TOTP): the secret is encrypted; empty when not set up.
    totp_key = EncryptedCharField(max_length=80, blank=True, null=True)
    totp_last_t = models.BigIntegerField(default=-1)
    # What the therapist shares with this partner beyond measures and homework.
    share_charts = models.BooleanField(default=False, help_text="The partner sees charts of their own scores.")
    share_goals = models.BooleanField(default=False, help_text="The partner sees the plan goals marked for them.")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    last_sign_in = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    objects = PortalAccountQuerySet.as_manager()
    key_owner_kind = "couple"
    key_owner_field = "couple_id"

    class Meta:
        constraints = [
            # One live account per address: sign-in finds it by the address alone.
            models.UniqueConstraint(fields=["email_index"], condition=~Q(status="revoked"),
                                    name="portal_email_unique_live"),
        ]

    def __str__(self) -> str:
        return f"Portal account {self.pk}"

    # Enough of Django's user protocol for audit.services.record_event (actor id and a name that is a UUID).
    is_authenticated = False
    is_anonymous = False

    def get_username(self) -> str:
        return f"partner:{self.pk}"

    @property
    def practice_id(self):
        return self.couple.practice_id

    @property
    def position(self) -> str:
        return self.partner.position

    @property
    def totp_enabled(self) -> bool:
        return bool(self.totp_key)


class PortalInvitation(models.Model):
    """A single-use, expiring link to set a password. Only the SHA-256 of the token is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(PortalAccount, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Portal invitation {self.pk}"


class MeasureRequest(models.Model):
    """A questionnaire the therapist sent a partner now, outside the plan's schedule. Done when the partner
    answers it (`administration` set) or the therapist withdraws it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(PortalAccount, on_delete=models.CASCADE, related_name="measure_requests")
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=40)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    administration = models.OneToOneField("plans.MeasureAdministration", on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"Measure request {self.pk}"
