"""Permission matrix: the practice's service-code table (notes.views.service_codes), for its administrator only."""

from __future__ import annotations

from django.urls import reverse

from tests.security.matrix_common import Probe, html_role_page

ADMIN = ("admin",)
NEW_ROW = {"kind": "joint", "min_minutes": "5", "max_minutes": "10", "code": "TEST1"}


def rule(c):
    """A row of the cast's practice (its table saved from the defaults, so that one row can go)."""
    from notes.models import ServiceCodeRule
    from notes.services.service_codes import service_code_rules_adopt_defaults

    service_code_rules_adopt_defaults(practice=c.practice, by=c.admin)
    return ServiceCodeRule.objects.filter(practice=c.practice).first().pk


ENTRIES = {
    "notes:service-codes": [Probe(lambda c: reverse("notes:service-codes"), html_role_page(ADMIN))],
    "notes:service-code-add": [Probe(lambda c: reverse("notes:service-code-add"), html_role_page(ADMIN, status=302),
                                     method="post", data=NEW_ROW)],
    "notes:service-code-adopt": [Probe(lambda c: reverse("notes:service-code-adopt"),
                                       html_role_page(ADMIN, status=302), method="post")],
    "notes:service-code-edit": [Probe(lambda c: reverse("notes:service-code-edit", args=[rule(c)]),
                                      html_role_page(ADMIN))],
    "notes:service-code-remove": [Probe(lambda c: reverse("notes:service-code-remove", args=[rule(c)]),
                                        html_role_page(ADMIN, status=302), method="post")],
}
