"""API authentication: browser sessions that passed 2FA, or expiring bearer tokens."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The browser session, only once the second factor was passed (django-otp's is_verified)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, auth = result
        if not user.is_verified():
            raise exceptions.PermissionDenied("Complete two-factor sign-in in the browser first.")
        return user, auth


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; tokens expire RAPPORT_API_TOKEN_DAYS after issue."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token.created < timezone.now() - timedelta(days=settings.RAPPORT_API_TOKEN_DAYS):
            token.delete()
            raise exceptions.AuthenticationFailed("This token has expired. Request a new one.")
        return user, token
