"""Authentication events go to the audit trail; signed-in sessions are tracked per user."""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import AuditEvent
from audit.services import record_event
from rapport import locale

from .models import SignedInSession, User


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        # Idle and absolute session lifetimes (SessionLifetimeMiddleware) count from this sign-in, not from
        # anything left in the session from before it.
        from rapport.middleware import SessionLifetimeMiddleware

        now = time.time()
        request.session[SessionLifetimeMiddleware.START_KEY] = now
        request.session[SessionLifetimeMiddleware.IDLE_KEY] = now
    if request is not None and hasattr(request, "session") and request.session.session_key:
        SignedInSession.objects.get_or_create(user=user, session_key=request.session.session_key)
    if request is not None and hasattr(request, "session") and user.practice_id:
        locale.remember(request.session, user.practice)  # PracticeLocaleMiddleware reads it on every request
    record_event("auth.sign_in", actor=user, obj=user)


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    if request is not None and hasattr(request, "session") and request.session.session_key:
        SignedInSession.objects.filter(session_key=request.session.session_key).delete()
    record_event("auth.sign_out", actor=user, obj=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # The username typed may be a client's name typed in the wrong box: record only whether it exists.
    username = (credentials or {}).get("username", "")
    user = User.objects.filter(username=username).first() if username else None
    record_event(
        "auth.sign_in_failed",
        actor=user,
        object_type="clinic.user" if user else "",
        object_id=user.pk if user else "",
        outcome=AuditEvent.Outcome.FAILED,
        detail={"known_user": user is not None},
    )


@receiver(user_locked_out)
def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    # axes passes the username's HMAC (clinic.lockout); the typed name is in the credentials it kept.
    typed = (getattr(request, "axes_credentials", None) or {}).get("username")
    user = User.objects.filter(username=typed).first() if typed else None
    lockout = getattr(request, "rapport_lockout", None)
    record_event(
        "auth.locked_out",
        actor=user,
        object_type="clinic.user" if user else "",
        object_id=user.pk if user else "",
        outcome=AuditEvent.Outcome.DENIED,
        detail={"scope": lockout.scope, "wait_seconds": lockout.seconds} if lockout is not None else {},
    )
