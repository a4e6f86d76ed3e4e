"""Every URL × every role. A URL pattern without an entry here fails the suite.

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

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROLES = ("therapist", "co_therapist", "stranger", "supervisor", "manager", "admin", "outsider", "anonymous")
CLINICIANS_ON_CASE = ("therapist", "co_therapist")
SIGNED_IN = ROLES[:-1]

LOGIN = "login"  # a 302 to the sign-in page


@dataclass(frozen=True)
class Probe:
    url: Callable[[SimpleNamespace], str]
    expect: dict[str, object]
    method: str = "get"
    data: dict = field(default_factory=dict)


def roles(default: object, **overrides: object) -> dict[str, object]:
    expected = dict.fromkeys(ROLES, default)
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


def co_membership(c):
    return c.couple.care_team.get(user=c.co_therapist).pk


READERS = ("therapist", "co_therapist", "supervisor")
ALL_CLINICIANS = ("therapist", "co_therapist", "stranger", "supervisor", "outsider")

MATRIX: dict[str, list[Probe]] = {
    # --- sign-in and second factor -------------------------------------------------------------
    "clinic:home": [Probe(lambda c: reverse("clinic:home"), roles(302, anonymous=LOGIN))],
    "clinic:login": [Probe(lambda c: reverse("clinic:login"), roles({200, 302}, anonymous=200))],
    "clinic:logout": [Probe(lambda c: reverse("clinic:logout"), roles(302), method="post")],
    "clinic:two-factor": [Probe(lambda c: reverse("clinic:two-factor"), roles({200, 302}, anonymous=LOGIN))],
    "clinic:two-factor-setup": [Probe(lambda c: reverse("clinic:two-factor-setup"),
                                      roles({200, 302}, anonymous=LOGIN))],
    "clinic:two-factor-backup-codes": [Probe(lambda c: reverse("clinic:two-factor-backup-codes"),
                                             roles(200, anonymous=LOGIN))],
    # Demo-only: outside demo mode it does not exist for anyone.
    "clinic:two-factor-skip": [Probe(lambda c: reverse("clinic:two-factor-skip"),
                                     roles(404, anonymous=LOGIN), method="post")],
    "clinic:invite-accept": [Probe(lambda c: reverse("clinic:invite-accept", args=["bm9ib2R5", "bad-token"]),
                                   roles(400))],
    # --- couples and clients -------------------------------------------------------------------
    "clinic:couple-list": [Probe(lambda c: reverse("clinic:couple-list"), html_role_page(ALL_CLINICIANS))],
    "clinic:couple-create": [Probe(lambda c: reverse("clinic:couple-create"), html_role_page(ALL_CLINICIANS))],
    "clinic:couple-detail": [Probe(lambda c: reverse("clinic:couple-detail", args=[couple(c)]), html_record(READERS))],
    "clinic:couple-edit": [Probe(lambda c: reverse("clinic:couple-edit", args=[couple(c)]),
                                 html_record(CLINICIANS_ON_CASE))],
    "clinic:partner-edit": [Probe(lambda c: reverse("clinic:partner-edit", args=[couple(c), "a"]),
                                  html_record(CLINICIANS_ON_CASE))],
    # Managing the care team: the primary therapist and the practice manager; others who can see the case: 403.
    "clinic:care-team-add": [Probe(lambda c: reverse("clinic:care-team-add", args=[couple(c)]),
                                   html_record(("therapist",), co_therapist=403, supervisor=403, manager=200))],
    "clinic:care-team-end": [Probe(lambda c: reverse("clinic:care-team-end", args=[couple(c), co_membership(c)]),
                                   html_record(("therapist",), status={200, 302}, co_therapist=403, supervisor=403,
                                               manager={200, 302}), method="post")],
    "clinic:client-edit": [Probe(lambda c: reverse("clinic:client-edit", args=[partner_a(c).client_id]),
                                 html_record(CLINICIANS_ON_CASE))],
    # --- practice manager and administrator ----------------------------------------------------
    "clinic:practice-home": [Probe(lambda c: reverse("clinic:practice-home"), html_role_page(("manager",)))],
    "clinic:user-list": [Probe(lambda c: reverse("clinic:user-list"), html_role_page(("admin",)))],
    "clinic:user-invite": [Probe(lambda c: reverse("clinic:user-invite"), html_role_page(("admin",)))],
    "clinic:user-edit": [Probe(lambda c: reverse("clinic:user-edit", args=[c.therapist.pk]),
                               html_role_page(("admin",)))],
    "clinic:user-deactivate": [Probe(lambda c: reverse("clinic:user-deactivate", args=[c.stranger.pk]),
                                     html_role_page(("admin",), status=302), method="post")],
    "clinic:practice-settings": [Probe(lambda c: reverse("clinic:practice-settings"), html_role_page(("admin",)))],
    "clinic:audit-log": [Probe(lambda c: reverse("clinic:audit-log"), html_role_page(("admin",)))],
    "clinic:audit-export": [Probe(lambda c: reverse("clinic:audit-export"), html_role_page(("admin",)))],
    # --- API -----------------------------------------------------------------------------------
    "api-root": [Probe(lambda c: reverse("api-root"), roles(200, anonymous=401))],
    "api-schema": [Probe(lambda c: reverse("api-schema"), roles(200, anonymous=401))],
    "api-docs": [Probe(lambda c: reverse("api-docs"), roles(200, anonymous=401))],
    # Public by design: it is how a token is obtained. Empty credentials are a 400 for everyone.
    "api-token": [Probe(lambda c: reverse("api-token"), roles(400), method="post")],
    "couple-list": [Probe(lambda c: reverse("couple-list"), roles(200, admin=403, anonymous=401))],
    "couple-detail": [
        Probe(lambda c: reverse("couple-detail", args=[couple(c)]), api_record(READERS, manager=200)),
        # No version given: a 400 for those who may write, and nothing else may even try.
        Probe(lambda c: reverse("couple-detail", args=[couple(c)]), api_record(CLINICIANS_ON_CASE, status=400),
              method="patch"),
    ],
    "couple-care-team-list": [Probe(lambda c: reverse("couple-care-team-list", args=[couple(c)]),
                                    api_record(READERS, manager=200))],
    "couple-care-team-end": [Probe(lambda c: reverse("couple-care-team-end", args=[couple(c), co_membership(c)]),
                                   api_record(("therapist",), co_therapist=403, supervisor=403, manager=200),
                                   method="post")],
    "couple-partner-detail": [Probe(lambda c: reverse("couple-partner-detail", args=[couple(c), "a"]),
                                    api_record(CLINICIANS_ON_CASE), method="patch")],
    "client-list": [Probe(lambda c: reverse("client-list"),
                          roles(200, manager=403, admin=403, anonymous=401))],
    "client-detail": [Probe(lambda c: reverse("client-detail", args=[partner_a(c).client_id]),
                            api_record(READERS))],
    # --- operations ----------------------------------------------------------------------------
    "healthz": [Probe(lambda c: reverse("healthz"), roles(200))],
}


def _url_names(patterns, namespace: str | None = None) -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {pattern.pattern} has no name"
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_every_url_has_an_entry_in_the_matrix():
    names = _url_names(get_resolver().url_patterns)
    assert sorted(names - set(MATRIX)) == [], "add these URLs to the permission matrix"
    assert sorted(set(MATRIX) - names) == [], "these matrix entries name no URL"


CASES = [(name, index, role) for name, probes in MATRIX.items() for index in range(len(probes)) for role in ROLES]


@pytest.mark.parametrize(("name", "index", "role"), CASES, ids=[f"{n}[{i}]-{r}" for n, i, r in CASES])
def test_permission_matrix(name, index, role, cast, client, login):
    probe = MATRIX[name][index]
    if role != "anonymous":
        login(getattr(cast, role))
    url = probe.url(cast)
    request = getattr(client, probe.method)
    kwargs = {"content_type": "application/json"} if url.startswith("/api/") and probe.method != "get" else {}
    response = request(url, probe.data, **kwargs)
    expected = probe.expect[role]
    if expected == LOGIN:
        assert response.status_code == 302, (name, role, response.status_code)
        assert response["Location"].startswith(reverse("clinic:login")), response["Location"]
        return
    allowed = expected if isinstance(expected, set) else {expected}
    assert response.status_code in allowed, (name, role, response.status_code)
