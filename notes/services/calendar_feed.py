"""Make and revoke a clinician's private iCalendar feed (notes.models.CalendarFeed).

Only the SHA-256 digest of the feed's token is stored: the token is returned once, to the caller of
`calendar_feed_issue`, who shows the feed's address to its owner, and never again. The token is neither logged
nor audited. Callers have checked that `user` is a signed-in clinician acting for themselves.
"""

from __future__ import annotations

import secrets

from django.db import transaction

from audit.services import record_event
from clinic.models import User
from clinic.services.api_tokens import token_digest
from notes.models import CalendarFeed

TOKEN_BYTES = 32  # 256 random bits, URL-safe base64: 43 characters


def calendar_feed_issue(*, user: User) -> str:
    """A new feed token for `user`, replacing (and so revoking) any earlier one. Writes `calendar_feed.issue`."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        replaced, _ = CalendarFeed.objects.filter(user=user).delete()
        feed = CalendarFeed(user=user, digest=token_digest(token))
        feed.full_clean(validate_unique=False)
        feed.save(force_insert=True)
        record_event("calendar_feed.issue", actor=user, obj=feed, detail={"replaced": replaced > 0})
    return token


def calendar_feed_revoke(*, user: User) -> bool:
    """Revoke `user`'s feed (True if there was one): its address stops working at once.
    Writes `calendar_feed.revoke`."""
    with transaction.atomic():
        deleted, _ = CalendarFeed.objects.filter(user=user).delete()
        record_event("calendar_feed.revoke", actor=user, obj=user, detail={"had_feed": deleted > 0})
    return deleted > 0
