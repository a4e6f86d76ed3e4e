"""Building blocks of the permission matrix (see test_permission_matrix.py).

Roles are the `cast` (tests/conftest.py): the therapist on the case (pre-licensed, supervised), a co-therapist,
a therapist of the same practice not on the case ("stranger"), the therapist's supervisor, the practice manager,
the practice administrator, a therapist of another practice ("outsider") and an anonymous visitor.

Conventions checked here: strangers to a record get 404 (not 403), a wrong role gets 403, anonymous visitors are
sent to sign in (HTML) or get 401 (API). Each probe is one request; the expected statuses are the only acceptable
answers, so a view that starts letting someone in (or starts failing with a 500) breaks this test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

STAFF_AND_ANONYMOUS = ("therapist", "co_therapist", "stranger", "supervisor", "manager", "admin", "outsider",
                       "anonymous")
# Partners signed in to the portal (portal/): partner A and partner B of the cast's couple, and a partner of
# another couple. They are not staff users: on every staff URL they get what an anonymous visitor gets, so an
# entry that names no portal role expects the anonymous answer for them (test_permission_matrix.py).
PORTAL_ROLES = ("partner_a", "partner_b", "other_partner")
ROLES = (*STAFF_AND_ANONYMOUS, *PORTAL_ROLES)
CLINICIANS_ON_CASE = ("therapist", "co_therapist")
SIGNED_IN = STAFF_AND_ANONYMOUS[:-1]

LOGIN = "login"  # a 302 to the sign-in page
PORTAL_LOGIN = "portal_login"  # a 302 to the portal's sign-in page


@dataclass(frozen=True)
class Probe:
    url: Callable[[SimpleNamespace], str]
    expect: dict[str, object]
    method: str = "get"
    data: dict = field(default_factory=dict)


def roles(default: object, **overrides: object) -> dict[str, object]:
    expected = dict.fromkeys(STAFF_AND_ANONYMOUS, default)
    expected.update(overrides)
    return expected


def html_role_page(allowed: tuple[str, ...], status: object = 200) -> dict[str, object]:
    """A page for some roles only: the rest get 403, anonymous visitors the sign-in page."""
    return roles(403, anonymous=LOGIN, **dict.fromkeys(allowed, status))


def html_record(read: tuple[str, ...], status: object = 200, **others: object) -> dict[str, object]:
    """A page about one couple: strangers and outsiders 404, non-clinical roles 403."""
    expected = roles(404, manager=403, admin=403, anonymous=LOGIN, **dict.fromkeys(read, status))
    expected.update(others)
    return expected


def api_record(read: tuple[str, ...], status: object = 200, **others: object) -> dict[str, object]:
    expected = roles(404, manager=403, admin=403, anonymous=401, **dict.fromkeys(read, status))
    expected.update(others)
    return expected


def couple(c):
    return c.couple.pk


def partner_a(c):
    return c.couple.partners.get(position="a")


def registered_by_stranger(c):
    """Partner a's client, marked as registered by the stranger (who is not on the couple's care team)."""
    from clinic.models import Client

    client_id = partner_a(c).client_id
    Client.objects.filter(pk=client_id).update(created_by=c.stranger)
    return client_id


def risk(c, status):
    """A risk of the couple in `status` (the register's acknowledge and close probes)."""
    from clinic.models import Risk

    return Risk.objects.get_or_create(couple=c.couple, kind="suicide", source="client", partner="a", status=status,
                                      defaults={"detail": "probe"})[0].pk


def co_membership(c):
    return c.couple.care_team.get(user=c.co_therapist).pk


READERS = ("therapist", "co_therapist", "supervisor")
ALL_CLINICIANS = ("therapist", "co_therapist", "stranger", "supervisor", "outsider")



def portal_role(c, role: str):
    """The portal account of a portal role, created on first use (the same one for every call of a test)."""
    from portal.models import PortalAccount
    from tests.factories import CoupleFactory
    from tests.portal.portal_factories import portal_account

    if role == "other_partner":
        couple = type(c.couple).objects.filter(practice=c.practice, reference="OTHER-1").first() or CoupleFactory(
            practice=c.practice, reference="OTHER-1")
        position = "a"
    else:
        couple, position = c.couple, role[-1]
    return PortalAccount.objects.filter(partner__couple=couple, partner__position=position).first() or \
        portal_account(couple, position)
