"""API authentication: browser sessions that passed 2FA, or expiring bearer tokens.

REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] names these classes, and DRF imports them while it defines
APIView: this module must not import DRF views (so the token view is in clinic.api.tokens).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import authentication, exceptions

from audit import request_context


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The browser session, only once the second factor was passed (django-otp's is_verified)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, auth = result
        if not user.is_verified():
            raise exceptions.PermissionDenied(
                "Complete two-factor sign-in in the browser first.", code="second_factor_required"
            )
        return user, auth

    def authenticate_header(self, request) -> str:
        # DRF asks the first authentication class for this header; with one, an anonymous caller gets
        # 401 (and learns how to authenticate) instead of 403.
        return ExpiringTokenAuthentication.keyword


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <token>`; tokens expire RAPPORT_API_TOKEN_DAYS after issue.

    The token is looked up by its SHA-256 digest (clinic.models.ApiToken): the database never holds it.
    Tokens are issued only after a TOTP check (clinic.api.tokens.TokenView), so a token user counts as verified.
    Deactivated users are refused.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            user = result[0]
            current = request_context.current()
            request_context.set_current(
                request_context.RequestContext(
                    request_id=current.request_id, ip=current.ip, user_id=user.pk,
                    username=user.get_username(), practice_id=user.practice_id,
                )
            )
        return result

    def authenticate_credentials(self, key):
        # Imported here: DRF imports this module while it defines APIView, possibly before the app registry.
        from clinic.models import ApiToken  # (see above)
        from clinic.services.api_tokens import token_digest  # (see above)

        token = ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if token.expires_at <= timezone.now():
            token.delete()
            raise exceptions.AuthenticationFailed("This token has expired. Request a new one.", code="token_expired")
        user.is_verified = lambda: True
        return user, token


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "clinic.api.authentication.VerifiedSessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME,
                "description": "A browser session that has passed two-factor sign-in."}


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    target_class = "clinic.api.authentication.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
        scheme["description"] = (
            "`Authorization: Token <key>`, from POST /api/v1/auth/token/. "
            f"Tokens expire {settings.RAPPORT_API_TOKEN_DAYS} days after issue."
        )
        return scheme
