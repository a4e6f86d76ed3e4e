"""Permission matrix entries for one couple's reports (reports app): the Reports page, asking for the two PDFs,
and a single report's page and its polled status.

Readers (the care team and the therapist's supervisor) get the page and may ask for the PDFs (303 to the report's
page: a task worker makes it); strangers and outsiders 404; practice managers and administrators 403 (a report
is clinical text); anonymous visitors sign in first. Asking is POST only (a GET is 405 for everyone signed
in). A report's page and status belong to the person who asked: 404 for everyone else, the care team
included; its download is reports:report-download (matrix_reports_batches.py).
"""

from django.urls import reverse

from tests.reports.batch_helpers import single_report
from tests.security.matrix_common import LOGIN, READERS, Probe, couple, html_record, roles


def _url(name):
    return lambda c: reverse(name, args=[couple(c)])


def _single(name, *, ready=False):
    """The therapist's own single report on the couple: waiting for a worker, or ready."""
    return lambda c: reverse(name, args=[single_report(c.therapist, c.couple,
                                                       status="ready" if ready else "queued").pk])


def _owner_only():
    return roles(404, anonymous=LOGIN, therapist=200)


ENTRIES = {
    "reports:couple-reports": [
        Probe(_url("reports:couple-reports"), html_record(READERS)),
        Probe(_url("reports:couple-reports"), roles(405, anonymous=LOGIN), method="post"),
    ],
    "reports:progress-pdf": [
        Probe(_url("reports:progress-pdf"), html_record(READERS, status=303), method="post"),
        # Options that do not make a period: the options page again (400) for readers, nobody else gets that far.
        Probe(_url("reports:progress-pdf"), html_record(READERS, status=400), method="post",
              data={"start": "2026-02-10", "end": "2026-02-01"}),
        Probe(_url("reports:progress-pdf"), roles(405, anonymous=LOGIN)),
    ],
    "reports:discharge-pdf": [
        Probe(_url("reports:discharge-pdf"), html_record(READERS, status=303), method="post"),
        Probe(_url("reports:discharge-pdf"), html_record(READERS, status=303), method="post",
              data={"full_scores": "on"}),
        Probe(_url("reports:discharge-pdf"), roles(405, anonymous=LOGIN)),
    ],
    "reports:report-detail": [
        Probe(_single("reports:report-detail"), _owner_only()),
        Probe(_single("reports:report-detail", ready=True), _owner_only()),
        Probe(_single("reports:report-detail"), roles(405, anonymous=LOGIN), method="post"),
    ],
    "reports:report-status": [
        Probe(_single("reports:report-status"), _owner_only()),
        Probe(_single("reports:report-status", ready=True), _owner_only()),
    ],
}
