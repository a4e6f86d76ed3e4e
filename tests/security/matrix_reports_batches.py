"""Permission matrix entries for report batches and generated-file downloads.

The batch list is for therapists, supervisors and practice managers (admins 403). A batch and its files belong to
the person who asked: everyone else gets 404, whatever their role (a co-therapist of the couple included).
"""

from django.urls import reverse

from tests.reports.batch_helpers import first_report, month_key, ready_batch
from tests.security.matrix_common import ALL_CLINICIANS, LOGIN, Probe, html_role_page, roles

BATCH_ROLES = (*ALL_CLINICIANS, "manager")


def only(role: str, status: object = 200) -> dict[str, object]:
    """A record of `role`'s own: 404 for every other role, the sign-in page for anonymous visitors."""
    return roles(404, anonymous=LOGIN, **{role: status})


def therapist_batch(c):
    return ready_batch(c.therapist, [c.couple])


def manager_batch(c):
    return ready_batch(c.manager)


def record_probes(name: str, *, file: bool = False) -> list[Probe]:
    def url(make):
        if file:
            return lambda c: reverse(name, args=[first_report(make(c)).pk])
        return lambda c: reverse(name, args=[make(c).pk])

    return [Probe(url(therapist_batch), only("therapist")), Probe(url(manager_batch), only("manager"))]


ENTRIES: dict[str, list[Probe]] = {
    "reports:batch-list": [
        Probe(lambda c: reverse("reports:batch-list"), html_role_page(BATCH_ROLES)),
        # Asking: the therapist and co-therapist of the active couple and the manager start a batch (302); the
        # clinicians with no active couple of their own are told there is nothing to report on (200).
        Probe(lambda c: reverse("reports:batch-list"),
              {**html_role_page(BATCH_ROLES), "therapist": 302, "co_therapist": 302, "manager": 302},
              method="post", data={"month": month_key()}),
    ],
    "reports:batch-detail": record_probes("reports:batch-detail"),
    "reports:batch-progress": record_probes("reports:batch-progress"),
    "reports:batch-download": record_probes("reports:batch-download"),
    "reports:report-download": record_probes("reports:report-download", file=True),
}
