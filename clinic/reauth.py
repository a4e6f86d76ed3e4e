"""Re-authentication before sign, export and delete: the password, or a current second-factor code."""

from __future__ import annotations

from typing import Any

from django_otp import devices_for_user

from audit.models import AuditEvent
from audit.services import record_event


def confirm_identity(user: Any, secret: str, *, purpose: str) -> bool:
    """True if `secret` is the user's password or a valid TOTP/backup code right now.

    Every attempt is audited under `reauth.<purpose>`; a failure never says which part was wrong.
    """
    secret = (secret or "").strip()
    confirmed = bool(secret) and (
        user.check_password(secret)
        or any(device.verify_token(secret) for device in devices_for_user(user, confirmed=True)
               if device.name != "demo-skip")
    )
    record_event(
        f"reauth.{purpose}",
        actor=user,
        obj=user,
        outcome=AuditEvent.Outcome.OK if confirmed else AuditEvent.Outcome.FAILED,
    )
    return confirmed
