"""Permission matrix entries for CBT work between sessions and objective progress (plans app): the
"Between sessions" and "Progress" tabs, their forms, and their API.

Readers (the care team and the therapist's supervisor) see the tabs; only the primary therapist and
co-therapists write: the supervisor gets 404 on every write, as strangers and outsiders do everywhere.
Practice managers and administrators are refused (403): it is clinical text.
"""

from django.urls import reverse

from tests.security.matrix_common import CLINICIANS_ON_CASE, READERS, Probe, api_record, couple, html_record

KINDS = ("thought-record", "experiment", "checking", "homework")
API_BASENAMES = {"thought-record": "couple-thought-record", "experiment": "couple-experiment",
                 "checking": "couple-checking-log", "homework": "couple-homework"}


def record(c, kind):
    """A fresh record of `kind` for the cast's couple (each probe runs in its own test)."""
    from tests.plans import cbt_factories

    factory = {"thought-record": cbt_factories.ThoughtRecordFactory, "experiment": cbt_factories.ExperimentFactory,
               "checking": cbt_factories.CheckingLogFactory, "homework": cbt_factories.HomeworkFactory}[kind]
    return factory(couple=c.couple, created_by=c.therapist).pk


def api_list(c, kind):
    return reverse(f"{API_BASENAMES[kind]}-list", kwargs={"couple_pk": couple(c)})


def api_detail(c, kind):
    return reverse(f"{API_BASENAMES[kind]}-detail", kwargs={"couple_pk": couple(c), "pk": record(c, kind)})


def _api_entries() -> dict[str, list[Probe]]:
    entries: dict[str, list[Probe]] = {}
    for kind, basename in API_BASENAMES.items():
        entries[f"{basename}-list"] = [
            Probe(lambda c, kind=kind: api_list(c, kind), api_record(READERS)),
            # An empty body: a 400 for those who may write, and nobody else gets that far.
            Probe(lambda c, kind=kind: api_list(c, kind), api_record(CLINICIANS_ON_CASE, status=400),
                  method="post"),
        ]
        entries[f"{basename}-detail"] = [
            Probe(lambda c, kind=kind: api_detail(c, kind), api_record(READERS)),
            # No version: a 400 for those who may write.
            Probe(lambda c, kind=kind: api_detail(c, kind), api_record(CLINICIANS_ON_CASE, status=400),
                  method="patch"),
        ]
    entries["couple-checking-log-detail"].append(
        Probe(lambda c: api_detail(c, "checking"), api_record(CLINICIANS_ON_CASE, status=204), method="delete")
    )
    return entries


ENTRIES: dict[str, list[Probe]] = {
    # --- HTML --------------------------------------------------------------------------------------
    "plans:cbt": [Probe(lambda c: reverse("plans:cbt", args=[couple(c)]), html_record(READERS))],
    "plans:cbt-create": [
        *(Probe(lambda c, kind=kind: reverse("plans:cbt-create", args=[couple(c), kind]),
                html_record(CLINICIANS_ON_CASE)) for kind in KINDS),
        # An empty form: shown again with its errors (200) to those who may write.
        Probe(lambda c: reverse("plans:cbt-create", args=[couple(c), "thought-record"]),
              html_record(CLINICIANS_ON_CASE), method="post"),
        # No such kind: 404 for everyone who gets past the role check.
        Probe(lambda c: reverse("plans:cbt-create", args=[couple(c), "dream-diary"]), html_record(())),
    ],
    "plans:cbt-edit": [
        *(Probe(lambda c, kind=kind: reverse("plans:cbt-edit", args=[couple(c), kind, record(c, kind)]),
                html_record(CLINICIANS_ON_CASE)) for kind in KINDS),
        Probe(lambda c: reverse("plans:cbt-edit", args=[couple(c), "homework", record(c, "homework")]),
              html_record(CLINICIANS_ON_CASE), method="post"),
        # Deleting a log entry (confirmed): a redirect back to the tab for those who may write.
        Probe(lambda c: reverse("plans:cbt-edit", args=[couple(c), "checking", record(c, "checking")]),
              html_record(CLINICIANS_ON_CASE, status=302), method="post", data={"delete": "1", "confirm": "on"}),
    ],
    "plans:progress": [Probe(lambda c: reverse("plans:progress", args=[couple(c)]), html_record(READERS))],
    "plans:progress-point-add": [
        Probe(lambda c: reverse("plans:progress-point-add", args=[couple(c)]), html_record(CLINICIANS_ON_CASE)),
        # An empty form: refused with 400 and the form shown again (the error summary).
        Probe(lambda c: reverse("plans:progress-point-add", args=[couple(c)]),
              html_record(CLINICIANS_ON_CASE, status=400), method="post"),
    ],
    # --- API ---------------------------------------------------------------------------------------
    **_api_entries(),
    "couple-progress-point-list": [
        Probe(lambda c: reverse("couple-progress-point-list", kwargs={"couple_pk": couple(c)}), api_record(READERS)),
        Probe(lambda c: reverse("couple-progress-point-list", kwargs={"couple_pk": couple(c)}),
              api_record(CLINICIANS_ON_CASE, status=400), method="post"),
    ],
}
