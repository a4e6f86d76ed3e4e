"""Writes to staff accounts, the practice's settings and second-factor devices.

Each function is keyword-only, validates with full_clean(), runs in one transaction and writes its
audit event in that same transaction. Audit details list changed field names only, never values.
Callers have already checked that `by` is an administrator of the practice concerned.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from audit.services import record_event
from clinic.models import ApiToken, Practice, Role, SignedInSession, User
from clinic.reauth import require_identity
from clinic.selectors.staff import BACKUP_DEVICE_NAME, backup_device, confirmed_totp_device
from rapport import locale
from rapport.middleware import DEMO_SKIP_DEVICE_NAME

INVITE_FIELDS = ("first_name", "last_name", "username", "email", "role", "credentials", "licence_number",
                 "supervisor")
UPDATE_FIELDS = ("first_name", "last_name", "email", "role", "credentials", "licence_number", "supervisor")
LOCALE_FIELDS = ("country", "paper_size", "language", "time_zone", "date_style")
PRACTICE_FIELDS = ("name", "note_deadline_hours", "plan_review_days", "ipv_rescreen_days", "crisis_information",
                   *LOCALE_FIELDS)

TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_CODE_COUNT = 10
LAST_ADMIN = "This is the practice's only active administrator. Make someone else an administrator first."


# --- Staff accounts --------------------------------------------------------------------------------

def _check_supervision(user: User) -> None:
    """A therapist's supervisor is a supervisor of the same practice; nobody else has one."""
    supervisor = user.supervisor
    if supervisor is None:
        return
    if user.role != Role.THERAPIST:
        raise ValidationError({"supervisor": "Only therapists have a supervisor. Clear this field or change the role."})
    if supervisor.pk == user.pk:
        raise ValidationError({"supervisor": "A person cannot supervise themself."})
    if (supervisor.practice_id != user.practice_id or supervisor.role != Role.SUPERVISOR
            or not supervisor.is_active):
        raise ValidationError({"supervisor": "Choose an active supervisor of this practice."})


def _other_active_admins(practice_id: Any, excluding: User) -> int:
    """Count the practice's other active administrators, locking their rows until the transaction ends."""
    admins = User.objects.select_for_update().filter(
        practice_id=practice_id, role=Role.ADMIN, is_active=True
    ).exclude(pk=excluding.pk)
    return len(list(admins.values_list("pk", flat=True)))


def user_invite(*, by: User, **fields: Any) -> User:
    """Create a staff account in `by`'s practice with no usable password; they set one from the invite link."""
    user = User(practice_id=by.practice_id, is_active=True,
                **{name: value for name, value in fields.items() if name in INVITE_FIELDS})
    user.set_unusable_password()
    _check_supervision(user)
    user.full_clean()
    with transaction.atomic():
        user.save()
        record_event("user.invite", actor=by, obj=user,
                     detail={"role": user.role, "fields": sorted(n for n in fields if n in INVITE_FIELDS)})
    return user


def user_update(*, user: User, by: User, secret: str = "", **fields: Any) -> User:
    """Change a colleague's names, role, credentials, licence or supervisor.

    A change of role first asks `by` to confirm it is them (`secret`: their password or a current code;
    clinic.reauth.require_identity, audited as `reauth.user_role_change`). Refuses to leave the practice without
    an active administrator, and to take the supervisor role from someone who still supervises therapists.
    """
    changed = [name for name, value in fields.items() if name in UPDATE_FIELDS and getattr(user, name) != value]
    if not changed:
        return user
    old_role = User.objects.filter(pk=user.pk).values_list("role", flat=True).get()
    for name in changed:
        setattr(user, name, fields[name])
    _check_supervision(user)
    user.full_clean()
    if "role" in changed:
        require_identity(by, secret, purpose="user_role_change")
    with transaction.atomic():
        losing_admin = old_role == Role.ADMIN and user.role != Role.ADMIN and user.is_active
        if losing_admin and _other_active_admins(user.practice_id, excluding=user) == 0:
            raise ValidationError({"role": LAST_ADMIN})
        if old_role == Role.SUPERVISOR and user.role != Role.SUPERVISOR:
            supervisees = User.objects.filter(supervisor=user, is_active=True).count()
            if supervisees:
                raise ValidationError({"role": f"This person supervises {supervisees} therapist(s). "
                                               "Give them another supervisor first."})
        user.save()
        record_event("user.update", actor=by, obj=user, detail={"fields": sorted(changed)})
    return user


@dataclass(frozen=True)
class Deactivation:
    user: User
    sessions_ended: int
    tokens_revoked: int
    supervisees: int


def user_deactivate(*, user: User, by: User) -> Deactivation:
    """Deactivate a colleague and end every session and API token of theirs at once.

    Refuses to deactivate `by` themself or the practice's last active administrator.
    """
    if user.pk == by.pk:
        raise ValidationError("You cannot deactivate your own account. Ask another administrator to do it.")
    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    with transaction.atomic():
        last_admin = user.role == Role.ADMIN and user.is_active
        if last_admin and _other_active_admins(user.practice_id, excluding=user) == 0:
            raise ValidationError(LAST_ADMIN)
        user.is_active = False
        # Only is_active changes: a stale problem elsewhere in the record must not block ending sessions.
        user.full_clean(exclude=[f.name for f in User._meta.fields if f.name != "is_active"], validate_unique=False)
        user.save(update_fields=["is_active"])
        session_keys = list(SignedInSession.objects.filter(user=user).values_list("session_key", flat=True))
        for key in session_keys:
            session_store(session_key=key).delete()
        SignedInSession.objects.filter(user=user).delete()
        tokens_revoked, _ = ApiToken.objects.filter(user=user).delete()
        record_event("user.deactivate", actor=by, obj=user,
                     detail={"sessions_ended": len(session_keys), "tokens_revoked": tokens_revoked})
    supervisees = User.objects.filter(supervisor=user, is_active=True).count()
    return Deactivation(user=user, sessions_ended=len(session_keys), tokens_revoked=tokens_revoked,
                        supervisees=supervisees)


def user_reactivate(*, user: User, by: User) -> User:
    """Let a deactivated colleague sign in again. Their second factor is reset, so whoever holds the account
    now proves it afresh: a phone kept by a former employee is no longer enough."""
    if user.is_active:
        raise ValidationError(f"{user.display_name} is already active.")
    with transaction.atomic():
        user.is_active = True
        user.save(update_fields=["is_active"])
        devices_removed = _delete_second_factors(user)
        record_event("user.reactivate", actor=by, obj=user, detail={"second_factors_reset": devices_removed})
    return user


def user_reset_two_factor(*, user: User, by: User, secret: str) -> int:
    """Delete all of a colleague's second-factor devices: their next request sends them to enrol again.

    Only after `by` confirms it is them (`reauth.user_reset_two_factor`): a reset lets whoever holds the
    colleague's password enrol a new authenticator."""
    require_identity(by, secret, purpose="user_reset_two_factor")
    with transaction.atomic():
        removed = _delete_second_factors(user)
        record_event("user.reset_two_factor", actor=by, obj=user, detail={"devices_removed": removed})
    return removed


def _delete_second_factors(user: User) -> int:
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    return len(devices)


def user_invite_reissue(*, user: User, by: User) -> User:
    """Record that a new invite link was issued to someone who has not yet set a password."""
    if not user.is_active or user.has_usable_password():
        raise ValidationError("This person has already set a password, or their account is deactivated.")
    with transaction.atomic():
        record_event("user.invite_reissued", actor=by, obj=user)
    return user


def invite_accept(*, user: User, password: str) -> User:
    """Set the invited user's first password (already checked by the password validators)."""
    user.set_password(password)
    user.full_clean()
    with transaction.atomic():
        user.save(update_fields=["password"])
        record_event("user.invite_accepted", actor=user, obj=user)
    return user


# --- Practice --------------------------------------------------------------------------------------

def practice_create(*, name: str, country: str = "GB", **fields: Any) -> Practice:
    """A new practice whose paper size, language, time zone and date style start from its country's defaults
    (rapport.locale.DEFAULTS: a US practice gets Letter, en-US, America/New_York and "Dec 4, 2026"); `fields`
    override any of them (a practice in Chicago passes time_zone="America/Chicago"). For the command line and
    set-up scripts: no user acts, so the audit event has no actor."""
    defaults = locale.defaults_for(country)
    practice = Practice(name=name, country=country, paper_size=defaults.paper_size, language=defaults.language,
                        time_zone=defaults.time_zone, date_style=defaults.date_style)
    for field_name, value in fields.items():
        if field_name in PRACTICE_FIELDS:
            setattr(practice, field_name, value)
    practice.full_clean()
    with transaction.atomic():
        practice.save()
        record_event("practice.create", actor=None, obj=practice, detail={"country": country})
    return practice


def practice_update(*, practice: Practice, by: User, **fields: Any) -> Practice:
    """Change the practice's name, note deadline, review intervals or locale (paper size, language, time zone,
    date style: every session picks a changed locale up on its next request, rapport.locale.changed)."""
    changed = [n for n, v in fields.items() if n in PRACTICE_FIELDS and getattr(practice, n) != v]
    if not changed:
        return practice
    for name in changed:
        setattr(practice, name, fields[name])
    practice.full_clean()
    with transaction.atomic():
        practice.save(update_fields=changed)
        record_event("practice.update", actor=by, obj=practice, detail={"fields": sorted(changed)})
    if set(changed) & set(LOCALE_FIELDS):
        locale.changed(practice)
    return practice


# --- Second factor ---------------------------------------------------------------------------------

def two_factor_enrol_start(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator-app device, created on first call and reused after."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
        device.full_clean()
        device.save()
    return device


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user, name=BACKUP_DEVICE_NAME).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_factor_enrol_confirm(*, user: User, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator device (its code was just verified) and issue fresh backup codes."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _new_backup_codes(user)
        record_event("auth.two_factor_enrolled", actor=user, obj=user, detail={"backup_codes": len(codes)})
    return codes


def backup_codes_regenerate(*, user: User) -> list[str]:
    """Replace the user's backup codes with a new set (the old ones stop working)."""
    with transaction.atomic():
        codes = _new_backup_codes(user)
        record_event("auth.backup_codes_regenerated", actor=user, obj=user, detail={"backup_codes": len(codes)})
    return codes


def demo_skip_device(*, user: User) -> StaticDevice:
    """The token-less device that marks a session as having skipped 2FA in the demo (DEMO_MODE only)."""
    if not settings.DEMO_MODE:
        raise ValidationError("Skipping two-factor sign-in is only possible in the demo.")
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, name=DEMO_SKIP_DEVICE_NAME,
                                                       defaults={"confirmed": True})
        record_event("auth.two_factor_skipped_demo", actor=user, obj=user)
    return device


def signed_in_session_renewed(*, user: User, old_key: str | None, new_key: str) -> None:
    """The session got a new key at the second factor (ASVS 5.0 V7.2.4): keep tracking it for deactivation.

    Not audited apart: the same request writes `auth.two_factor_passed` (or `auth.two_factor_skipped_demo`).
    """
    with transaction.atomic():
        renamed = SignedInSession.objects.filter(user=user, session_key=old_key).update(session_key=new_key)
        if not renamed:
            SignedInSession.objects.get_or_create(user=user, session_key=new_key)


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of checking a second-factor code: the device that accepted it, or why none did."""

    device: TOTPDevice | StaticDevice | None
    error: str = ""
    retry_at: datetime.datetime | None = None


TOTP_PATTERN = re.compile(r"^\d{6}$")
WRONG_CODE = "That code is not right. Check it and try again."


def normalise_token(token: str) -> str:
    return re.sub(r"[\s-]", "", token or "").lower()


def _throttled(device: TOTPDevice | StaticDevice) -> TokenCheck | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    retry_at = (info or {}).get("locked_until")
    wait = max(1, math.ceil((retry_at - timezone.now()).total_seconds())) if retry_at else 1
    return TokenCheck(device=None, retry_at=retry_at,
                      error=f"Too many wrong codes in a row. Wait {wait} second{pluralize(wait)}, then try again.")


def check_token(*, user: User, token: str, device: TOTPDevice | None = None, allow_backup: bool = True,
                stage: str = "sign_in") -> TokenCheck:
    """Check a 6-digit authenticator code (or, with allow_backup, a single-use backup code).

    Six digits go to the authenticator device (`device`, else the user's confirmed one), anything else to
    the backup codes, so a backup code never counts as a wrong authenticator code. django-otp's throttling
    applies (each failure doubles the wait) and the device row is locked, so a code works once only.
    Failures are audited as `auth.two_factor_failed`; a pass at the sign-in stage as `auth.two_factor_passed`.
    """
    token = normalise_token(token)
    method = "authenticator" if TOTP_PATTERN.match(token) else "backup_code"
    if method == "authenticator":
        target: TOTPDevice | StaticDevice | None = device or confirmed_totp_device(user)
    else:
        target = backup_device(user) if allow_backup else None
    with transaction.atomic():
        result = TokenCheck(device=None, error=WRONG_CODE)
        if target is not None:
            target = type(target).objects.select_for_update().get(pk=target.pk)
            throttled = _throttled(target)
            if throttled is not None:
                result = throttled
            elif target.verify_token(token):
                result = TokenCheck(device=target)
        if result.device is None:
            record_event("auth.two_factor_failed", actor=user, obj=user, outcome=AuditEvent.Outcome.FAILED,
                         detail={"method": method, "stage": stage, "throttled": result.retry_at is not None})
        elif stage == "sign_in":
            record_event("auth.two_factor_passed", actor=user, obj=user, detail={"method": method})
    return result
