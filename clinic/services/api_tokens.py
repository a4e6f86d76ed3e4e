"""Issue and revoke API tokens. Only a SHA-256 digest is stored (clinic.models.ApiToken): the token is returned
once, to the caller of `api_token_issue`, and never again.

The caller (clinic.api.tokens.TokenView) has already checked the password and the second factor.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from audit.services import record_event
from clinic.models import ApiToken, User

TOKEN_BYTES = 32  # 256 random bits, URL-safe base64: 43 characters


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once
    expires_at: datetime


def api_token_issue(*, user: User) -> IssuedToken:
    """A new token for `user`, replacing any earlier one. Audited as api.token_issued."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        ApiToken.objects.filter(user=user).delete()
        row = ApiToken(user=user, digest=token_digest(token))
        row.full_clean(validate_unique=False)
        row.save(force_insert=True)
        expires_at = row.expires_at
        record_event("api.token_issued", actor=user, obj=user, detail={"expires_at": expires_at.isoformat()})
    return IssuedToken(token=token, expires_at=expires_at)


def api_token_revoke(*, user: User) -> bool:
    """Revoke `user`'s token (True if there was one). Audited as api.token_revoked."""
    with transaction.atomic():
        deleted, _ = ApiToken.objects.filter(user=user).delete()
        record_event("api.token_revoked", actor=user, obj=user, detail={"had_token": deleted > 0})
    return deleted > 0
