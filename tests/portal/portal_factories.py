"""Partner accounts for tests: an active account with a known password, and signing the test client in as it."""

from __future__ import annotations

import time

from django.contrib.auth.hashers import make_password

from portal import session
from portal.models import AccountStatus, PortalAccount
from portal.services.accounts import email_index

PARTNER_PASSWORD = "a long partner passphrase 42"


def portal_account(couple, position: str = "a", *, email: str | None = None) -> PortalAccount:
    partner = couple.partners.get(position=position)
    email = email or f"partner-{position}-{couple.pk.hex[:8]}@example.org"
    account = PortalAccount(partner=partner, couple=couple, email=email, email_index=email_index(email),
                            password=make_password(PARTNER_PASSWORD), status=AccountStatus.ACTIVE)
    account.save()
    return account


def sign_in_partner(client, account: PortalAccount) -> None:
    """What portal.session.start leaves in the session, without going through the sign-in page."""
    s = client.session
    now = time.time()
    s[session.ACCOUNT_KEY] = str(account.pk)
    s[session.AUTH_HASH_KEY] = session._auth_hash(account)
    s[session.VERIFIED_KEY] = True
    s[session.LAST_SEEN_KEY] = now
    s[session.STARTED_KEY] = now
    s.save()
