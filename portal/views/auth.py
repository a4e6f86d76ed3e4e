"""The partner's sign-in, authenticator code, sign-out and accepting an invitation: public pages of the portal
(LoginRequiredMiddleware lets them through; each checks for itself what state the visitor must be in)."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from portal import session
from portal.forms.portal import CodeForm, PortalSignInForm, SetPasswordForm
from portal.models import PortalAccount
from portal.services import accounts
from portal.session import partner_required
from rapport.forms import add_service_errors, error_summary

ENDED_MESSAGES = {
    "idle": f"You were signed out after {settings.RAPPORT_PORTAL_IDLE_TIMEOUT_SECONDS // 60} minutes without "
            "activity. Sign in again; what you were typing is kept on this device.",
    "lifetime": "Your session reached its maximum length. Please sign in again.",
}
TOTP_SETUP_KEY = "portal_totp_setup_key"


def _bound(request: HttpRequest):
    return request.POST if request.method == "POST" else None


@login_not_required
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.portal_account is not None:
        return redirect("portal:home")
    form = PortalSignInForm(_bound(request))
    if form.is_valid():
        try:
            account = accounts.portal_authenticate(request=request, email=form.cleaned_data["email"],
                                                   password=form.cleaned_data["password"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            session.start(request, account, verified=not account.totp_enabled)
            if account.totp_enabled:
                request.session[session.PENDING_KEY] = str(account.pk)
                return redirect("portal:login-code")
            accounts.portal_signed_in(account=account, second_factor=False)
            return redirect("portal:home")
    staff = request.user.is_authenticated
    return render(request, "portal/login.html", {
        "form": form, "errors": error_summary(form), "ended": ENDED_MESSAGES.get(request.GET.get("ended", "")),
        "staff_signed_in": staff,
    }, status=400 if form.is_bound and form.errors else 200)


@login_not_required
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The authenticator code, for an account that set one up, after its password."""
    pending = request.session.get(session.PENDING_KEY)
    account = PortalAccount.objects.usable().filter(pk=pending).first() if pending else None
    if account is None or request.session.get(session.ACCOUNT_KEY) != pending:
        return redirect("portal:login")
    form = CodeForm(_bound(request))
    if form.is_valid():
        if accounts.portal_verify_totp(account=account, token=form.cleaned_data["token"]):
            request.session[session.VERIFIED_KEY] = True
            request.session.pop(session.PENDING_KEY, None)
            request.session.cycle_key()
            accounts.portal_signed_in(account=account, second_factor=True)
            return redirect("portal:home")
        form.add_error("token", "That code does not match. Type the 6 digits your app shows now.")
    return render(request, "portal/login_code.html", {"form": form, "errors": error_summary(form)},
                  status=400 if form.is_bound and form.errors else 200)


@login_not_required
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    session.end(request)
    return redirect("portal:signed-out")


@login_not_required
def signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/signed_out.html")


@login_not_required
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """Set a password from an invitation link (single use; expires after RAPPORT_PORTAL_INVITE_HOURS)."""
    invitation = accounts.invitation_for_token(token)
    if invitation is None:
        return render(request, "portal/accept_invalid.html", status=404)
    form = SetPasswordForm(_bound(request))
    if form.is_valid():
        try:
            account = accounts.portal_accept(invitation=invitation, password=form.cleaned_data["password"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            session.start(request, account, verified=True)
            accounts.portal_signed_in(account=account, second_factor=False)
            return redirect("portal:home")
    return render(request, "portal/accept.html", {"form": form, "errors": error_summary(form)},
                  status=400 if form.is_bound and form.errors else 200)


@partner_required
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app (optional): scan the code, type a code it shows."""
    account = request.portal_account
    if account.totp_enabled:
        return render(request, "portal/security.html", {"enabled": True})
    key_hex = request.session.get(TOTP_SETUP_KEY) or accounts.new_totp_key()
    request.session[TOTP_SETUP_KEY] = key_hex
    form = CodeForm(_bound(request))
    if form.is_valid():
        try:
            accounts.portal_totp_enable(account=account, key_hex=key_hex, token=form.cleaned_data["token"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session.pop(TOTP_SETUP_KEY, None)
            return render(request, "portal/security.html", {"enabled": True, "just_enabled": True})
    secret = b32encode(bytes.fromhex(key_hex)).decode()
    uri = f"otpauth://totp/Rapport%20portal?secret={secret}&issuer=Rapport"
    qr = mark_safe(segno.make(uri, error="m").svg_inline(  # noqa: S308  (our own URL, attributes only)
        scale=1, border=4, omitsize=True, dark="#000", light="#fff", title="Code to scan with your app"))
    return render(request, "portal/security.html", {"form": form, "errors": error_summary(form), "qr": qr,
                                                    "secret": secret},
                  status=400 if form.is_bound and form.errors else 200)
