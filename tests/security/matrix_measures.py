"""Permission matrix entries for outcome measures (plans app): the Measures tab, recording, one score and
its risk flag, the schedule, measures due, the instrument registry, and their API."""

from django.urls import reverse

from tests.security.matrix_common import (
    ALL_CLINICIANS,
    CLINICIANS_ON_CASE,
    READERS,
    Probe,
    api_record,
    couple,
    html_record,
    html_role_page,
    roles,
)


def _measure(c, **kwargs):
    from tests.plans.measure_factories import administration

    return administration(c.couple, c.therapist, **kwargs).pk


def risk_measure(c):
    return _measure(c, instrument="phq9", total=4, risk=1)


def measure(c):
    return _measure(c)


def plan(c):
    from tests.plans.measure_factories import plan as make_plan

    return make_plan(c.couple, c.therapist, csi4="session").pk


def custom_code(c):
    from tests.plans.measure_factories import custom_instrument

    return custom_instrument(c.practice).code


def measure_api(c, pk):
    return reverse("couple-measure-detail", kwargs={"couple_pk": couple(c), "pk": pk})


ENTRIES: dict[str, list[Probe]] = {
    # --- HTML --------------------------------------------------------------------------------------
    "plans:measure-list": [Probe(lambda c: reverse("plans:measure-list", args=[couple(c)]), html_record(READERS))],
    "plans:measure-record": [
        Probe(lambda c: reverse("plans:measure-record", args=[couple(c)]), html_record(CLINICIANS_ON_CASE)),
        # No instrument chosen: a 400 for those who may record, and nobody else gets that far.
        Probe(lambda c: reverse("plans:measure-record", args=[couple(c)]),
              html_record(CLINICIANS_ON_CASE, status=400), method="post"),
    ],
    "plans:measure-detail": [Probe(lambda c: reverse("plans:measure-detail", args=[measure(c)]),
                                   html_record(READERS))],
    "plans:measure-acknowledge-risk": [
        Probe(lambda c: reverse("plans:measure-acknowledge-risk", args=[risk_measure(c)]),
              html_record(CLINICIANS_ON_CASE, status=302), method="post",
              data={"note": "Risk assessed in session; safety plan agreed."}),
    ],
    "plans:measure-schedule": [Probe(lambda c: reverse("plans:measure-schedule", args=[plan(c)]),
                                     html_record(CLINICIANS_ON_CASE))],
    "plans:measures-due": [Probe(lambda c: reverse("plans:measures-due"), html_role_page(ALL_CLINICIANS))],
    "plans:not-on-track": [Probe(lambda c: reverse("plans:not-on-track"), html_role_page(ALL_CLINICIANS))],
    "plans:instrument-list": [Probe(lambda c: reverse("plans:instrument-list"),
                                    html_role_page((*ALL_CLINICIANS, "admin")))],
    "plans:instrument-create": [Probe(lambda c: reverse("plans:instrument-create"), html_role_page(("admin",)))],
    # --- API ---------------------------------------------------------------------------------------
    "instrument-list": [Probe(lambda c: reverse("instrument-list"), roles(200, manager=403, anonymous=401))],
    "instrument-detail": [
        Probe(lambda c: reverse("instrument-detail", args=["phq9"]), roles(200, manager=403, anonymous=401)),
        # A practice's own instrument is not found from another practice.
        Probe(lambda c: reverse("instrument-detail", args=[custom_code(c)]),
              roles(200, manager=403, outsider=404, anonymous=401)),
    ],
    "couple-measure-list": [
        Probe(lambda c: reverse("couple-measure-list", args=[couple(c)]), api_record(READERS)),
        # An empty body: a 400 for those who may record; nobody else gets that far.
        Probe(lambda c: reverse("couple-measure-list", args=[couple(c)]),
              api_record(CLINICIANS_ON_CASE, status=400), method="post"),
    ],
    "couple-measure-detail": [Probe(lambda c: measure_api(c, measure(c)), api_record(READERS))],
    "couple-measure-acknowledge-risk": [
        Probe(lambda c: reverse("couple-measure-acknowledge-risk",
                                kwargs={"couple_pk": couple(c), "pk": risk_measure(c)}),
              api_record(CLINICIANS_ON_CASE, status=400), method="post"),
    ],
    "plan-measure-schedule": [
        Probe(lambda c: reverse("plan-measure-schedule", args=[plan(c)]), api_record(READERS)),
        Probe(lambda c: reverse("plan-measure-schedule", args=[plan(c)]),
              api_record(CLINICIANS_ON_CASE, status=400), method="put"),
    ],
    "measures-due": [Probe(lambda c: reverse("measures-due"), roles(200, manager=403, admin=403, anonymous=401))],
}
