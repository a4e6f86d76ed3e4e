"""Reads of the practice's staff accounts and their second-factor devices (administration and sign-in pages)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import User

# The name of the django-otp static device that holds a user's backup codes.
BACKUP_DEVICE_NAME = "backup"


def staff_list(*, practice_id: Any) -> QuerySet[User]:
    """Everyone on the practice's staff, active first, with their supervisor and whether 2FA is set up."""
    return (
        User.objects.filter(practice_id=practice_id)
        .select_related("supervisor")
        .annotate(two_factor_enrolled=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .order_by("-is_active", "last_name", "first_name", "username")
    )


def two_factor_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def backup_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, name=BACKUP_DEVICE_NAME).first()


def backup_codes_remaining(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=BACKUP_DEVICE_NAME).count()
