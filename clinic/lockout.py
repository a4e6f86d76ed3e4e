"""Sign-in lockout: django-axes' database handler with three limits and a growing wait.

django-axes records every failed sign-in (web form and API token endpoint alike, both go through
`django.contrib.auth.authenticate`) in its AccessAttempt table; this handler decides from those rows.
One rule of axes (AXES_FAILURE_LIMIT failures within AXES_COOLOFF_TIME, one limit for every parameter)
cannot say "5 per account and address, 10 per account, 5 usernames per address" nor make the wait grow,
so `is_locked` is replaced here; counting, storage, clean-up, signals and the lockout response stay axes'.

The three limits (RAPPORT_LOCKOUT, values and reasons in README "Security"):

- account + address: the person at the keyboard mistyping; a short wait after 5 failures.
- account, from any address: a distributed guess at one password (12 addresses, one try each). Not applied
  at an address where the account signed in before (axes' AccessLog, RAPPORT_LOCKOUT_KNOWN_ADDRESS_DAYS),
  so an attacker elsewhere cannot keep the real user out (ASVS 5.0 V6.1.1 "prevent malicious account lockout").
- address, across usernames: password spraying (one password tried on many accounts).

Each wait starts at `first_wait` when the count reaches `limit` and doubles with each further failure, up to
`max_wait`; it runs from the newest failure, and attempts refused during a wait are not counted
(AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False), so the wait never becomes a permanent lock.
Failures are forgotten AXES_COOLOFF_TIME (24 hours) after the newest one, or at a successful sign-in from
the same address.

Typed usernames are stored as an HMAC (`username_digest`, keyed with SECRET_KEY): a copy of the lockout
table does not list who was tried, and a mistyped client's name never lands there in clear.

The sign-in of other parts of the site (e.g. a partner portal) gets the same protection by calling
`django.contrib.auth.authenticate(request=...)`; `lockout_wait` and `reset_after_success` are the two
functions to use for a flow that checks credentials in more than one step (as the API token endpoint does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_client_user_agent, get_client_username
from axes.models import AccessAttempt, AccessLog
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Count, Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import salted_hmac

DIGEST_SALT = "rapport.lockout.username"


@dataclass(frozen=True)
class Rule:
    """`limit` failures (or, for "address", distinct usernames) start a wait of `first_wait` seconds,
    doubling with each one more, at most `max_wait` seconds."""

    scope: str
    limit: int
    first_wait: int
    max_wait: int

    def wait(self, count: int) -> int:
        if count < self.limit:
            return 0
        return min(self.max_wait, self.first_wait * 2 ** min(count - self.limit, 30))


@dataclass(frozen=True)
class Lockout:
    """The longest wait any rule imposes now (0: sign-in may be tried), and the rule that imposes it."""

    seconds: int = 0
    scope: str = ""

    @property
    def locked(self) -> bool:
        return self.seconds > 0


def rules() -> list[Rule]:
    """The configured rules; a rule with a limit of 0 is off."""
    return [Rule(scope, **values) for scope, values in settings.RAPPORT_LOCKOUT.items() if values["limit"] > 0]


def username_digest(username: str | None) -> str | None:
    """The HMAC-SHA256 (hex) of a typed username, case-folded so that "Alice" and "alice" count together."""
    if username is None:
        return None
    value = str(username).strip().casefold()
    return salted_hmac(DIGEST_SALT, value, algorithm="sha256").hexdigest()


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the digest of the username in the credentials, else in the posted data."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        data = getattr(request, "data", None)
        username = (data if hasattr(data, "get") else request.POST).get(field)
    return username_digest(username) if username else None


def _request_ip(request: HttpRequest) -> str | None:
    return getattr(request, "axes_ip_address", None) or get_client_ip_address(request)


def _remaining(wait: int, newest, now) -> int:
    if not wait or newest is None:
        return 0
    return max(0, math.ceil((newest + timedelta(seconds=wait) - now).total_seconds()))


def _known_address(digest: str, ip_address: str | None, now) -> bool:
    days = settings.RAPPORT_LOCKOUT_KNOWN_ADDRESS_DAYS
    if not ip_address or not days:
        return False
    return AccessLog.objects.filter(username=digest, ip_address=ip_address,
                                    attempt_time__gte=now - timedelta(days=days)).exists()


def lockout_for(digest: str | None, ip_address: str | None) -> Lockout:
    """The wait now for a username digest at an address (three or four small queries on AccessAttempt)."""
    now = timezone.now()
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME)
    found = Lockout()
    for rule in rules():
        if rule.scope == "account_address" and digest and ip_address:
            row = recent.filter(username=digest, ip_address=ip_address).aggregate(
                count=Sum("failures_since_start"), newest=Max("attempt_time"))
        elif rule.scope == "account" and digest:
            row = recent.filter(username=digest).aggregate(count=Sum("failures_since_start"),
                                                           newest=Max("attempt_time"))
            if row["count"] and rule.wait(row["count"]) and _known_address(digest, ip_address, now):
                continue
        elif rule.scope == "address" and ip_address:
            row = recent.filter(ip_address=ip_address, username__isnull=False).aggregate(
                count=Count("username", distinct=True), newest=Max("attempt_time"))
        else:
            continue
        seconds = _remaining(rule.wait(row["count"] or 0), row["newest"], now)
        if seconds > found.seconds:
            found = Lockout(seconds=seconds, scope=rule.scope)
    return found


def lockout_wait(request: HttpRequest, username: str | None) -> Lockout:
    """The wait now before `username` may try to sign in from this request's address."""
    return lockout_for(username_digest(username) if username else None, _request_ip(request))


def remember_sign_in(request: HttpRequest, username: str) -> None:
    """Log a successful sign-in of `username` at this request's address, under the username's digest (this is
    what makes the address "known" to the account rule)."""
    AccessLog.objects.create(
        username=username_digest(username), ip_address=_request_ip(request),
        user_agent=get_client_user_agent(request), http_accept="", path_info=request.path[:255],
        attempt_time=timezone.now(), session_hash="",
    )


def reset_after_success(request: HttpRequest, username: str) -> int:
    """After a successful sign-in that did not go through `login()` (the API token endpoint): log it, and
    forget the failures of `username` at this request's address, as a web sign-in does by itself."""
    remember_sign_in(request, username)
    count, _ = AccessAttempt.objects.filter(username=username_digest(username),
                                            ip_address=_request_ip(request)).delete()
    return count


class LockoutHandler(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler with the three rules above deciding the lockout."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        lockout = lockout_for(get_client_username(request, credentials), _request_ip(request))
        request.rapport_lockout = lockout
        return lockout.locked

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return  # refused by an earlier lockout: axes has sent user_locked_out already
        # AXES_LOCK_OUT_AT_FAILURE is off, so axes' own single limit never fires; this failure may start a wait.
        if self.is_locked(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send("axes", request=request, username=get_client_username(request, credentials),
                                 ip_address=request.axes_ip_address)

    def user_logged_in(self, sender, request, user, **kwargs):
        # axes' own access log would hold the username in clear (AXES_DISABLE_ACCESS_LOG is on): this one
        # holds its digest, and tells `lockout_for` at which addresses the account signed in before.
        if request is not None:
            remember_sign_in(request, user.get_username())
        super().user_logged_in(sender, request, user, **kwargs)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        # Only this address's failures: a sign-in elsewhere must not clear a distributed attack on the account.
        count, _ = AccessAttempt.objects.filter(username=get_client_username(request, credentials),
                                                ip_address=_request_ip(request)).delete()
        return count


def _in_words(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def wait_message(lockout: Lockout) -> str:
    return (f"Too many failed sign-in attempts. Try again in {_in_words(max(1, lockout.seconds))}. "
            "Attempts during the wait are refused and do not count.")


def current_lockout(request: HttpRequest, credentials: dict | None = None) -> Lockout:
    found = getattr(request, "rapport_lockout", None)
    if found is None or not found.locked:
        found = lockout_for(get_client_username(request, credentials), _request_ip(request))
    return found if found.locked else Lockout(seconds=1, scope="")


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the "sign-in paused" page, 429 with Retry-After; the same for any username."""
    lockout = current_lockout(request, credentials)
    response = render(request, "clinic/locked_out.html",
                      {"wait": _in_words(max(1, lockout.seconds)), "scope": lockout.scope}, status=429)
    response["Retry-After"] = str(max(1, lockout.seconds))
    return response
