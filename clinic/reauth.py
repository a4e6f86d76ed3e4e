"""Re-authentication before signing and sensitive administrator actions: the password, or a current code.

It has its own throttle per user (RAPPORT_REAUTH_THROTTLE: after `limit` failures a wait of `first_wait`
seconds, doubling with each further failure up to `max_wait`; a success clears it). Attempts during a
wait are refused unchecked (ReauthThrottled) and audited. Codes are checked here without django-otp's
device throttle, so an attacker holding a session can neither guess the password quickly nor, by failing
on purpose, lock the real user's authenticator (and with it their next sign-in).
"""

from __future__ import annotations

import math
import re
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from audit.services import record_event
from clinic.models import ReauthThrottle
from clinic.selectors.staff import backup_device

TOTP_PATTERN = re.compile(r"^\d{6}$")


class ReauthThrottled(ValidationError):
    """Too many wrong passwords or codes in a row: nothing is checked until the wait is over (HTTP 429)."""

    http_status = 429

    def __init__(self, wait: int, nothing_done: str = "Nothing was signed.") -> None:
        self.wait = wait
        minutes = math.ceil(wait / 60)
        words = f"{wait} second{'' if wait == 1 else 's'}" if wait < 60 else \
            f"{minutes} minute{'' if minutes == 1 else 's'}"
        super().__init__({"secret": [ValidationError(
            f"Too many wrong passwords or codes in a row. Wait {words}, then try again. {nothing_done}",
            code="reauth_throttled")]})


def throttle_wait(failures: int, last_failure_at, now) -> int:
    """Seconds still to wait after `failures` failures in a row, the newest at `last_failure_at`."""
    rule = settings.RAPPORT_REAUTH_THROTTLE
    if failures < rule["limit"] or last_failure_at is None:
        return 0
    wait = min(rule["max_wait"], rule["first_wait"] * 2 ** min(failures - rule["limit"], 30))
    return max(0, math.ceil((last_failure_at + timedelta(seconds=wait) - now).total_seconds()))


def _totp_matches(user: Any, token: str) -> bool:
    """A current code of the user's authenticator, once only (replay refused), without the device's throttle."""
    for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        if totp.verify(int(token), device.tolerance, device.last_t + 1):
            device.last_t = totp.t()
            device.save(update_fields=["last_t"])
            return True
    return False


def _backup_code_matches(user: Any, token: str) -> bool:
    device = backup_device(user)
    if device is None:
        return False
    match = device.token_set.select_for_update().filter(token=token).first()
    if match is None:
        return False
    match.delete()
    return True


def _matches(user: Any, secret: str) -> bool:
    if user.check_password(secret):
        return True
    token = re.sub(r"[\s-]", "", secret).lower()
    if TOTP_PATTERN.match(token):
        return _totp_matches(user, token)
    return bool(token) and _backup_code_matches(user, token)


def confirm_identity(user: Any, secret: str, *, purpose: str) -> bool:
    """True if `secret` is the user's password or a valid TOTP/backup code right now.

    Every attempt is audited under `reauth.<purpose>`; a failure never says which part was wrong.
    Raises ReauthThrottled (a ValidationError on `secret`, audited with outcome "denied") during a wait.
    """
    secret = (secret or "").strip()
    now = timezone.now()
    ReauthThrottle.objects.get_or_create(user=user)
    with transaction.atomic():
        state = ReauthThrottle.objects.select_for_update().get(user=user)
        wait = throttle_wait(state.failures, state.last_failure_at, now)
        if wait:
            record_event(f"reauth.{purpose}", actor=user, obj=user, outcome=AuditEvent.Outcome.DENIED,
                         detail={"throttled": True, "failures": state.failures, "wait_seconds": wait})
        else:
            confirmed = bool(secret) and _matches(user, secret)
            state.failures = 0 if confirmed else state.failures + 1
            state.last_failure_at = None if confirmed else now
            state.save(update_fields=["failures", "last_failure_at"])
            detail = {} if confirmed else {"failures": state.failures}
            record_event(f"reauth.{purpose}", actor=user, obj=user,
                         outcome=AuditEvent.Outcome.OK if confirmed else AuditEvent.Outcome.FAILED, detail=detail)
            if not confirmed and throttle_wait(state.failures, now, now):
                record_event("reauth.throttled", actor=user, obj=user, outcome=AuditEvent.Outcome.DENIED,
                             detail={"failures": state.failures,
                                     "wait_seconds": throttle_wait(state.failures, now, now)})
    if wait:
        raise ReauthThrottled(wait)
    return confirmed


ADMIN_REAUTH_FAILED = ("That password or code is not right. Nothing was changed. Enter your own password, or the code "
                       "your authenticator app shows now.")
NOTHING_CHANGED = "Nothing was changed."


class IdentityNotConfirmed(ValidationError):
    """The password or code given to confirm an administrator's action was not right (HTTP 400)."""

    http_status = 400

    def __init__(self) -> None:
        super().__init__({"secret": [ValidationError(ADMIN_REAUTH_FAILED, code="reauth_failed")]})


def require_identity(user: Any, secret: str, *, purpose: str) -> None:
    """confirm_identity for an administrator's action: raises IdentityNotConfirmed when the password or code is
    wrong, ReauthThrottled (saying nothing was changed) during a wait. Call it outside the action's transaction,
    so that a failed attempt stays in the audit trail."""
    try:
        confirmed = confirm_identity(user, secret, purpose=purpose)
    except ReauthThrottled as exc:
        raise ReauthThrottled(exc.wait, nothing_done=NOTHING_CHANGED) from None
    if not confirmed:
        raise IdentityNotConfirmed()
