"""/api/v1/auth/token/: issue and revoke API tokens (username, password and a current TOTP code).

The authentication classes that accept the tokens are in clinic.api.authentication.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.urls import path
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.tokens_serializers import TokenOutput, TokenRequestInput
from clinic.lockout import lockout_wait, reset_after_success, wait_message
from clinic.models import User
from clinic.services.api_tokens import api_token_issue, api_token_revoke
from rapport.api import LockedOut, error_responses, validated

BAD_CREDENTIALS = "The username, password or code is not right, or two-factor sign-in is not set up."


def _verify_totp(user: User, code: str) -> bool:
    """True if `code` is the current code of one of the user's confirmed TOTP devices (throttled, no replay)."""
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(code):
            return True
    return False


@extend_schema(tags=["auth"])
class TokenView(APIView):
    """Issue (POST) or revoke (DELETE) the caller's API token."""

    def perform_authentication(self, request):
        # Asking for a token needs no prior credentials: a stale token in the header must not block it.
        if request.method != "POST":
            super().perform_authentication(request)

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(
        summary="Get an API token",
        description="Username, password and the current code from your authenticator app. The token is shown in "
                    "this answer only (the server keeps just a digest of it). Any earlier token of yours stops "
                    "working. Repeated failures lock the account for a while.",
        request=TokenRequestInput,
        responses={200: TokenOutput, **error_responses(400, 401, 429)},
        auth=[],
    )
    def post(self, request):
        data = validated(TokenRequestInput, request.data)
        username = data["username"]
        # Axes (first in AUTHENTICATION_BACKENDS) counts failures and refuses locked-out users here.
        user = authenticate(request=request, username=username, password=data["password"])
        if user is not None and not _verify_totp(user, data["otp_token"]):
            user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
            user = None
        if user is None:
            if getattr(request, "axes_locked_out", False):
                lockout = lockout_wait(request, username)
                raise LockedOut(wait_message(lockout), wait=max(1, lockout.seconds))
            raise exceptions.AuthenticationFailed(BAD_CREDENTIALS, code="invalid_credentials")
        issued = api_token_issue(user=user)  # only its digest is stored: the token is shown here, once
        reset_after_success(request, username)
        return Response(TokenOutput({"token": issued.token, "expires_at": issued.expires_at}).data)

    @extend_schema(summary="Revoke your API token", request=None,
                   responses={204: OpenApiResponse(description="Revoked (or there was none)."),
                              **error_responses(401)})
    def delete(self, request):
        api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


extra_urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
]
