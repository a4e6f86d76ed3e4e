"""A practice manager sees couples by reference only (issue: "the reference alone where a manager looks"): every
page and API answer of the permission matrix that lets the manager in (a GET answered 200) holds no name of
the couple's partners. The practice report's "Overdue plan reviews by couple reference" is the pattern:
reference, therapist, days overdue."""

from __future__ import annotations

import pytest

from clinic.models import Partner
from tests.security.matrix_common import Probe
from tests.security.test_permission_matrix import MATRIX

pytestmark = pytest.mark.django_db

MANAGER_GETS = [(name, probe) for name, probes in MATRIX.items() for probe in probes
                if probe.method == "get" and probe.expect.get("manager") == 200]


def test_the_manager_has_pages_to_check():
    assert len(MANAGER_GETS) >= 5, MANAGER_GETS


@pytest.mark.parametrize(("name", "probe"), MANAGER_GETS, ids=[name for name, _ in MANAGER_GETS])
def test_no_manager_page_names_a_partner(name: str, probe: Probe, cast, client, login):
    names = set()
    for partner in Partner.objects.filter(couple=cast.couple).select_related("client"):
        names |= {partner.client.first_name, partner.client.last_name, partner.client.preferred_name}
    names = {n for n in names if n and len(n) > 2}
    assert names, "the cast's couple has named partners"
    login(cast.manager)
    response = client.get(probe.url(cast))
    assert response.status_code == 200, (name, response.status_code)
    body = response.content.decode(errors="replace") if not response.streaming else b"".join(
        response.streaming_content).decode(errors="replace")
    leaked = sorted(n for n in names if n in body)
    assert not leaked, (name, leaked)
