"""Permission matrix entries for the monthly practice report (page, PDF, CSV): practice managers only."""

from django.urls import reverse

from tests.security.matrix_common import Probe, html_role_page

MONTH = "?month=2025-09"

ENTRIES: dict[str, list[Probe]] = {
    "reports:practice-report": [
        Probe(lambda c: reverse("reports:practice-report"), html_role_page(("manager",))),
        Probe(lambda c: reverse("reports:practice-report") + MONTH, html_role_page(("manager",))),
    ],
    "reports:practice-report-pdf": [
        Probe(lambda c: reverse("reports:practice-report-pdf") + MONTH, html_role_page(("manager",))),
    ],
    "reports:practice-report-csv": [
        Probe(lambda c: reverse("reports:practice-report-csv") + MONTH, html_role_page(("manager",))),
        # A month that cannot be read: the manager is told what to fix; everyone else is still refused.
        Probe(lambda c: reverse("reports:practice-report-csv") + "?month=2025-13", html_role_page(("manager",), 400)),
    ],
    "reports:session-export": [
        Probe(lambda c: reverse("reports:session-export"), html_role_page(("manager",))),
    ],
    "reports:session-export-csv": [
        Probe(lambda c: reverse("reports:session-export-csv") + "?period=last_month", html_role_page(("manager",))),
        Probe(lambda c: reverse("reports:session-export-csv") + "?period=custom&start=2026-01-01&end=2026-03-31",
              html_role_page(("manager",))),
        # A range that cannot be read: the manager is told what to fix; everyone else is still refused.
        Probe(lambda c: reverse("reports:session-export-csv") + "?period=custom&start=2026-02-01&end=2026-01-01",
              html_role_page(("manager",), 400)),
    ],
}
