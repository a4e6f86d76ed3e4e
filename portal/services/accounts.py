"""Partner accounts: invitation by the therapist, accepting it (set a password), signing in (with django-axes
lockout and an optional authenticator app), revoking, and what the therapist shares.

Callers have already checked access: inviting, revoking and sharing need a couple the therapist may change
(clinic.access, write=True). Audit events name the account and the partner's position, never an email.
Nothing the portal emails names the other partner or holds clinical content.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import smtplib
import uuid
from dataclasses import dataclass
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from audit.models import AuditEvent
from audit.services import record_event
from clinic.models import Couple, CoupleStatus, Partner, PartnerPosition, User
from keys.blind_index import blind_index
from portal.models import AccountStatus, PortalAccount, PortalInvitation

logger = logging.getLogger("rapport.portal")

# Sign-in finds an account by its address before knowing its practice, so the address index is keyed by
# one portal-wide index key (a DEK of kind "index" like each practice's, wrapped by the KEK).
PORTAL_INDEX_OWNER = uuid.UUID("00000000-0000-0000-0000-00000000b0a1")
TOTP_TOLERANCE = 1  # one 30-second step either side, as django-otp's TOTPDevice allows by default
SIGN_IN_FAILED = "The email address or password is not right. Check them and try again."


def email_index(email: str) -> str:
    return blind_index(PORTAL_INDEX_OWNER, email.strip())


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str, base_url: str = "") -> str:
    """The link of an invitation: on RAPPORT_PUBLIC_URL when set, else on the address the therapist used."""
    base = (settings.RAPPORT_PUBLIC_URL or base_url or "").rstrip("/")
    return f"{base}{reverse('portal:accept', args=[token])}"


@dataclass(frozen=True)
class Invitation:
    account: PortalAccount
    token: str
    url: str
    expires_at: datetime.datetime
    emailed: bool


def portal_invite(*, couple: Couple, position: str, email: str, by: User, base_url: str = "") -> Invitation:
    """Create (or renew) partner `position`'s portal account and a single-use invitation link, and email it.

    Refused for a discharged couple, an account already active (revoke it first), and an address another
    live account uses. Earlier unused links of the account stop working. The link is returned so that the
    therapist can also see it (for instance to read it out when the email does not arrive).
    """
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter an email address like name@example.com."}) from None
    if couple.status == CoupleStatus.DISCHARGED:
        raise ValidationError("This couple has been discharged: the portal is closed to them.", code="discharged")
    if position not in PartnerPosition.values:
        raise ValidationError({"position": "Choose partner A or partner B."})
    partner = Partner.objects.get(couple=couple, position=position)
    index = email_index(email)
    with transaction.atomic():
        account = PortalAccount.objects.select_for_update().filter(partner=partner).first()
        if account is not None and account.status == AccountStatus.ACTIVE:
            raise ValidationError("This partner already has an active account. Revoke it first to invite again.",
                                  code="active")
        clash = PortalAccount.objects.filter(email_index=index).exclude(status=AccountStatus.REVOKED)
        if account is not None:
            clash = clash.exclude(pk=account.pk)
        if clash.exists():
            raise ValidationError({"email": "Another portal account uses this address: give each partner their own."})
        if account is None:
            account = PortalAccount(partner=partner, couple=couple)
        account.email, account.email_index, account.status = email, index, AccountStatus.INVITED
        account.password, account.totp_key, account.totp_last_t = "", None, -1
        account.invited_by, account.revoked_at, account.revoked_by = by, None, None
        account.full_clean(validate_constraints=False)
        account.save()
        now = timezone.now()
        PortalInvitation.objects.filter(account=account, used_at=None, cancelled_at=None).update(cancelled_at=now)
        token = secrets.token_urlsafe(32)
        invitation = PortalInvitation.objects.create(
            account=account, token_hash=_token_hash(token), created_by=by,
            expires_at=now + datetime.timedelta(hours=settings.RAPPORT_PORTAL_INVITE_HOURS),
        )
        record_event("portal.invite", actor=by, obj=account, detail={"partner": position,
                                                                     "invitation": str(invitation.pk)})
    url = invitation_url(token, base_url)
    emailed = _send_invitation(email, url, invitation.expires_at)  # after the commit: the link stays valid
    return Invitation(account=account, token=token, url=url, expires_at=invitation.expires_at, emailed=emailed)


def _send_invitation(email: str, url: str, expires_at: datetime.datetime) -> bool:
    """The invitation email: no names (not even the addressee's), no clinical content, just the link.
    False when the mail server refused it (the therapist is shown the link to pass on)."""
    expires = timezone.localtime(expires_at).strftime("%-d %b %Y, %H:%M")
    try:
        send_mail(
            subject="Your invitation to your therapist's portal",
            message=(
                "Your therapist has invited you to their client portal, where you can answer questionnaires and "
                f"keep your between-session notes.\n\nSet your password here (the link works once, until "
                f"{expires}):\n{url}\n\nIf you did not expect this email, ignore it."
            ),
            from_email=None, recipient_list=[email], fail_silently=False,
        )
    except (OSError, smtplib.SMTPException):
        logger.warning("portal invitation email not sent")
        return False
    return True


def invitation_for_token(token: str) -> PortalInvitation | None:
    """The usable invitation of `token`: unused, not cancelled, not expired, its account not revoked and its
    couple not discharged; else None."""
    invitation = (PortalInvitation.objects.select_related("account__couple", "account__partner")
                  .filter(token_hash=_token_hash(token or "")).first())
    if invitation is None or invitation.used_at or invitation.cancelled_at or invitation.expires_at <= timezone.now():
        return None
    account = invitation.account
    if account.status == AccountStatus.REVOKED or account.couple.status == CoupleStatus.DISCHARGED:
        return None
    return invitation


def portal_accept(*, invitation: PortalInvitation, password: str) -> PortalAccount:
    """Set the account's password from an invitation link, which is then used up. The password follows the
    practice's rules (AUTH_PASSWORD_VALIDATORS: 12 characters or more, not common, not all numbers)."""
    account = invitation.account
    try:
        validate_password(password)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    with transaction.atomic():
        current = PortalInvitation.objects.select_for_update().get(pk=invitation.pk)
        if current.used_at or current.cancelled_at:
            raise ValidationError("This link has already been used. Ask your therapist for a new one.", code="used")
        current.used_at = timezone.now()
        current.save(update_fields=["used_at"])
        account.password = make_password(password)
        account.status = AccountStatus.ACTIVE
        account.activated_at = current.used_at
        account.save(update_fields=["password", "status", "activated_at"])
        record_event("portal.accept", actor=account, obj=account, detail={"partner": account.position})
    return account


def _lockout_credentials(email: str) -> dict[str, str]:
    # django-axes counts failures per (username, IP): the username it sees is the address's index, never
    # the address, so its tables hold no email.
    return {"username": f"portal:{email_index(email)}"}


def portal_authenticate(*, request: HttpRequest, email: str, password: str) -> PortalAccount:
    """The usable account with this address and password, counted by django-axes like a staff sign-in
    (RAPPORT_LOCKOUT_FAILURES failures lock the address on that IP for RAPPORT_LOCKOUT_MINUTES).
    Staff accounts are not portal accounts: their username and password never match here."""
    email = (email or "").strip()
    credentials = _lockout_credentials(email) if email else {"username": "portal:"}
    AxesProxyHandler.update_request(request)
    if AxesProxyHandler.is_locked(request, credentials):
        raise ValidationError("Too many failed attempts. Try again later.", code="locked")
    account = (PortalAccount.objects.usable().select_related("partner", "couple")
               .filter(email_index=credentials["username"].removeprefix("portal:")).first()) if email else None
    if account is None or not account.password or not check_password(password, account.password):
        if account is None:
            make_password(password)  # the same work as a real check, so timing does not tell which addresses exist
        with transaction.atomic():
            record_event("portal.sign_in_failed", actor=account, object_type="portal.portalaccount" if account else "",
                         object_id=account.pk if account else "", outcome=AuditEvent.Outcome.FAILED,
                         detail={"known_account": account is not None})
        AxesProxyHandler.user_login_failed(sender=portal_authenticate, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            raise ValidationError("Too many failed attempts. Try again later.", code="locked")
        raise ValidationError(SIGN_IN_FAILED, code="invalid")
    AxesProxyHandler.reset_attempts(username=credentials["username"])
    return account


def portal_signed_in(*, account: PortalAccount, second_factor: bool) -> None:
    """Record a completed sign-in (password, and the authenticator code when the account has one)."""
    with transaction.atomic():
        PortalAccount.objects.filter(pk=account.pk).update(last_sign_in=timezone.now())
        record_event("portal.sign_in", actor=account, obj=account, detail={"second_factor": second_factor})


def _totp(key_hex: str) -> TOTP:
    return TOTP(bytes.fromhex(key_hex))


def portal_verify_totp(*, account: PortalAccount, token: Any) -> bool:
    """Check an authenticator code against the account's secret; a code is accepted once only."""
    try:
        token = int(str(token).strip())
    except (TypeError, ValueError):
        return False
    totp = _totp(account.totp_key)
    for drift in range(-TOTP_TOLERANCE, TOTP_TOLERANCE + 1):
        totp.drift = drift
        if totp.t() > account.totp_last_t and totp.token() == token:
            with transaction.atomic():
                PortalAccount.objects.filter(pk=account.pk).update(totp_last_t=totp.t())
            account.totp_last_t = totp.t()
            return True
    return False


def new_totp_key() -> str:
    return secrets.token_hex(20)


def portal_totp_enable(*, account: PortalAccount, key_hex: str, token: Any) -> PortalAccount:
    """Turn on the authenticator app once the partner has typed a code it shows for `key_hex`."""
    totp = _totp(key_hex)
    ok = False
    for drift in range(-TOTP_TOLERANCE, TOTP_TOLERANCE + 1):
        totp.drift = drift
        if str(token).strip() == f"{totp.token():06d}":
            ok = True
            break
    if not ok:
        raise ValidationError({"token": "That code does not match. Type the 6 digits your app shows now."})
    with transaction.atomic():
        account.totp_key, account.totp_last_t = key_hex, totp.t()
        account.save(update_fields=["totp_key", "totp_last_t"])
        record_event("portal.totp_enabled", actor=account, obj=account)
    return account


def portal_revoke(*, account: PortalAccount, by: User | None, reason: str = "therapist") -> PortalAccount:
    """End the partner's access at once: their session ends at its next request, unused links stop working."""
    with transaction.atomic():
        now = timezone.now()
        account.status, account.revoked_at, account.revoked_by = AccountStatus.REVOKED, now, by
        account.save(update_fields=["status", "revoked_at", "revoked_by"])
        PortalInvitation.objects.filter(account=account, used_at=None, cancelled_at=None).update(cancelled_at=now)
        record_event("portal.revoke", actor=by, obj=account, detail={"partner": account.position, "reason": reason})
    return account


def portal_sharing_set(*, account: PortalAccount, by: User, share_charts: bool, share_goals: bool) -> PortalAccount:
    """What the partner sees beyond measures and homework: charts of their own scores, the goals for them."""
    with transaction.atomic():
        account.share_charts, account.share_goals = bool(share_charts), bool(share_goals)
        account.save(update_fields=["share_charts", "share_goals"])
        record_event("portal.sharing", actor=by, obj=account,
                     detail={"charts": account.share_charts, "goals": account.share_goals})
    return account
