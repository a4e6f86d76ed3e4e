"""Every URL × every role. A URL pattern without an entry in the matrix fails the suite.

The matrix is assembled from one module per area, `tests/security/matrix_*.py`, each exporting ENTRIES
(URL name -> probes). See matrix_common.py for the roles and the meaning of each expectation.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.security as security_tests
from tests.security.matrix_common import LOGIN, PORTAL_LOGIN, PORTAL_ROLES, ROLES, Probe, portal_role


def _assemble() -> dict[str, list[Probe]]:
    matrix: dict[str, list[Probe]] = {}
    for module in pkgutil.iter_modules(security_tests.__path__):
        if module.name.startswith("matrix_") and module.name != "matrix_common":
            entries = importlib.import_module(f"tests.security.{module.name}").ENTRIES
            clash = set(entries) & set(matrix)
            assert not clash, f"{module.name} repeats {clash}"
            matrix.update(entries)
    return matrix


MATRIX = _assemble()


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
    if role in PORTAL_ROLES:
        login(portal_role(cast, role))
    elif role != "anonymous":
        login(getattr(cast, role))
    url = probe.url(cast)
    request = getattr(client, probe.method)
    kwargs = {"content_type": "application/json"} if url.startswith("/api/") and probe.method != "get" else {}
    response = request(url, probe.data, **kwargs)
    # A partner of the portal is not a staff user: where an entry names no portal role, the anonymous answer.
    expected = probe.expect.get(role, probe.expect["anonymous"])
    if expected in (LOGIN, PORTAL_LOGIN):
        assert response.status_code == 302, (name, role, response.status_code)
        login_url = reverse("clinic:login" if expected == LOGIN else "portal:login")
        assert response["Location"].startswith(login_url), response["Location"]
        return
    allowed = expected if isinstance(expected, set) else {expected}
    assert response.status_code in allowed, (name, role, response.status_code)
