"""Sign-in, sign-out, the second factor (enrolment, verification, backup codes) and accepting an invite.

Everything here lives under /accounts/, which TwoFactorRequiredMiddleware lets a signed-in but not yet
verified user reach; each view checks for itself what state the user must be in.
"""

from __future__ import annotations

from base64 import b32encode
from functools import wraps

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from clinic.forms.auth import InviteSetPasswordForm, OTPTokenForm, SignInForm
from clinic.models import User
from clinic.selectors import staff as selectors
from clinic.services import users
from rapport.forms import error_summary
from rapport.middleware import DEMO_SKIP_SESSION_KEY, next_query

NEW_BACKUP_CODES_KEY = "rapport_new_backup_codes"


def _safe_next(request: HttpRequest) -> str:
    """The `next` parameter if it points back into this site, else ""."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{next_query(next_url)}" if next_url else url


def _bound(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _second_factor_passed(request: HttpRequest, device, *, demo_skip: bool = False) -> None:
    """Mark the session verified by `device` and give it a new key, so that a key seen before the second
    factor (e.g. planted, or read off the sign-in page) is worthless after it (ASVS 5.0 V7.2.4)."""
    otp_login(request, device)
    if demo_skip:
        request.session[DEMO_SKIP_SESSION_KEY] = True
    old_key = request.session.session_key
    request.session.cycle_key()
    users.signed_in_session_renewed(user=request.user, old_key=old_key, new_key=request.session.session_key)


@login_not_required
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(next_url or "clinic:home")
    # AuthenticationForm hands the request to authenticate(), so django-axes counts the failures.
    form = SignInForm(request, data=_bound(request))
    if form.is_valid():
        login(request, form.get_user())
        return redirect(_with_next("clinic:two-factor", next_url))
    return render(request, "clinic/auth/login.html", {"form": form, "errors": error_summary(form), "next": next_url})


@login_not_required
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("clinic:login")


@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user, next_url = request.user, _safe_next(request)
    if user.is_verified():
        return redirect(next_url or "clinic:home")
    if selectors.confirmed_totp_device(user) is None:
        return redirect(_with_next("clinic:two-factor-setup", next_url))
    form = OTPTokenForm(_bound(request))
    if form.is_valid():
        check = users.check_token(user=user, token=form.cleaned_data["otp_token"])
        if check.device is not None:
            _second_factor_passed(request, check.device)
            if isinstance(check.device, StaticDevice):
                left = selectors.backup_codes_remaining(user)
                messages.warning(request, f"You signed in with a backup code; {left} left. "
                                          "Get a new set from the backup codes page if you are running low.")
            return redirect(next_url or "clinic:home")
        form.add_error("otp_token", check.error)
    return render(request, "clinic/auth/two_factor_verify.html", {
        "form": form, "errors": error_summary(form), "next": next_url,
    })


def _qr_svg(device) -> str:
    qr = segno.make(device.config_url, error="m")
    # segno writes attributes only (no style=), which the CSP allows; the content is our own URL.
    return mark_safe(qr.svg_inline(scale=1, border=4, omitsize=True, dark="#000", light="#fff",  # noqa: S308
                                   title="QR code for your authenticator app"))


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user, next_url = request.user, _safe_next(request)
    if selectors.confirmed_totp_device(user) is not None:
        # Already enrolled: a new authenticator only after an administrator resets two-factor sign-in.
        return redirect(next_url or "clinic:home") if user.is_verified() else redirect(
            _with_next("clinic:two-factor", next_url))
    device = users.two_factor_enrol_start(user=user)
    form = OTPTokenForm(_bound(request), allow_backup=False)
    if form.is_valid():
        check = users.check_token(user=user, token=form.cleaned_data["otp_token"], device=device,
                                  allow_backup=False, stage="enrolment")
        if check.device is not None:
            codes = users.two_factor_enrol_confirm(user=user, device=check.device)
            _second_factor_passed(request, check.device)
            request.session[NEW_BACKUP_CODES_KEY] = codes
            return redirect(_with_next("clinic:two-factor-backup-codes", next_url))
        form.add_error("otp_token", check.error)
    secret = b32encode(device.bin_key).decode()
    return render(request, "clinic/auth/two_factor_setup.html", {
        "form": form, "errors": error_summary(form), "next": next_url, "qr_svg": _qr_svg(device),
        "secret": _grouped(secret),
    })


@require_http_methods(["GET", "POST"])
def backup_codes(request: HttpRequest) -> HttpResponse:
    user, next_url = request.user, _safe_next(request)
    if not user.is_verified():
        return redirect(_with_next("clinic:two-factor", reverse("clinic:two-factor-backup-codes")))
    has_authenticator = selectors.confirmed_totp_device(user) is not None
    form = OTPTokenForm(_bound(request), allow_backup=False)
    if has_authenticator and form.is_valid():
        check = users.check_token(user=user, token=form.cleaned_data["otp_token"], allow_backup=False,
                                  stage="backup_codes")
        if check.device is not None:
            request.session[NEW_BACKUP_CODES_KEY] = users.backup_codes_regenerate(user=user)
            return redirect(_with_next("clinic:two-factor-backup-codes", next_url))
        form.add_error("otp_token", check.error)
    # New codes are shown once, straight after they are made, and then forgotten.
    codes = request.session.pop(NEW_BACKUP_CODES_KEY, None)
    return render(request, "clinic/auth/backup_codes.html", {
        "codes": codes, "form": form, "errors": error_summary(form) if has_authenticator else [], "next": next_url,
        "has_authenticator": has_authenticator,
        "remaining": selectors.backup_codes_remaining(user),
    })


def _demo_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.DEMO_MODE:
            raise Http404("Not available.")
        return view(request, *args, **kwargs)

    return wrapper


@_demo_only
@require_POST
def two_factor_skip_demo(request: HttpRequest) -> HttpResponse:
    _second_factor_passed(request, users.demo_skip_device(user=request.user), demo_skip=True)
    messages.info(request, "You skipped two-factor sign-in. Only the demo allows this.")
    return redirect(_safe_next(request) or "clinic:home")


def _invited_user(uidb64: str, token: str) -> User | None:
    """The user an invite link names, if the link is genuine, unused and unexpired."""
    try:
        user = User.objects.filter(pk=urlsafe_base64_decode(uidb64).decode(), is_active=True).first()
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError, ValidationError):
        return None
    if user is None or user.has_usable_password() or not default_token_generator.check_token(user, token):
        return None
    return user


@login_not_required
@require_http_methods(["GET", "POST"])
def accept_invite(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _invited_user(uidb64, token)
    if user is None:
        return render(request, "clinic/auth/invite_invalid.html", status=400)
    form = InviteSetPasswordForm(user, _bound(request))
    if form.is_valid():
        users.invite_accept(user=user, password=form.cleaned_data["new_password1"])
        messages.success(request, "Your password is set. Sign in with it now; next you will set up "
                                  "two-factor sign-in with an authenticator app.")
        return redirect("clinic:login")
    return render(request, "clinic/auth/invite_accept.html", {
        "form": form, "errors": error_summary(form), "invitee": user,
    })

