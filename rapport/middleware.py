"""Request-wide security: request ids, session lifetimes, 2FA required, no-store caching, and a plain page when a
record cannot be decrypted."""

from __future__ import annotations

import logging
import time
import uuid
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.contrib.messages.storage import default_storage as default_message_storage
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

from audit import request_context
from audit.models import AuditEvent
from audit.services import record_event
from keys.errors import CryptoError
from rapport import errors, locale

logger = logging.getLogger("rapport.security")


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class RequestIdMiddleware:
    """Give every request an id (in logs, audit events and the X-Request-ID header)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4().hex
        token = request_context.set_current(
            request_context.RequestContext(request_id=request.request_id, ip=client_ip(request))
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's deny-by-default, except the API, where DRF's IsAuthenticated default answers in JSON."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def bind_user_to_context(request: HttpRequest) -> None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        current = request_context.current()
        request_context.set_current(
            request_context.RequestContext(
                request_id=current.request_id, ip=current.ip, user_id=user.pk,
                username=user.get_username(), practice_id=user.practice_id,
            )
        )


def next_query(path: str) -> str:
    """`next=<path>`, encoded the way Django's redirect_to_login does it."""
    query = QueryDict(mutable=True)
    query["next"] = path
    return query.urlencode(safe="/")


def _duration(seconds: int) -> str:
    """`seconds` in words, at the coarsest whole unit: "15 minutes", "12 hours"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def _login_redirect(request: HttpRequest, message: str) -> HttpResponse:
    """Redirect to sign-in with a message. MessageMiddleware runs after this one, so store the message here."""
    storage = default_message_storage(request)
    storage.add(messages.INFO, message)
    response = redirect(f"{reverse(settings.LOGIN_URL)}?{next_query(request.path)}")
    storage.update(response)
    return response


class SessionLifetimeMiddleware:
    """Sign out after RAPPORT_IDLE_TIMEOUT_SECONDS without a request, or RAPPORT_SESSION_MAX_SECONDS in all.

    Both clocks start at sign-in (the user_logged_in receiver sets both keys). The last-seen time is written back
    only when it is at least IDLE_STAMP_SECONDS old, so a page does not rewrite the session row on every request:
    the idle clock may then run from up to that long before the last request, so a session can end up to a
    minute early, never late.
    """

    IDLE_KEY = "rapport_last_seen"
    START_KEY = "rapport_signed_in_at"
    IDLE_STAMP_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last_seen = request.session.get(self.IDLE_KEY, now)
            started = request.session.setdefault(self.START_KEY, now)
            idle = now - last_seen > settings.RAPPORT_IDLE_TIMEOUT_SECONDS
            expired = now - started > settings.RAPPORT_SESSION_MAX_SECONDS
            if idle or expired:

                bind_user_to_context(request)
                record_event("auth.session_expired", actor=user, detail={"reason": "idle" if idle else "lifetime"})
                logout(request)
                # django-htmx's request.htmx is not set yet here (its middleware runs later): read the header.
                if request.path.startswith("/api/") or request.headers.get("HX-Request") == "true":
                    return JsonResponse(
                        {"error": {"code": "session_expired", "message": "Your session ended. Sign in again."}},
                        status=401,
                    )
                if idle:
                    message = (f"You were signed out after {_duration(settings.RAPPORT_IDLE_TIMEOUT_SECONDS)} "
                               "without activity. Please sign in again.")
                else:
                    message = (f"Your session reached its maximum length of "
                               f"{_duration(settings.RAPPORT_SESSION_MAX_SECONDS)}. Please sign in again.")
                return _login_redirect(request, message)
            if self.IDLE_KEY not in request.session or now - last_seen >= self.IDLE_STAMP_SECONDS:
                request.session[self.IDLE_KEY] = now
            bind_user_to_context(request)
        return self.get_response(request)


TWO_FACTOR_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/api/v1/auth/")
# A session whose second factor was skipped in the demo carries this mark (and the demo-skip device).
DEMO_SKIP_SESSION_KEY = "rapport_demo_skip"
DEMO_SKIP_DEVICE_NAME = "demo-skip"


def _demo_skipped(request: HttpRequest, user) -> bool:
    device = getattr(user, "otp_device", None)
    return bool(request.session.get(DEMO_SKIP_SESSION_KEY)) or getattr(device, "name", "") == DEMO_SKIP_DEVICE_NAME


class TwoFactorRequiredMiddleware:
    """Every signed-in user must have passed a second factor before reaching anything else.

    A session that skipped the second factor in the demo is ended whenever demo mode is off, whatever the
    session store still says (e.g. after a restart without RAPPORT_DEMO_MODE).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and not settings.DEMO_MODE
                and hasattr(request, "session") and _demo_skipped(request, user)):
            bind_user_to_context(request)
            record_event("auth.demo_session_refused", actor=user, obj=user, outcome=AuditEvent.Outcome.DENIED)
            logout(request)
            if request.path.startswith("/api/") or request.headers.get("HX-Request") == "true":
                return JsonResponse({"error": {"code": "session_expired",
                                               "message": "Your session ended. Sign in again."}}, status=401)
            return _login_redirect(request, "Your session skipped two-factor sign-in, which only the demo "
                                            "allows. Sign in again with your authenticator app.")
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "second_factor_required",
                               "message": "Complete two-factor sign-in in the browser first."}},
                    status=403,
                )
            return redirect(f"{reverse(settings.OTP_LOGIN_URL)}?{next_query(request.path)}")
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages and API answers may carry client data: never let a browser or proxy keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store, max-age=0"
            response["Pragma"] = "no-cache"
        return response


class PracticeLocaleMiddleware:
    """Serve each request in the signed-in user's practice's time zone, language variant and date style
    (rapport.locale). Signed-out pages keep the settings' defaults."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = locale.for_request(request)
        if chosen is None:
            return self.get_response(request)
        timezone.activate(zoneinfo.ZoneInfo(chosen["time_zone"]))
        translation.activate(chosen["language"])
        request.LANGUAGE_CODE = chosen["language"]
        request.paper_size = chosen["paper_size"]
        try:
            with locale.date_style(chosen["date_style"]):
                return self.get_response(request)
        finally:
            timezone.deactivate()
            translation.deactivate()


class RecordUnreadableMiddleware:
    """A value that fails to decrypt (altered, moved to another row, a wrong key) answers with a plain 500 page,
    "this record could not be opened; the incident is logged", never a traceback, in debug mode too.

    Last in MIDDLEWARE, so every other middleware still wraps the answer (no-store, CSP, request id). The API
    answers in its own JSON format (rapport.api.exception_handler); non-DRF /api/ paths get JSON here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, CryptoError):
            return None
        logger.error("record could not be opened: %s on %s", type(exception).__name__, request.resolver_match
                     and request.resolver_match.view_name)
        return errors.record_unreadable(request)
