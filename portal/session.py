"""The portal's own session: which partner account a browser is signed in as, its idle timeout, and the
decorator every partner page uses.

A partner session lives in Django's session under its own keys and never sets `request.user`, so staff
pages and the staff API see an anonymous visitor (deny by default). Signing in to the portal flushes any
staff session first, and a staff sign-in drops the portal keys (portal.apps), so one browser is never both.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import salted_hmac

from audit import request_context
from audit.services import record_event
from portal.models import PortalAccount

ACCOUNT_KEY = "portal_account_id"
AUTH_HASH_KEY = "portal_auth_hash"
VERIFIED_KEY = "portal_verified"
LAST_SEEN_KEY = "portal_last_seen"
STARTED_KEY = "portal_signed_in_at"
# The last-seen time is written back when at least this old: a partner may be signed out up to a minute early.
LAST_SEEN_STAMP_SECONDS = 60
PENDING_KEY = "portal_pending_account_id"
PORTAL_KEYS = (ACCOUNT_KEY, AUTH_HASH_KEY, VERIFIED_KEY, LAST_SEEN_KEY, STARTED_KEY, PENDING_KEY)


def _auth_hash(account: PortalAccount) -> str:
    """Changes when the password changes or the account is revoked: such a session ends at its next request."""
    return salted_hmac("portal.session", f"{account.password}|{account.status}").hexdigest()


def start(request: HttpRequest, account: PortalAccount, *, verified: bool) -> None:
    """Sign `account` in on this browser: any staff session (and anything else in the session) goes first."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        logout(request)
    else:
        request.session.flush()
    now = time.time()
    request.session[ACCOUNT_KEY] = str(account.pk)
    request.session[AUTH_HASH_KEY] = _auth_hash(account)
    request.session[VERIFIED_KEY] = verified
    request.session[LAST_SEEN_KEY] = now
    request.session[STARTED_KEY] = now
    request.session.cycle_key()


def end(request: HttpRequest) -> None:
    request.session.flush()


def drop_portal_keys(session: Any) -> None:
    for key in PORTAL_KEYS:
        session.pop(key, None)


def current_account(request: HttpRequest) -> PortalAccount | None:
    """The signed-in partner account, or None. Checks on every request that the account is still usable
    (not revoked, couple not discharged), its password unchanged and the idle and total lifetimes kept."""
    session = getattr(request, "session", None)
    if session is None or ACCOUNT_KEY not in session:
        return None
    account = (PortalAccount.objects.usable().select_related("partner", "couple__practice")
               .filter(pk=session[ACCOUNT_KEY]).first())
    now = time.time()
    idle = now - session.get(LAST_SEEN_KEY, 0) > settings.RAPPORT_PORTAL_IDLE_TIMEOUT_SECONDS
    expired = now - session.get(STARTED_KEY, 0) > settings.RAPPORT_SESSION_MAX_SECONDS
    if account is None or session.get(AUTH_HASH_KEY) != _auth_hash(account) or idle or expired:
        reason = "revoked" if account is None else "idle" if idle else "lifetime" if expired else "password"
        record_event("portal.session_ended", object_type="portal.portalaccount",
                     object_id=session.get(ACCOUNT_KEY), detail={"reason": reason})
        drop_portal_keys(session)
        request.portal_session_ended = reason
        return None
    # Written back at most once a minute (as the staff's SessionLifetimeMiddleware does): no session write per page.
    if now - session.get(LAST_SEEN_KEY, 0) >= LAST_SEEN_STAMP_SECONDS:
        session[LAST_SEEN_KEY] = now
    return account


class PortalSessionMiddleware:
    """On /portal/ URLs: set `request.portal_account` (or None) and name the partner in the request's audit
    context. Elsewhere it does nothing: no staff view ever sees a partner."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.portal_account = None
        if request.path.startswith("/portal/") and not (getattr(request, "user", None) and
                                                         request.user.is_authenticated):
            account = current_account(request)
            if account is not None and request.session.get(VERIFIED_KEY):
                request.portal_account = account
                current = request_context.current()
                request_context.set_current(request_context.RequestContext(
                    request_id=current.request_id, ip=current.ip, user_id=account.pk,
                    username=account.get_username(), practice_id=account.couple.practice_id,
                ))
        return self.get_response(request)


def partner_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A partner page: a signed-in, verified partner account, else the portal's sign-in page. Staff signed in
    on this browser are sent to the portal sign-in too (they cannot use the portal)."""

    @login_not_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.portal_account is None:
            url = reverse("portal:login")
            ended = getattr(request, "portal_session_ended", "")
            return redirect(f"{url}?ended={ended}" if ended in ("idle", "lifetime") else url)
        return view(request, *args, **kwargs)

    return wrapper
