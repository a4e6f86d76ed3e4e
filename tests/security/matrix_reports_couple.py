"""Permission matrix entries for one couple's reports (reports app): the Reports page and the two PDFs.

Readers (the care team and the therapist's supervisor) get the page and the PDFs; strangers and outsiders 404;
practice managers and administrators 403 (a report is clinical text); anonymous visitors sign in first.
Downloads are GET only.
"""

from django.urls import reverse

from tests.security.matrix_common import LOGIN, READERS, Probe, couple, html_record, roles


def _url(name):
    return lambda c: reverse(name, args=[couple(c)])


ENTRIES = {
    "reports:couple-reports": [
        Probe(_url("reports:couple-reports"), html_record(READERS)),
        Probe(_url("reports:couple-reports"), roles(405, anonymous=LOGIN), method="post"),
    ],
    "reports:progress-pdf": [
        Probe(_url("reports:progress-pdf"), html_record(READERS)),
        # Options that do not make a period: the options page again (400) for readers, nobody else gets that far.
        Probe(_url("reports:progress-pdf"), html_record(READERS, status=400),
              data={"start": "2026-02-10", "end": "2026-02-01"}),
        Probe(_url("reports:progress-pdf"), roles(405, anonymous=LOGIN), method="post"),
    ],
    "reports:discharge-pdf": [
        Probe(_url("reports:discharge-pdf"), html_record(READERS)),
        Probe(_url("reports:discharge-pdf"), roles(405, anonymous=LOGIN), method="post"),
    ],
}
