"""Permission matrix entries for treatment plans and the trust-issue library (HTML and API).

Reading a plan: the couple's therapists and the supervisor; changing one: its therapists only (the
supervisor gets 404 like any other non-writer, as on clinic:couple-edit). Managers and administrators
are refused (403) everywhere: plans are clinical text. The library belongs to each practice: any of its
clinicians (an outsider sees their own practice's library, but gets 404 on an item of ours).
"""

from django.urls import reverse

from plans.models import Goal, Intervention, Objective, Problem, TreatmentPlan
from plans.services.library import ensure_practice_library
from tests.plans.plan_factories import make_plan
from tests.security.matrix_common import (
    ALL_CLINICIANS,
    CLINICIANS_ON_CASE,
    LOGIN,
    READERS,
    Probe,
    api_record,
    couple,
    html_record,
    html_role_page,
    roles,
)


def _plan(c, status: str) -> TreatmentPlan:
    existing = TreatmentPlan.objects.filter(couple=c.couple, status=status).first()
    return existing or make_plan(c.couple, by=c.therapist, status=status)


def draft(c):
    return _plan(c, "draft").pk


def active(c):
    return _plan(c, "active").pk


def draft_item(c, model):
    plan = _plan(c, "draft")
    lookup = {Problem: "plan", Goal: "problem__plan"}.get(model, "goal__problem__plan")
    return model.objects.filter(**{lookup: plan}).first().pk


def library_item(c):
    ensure_practice_library(c.practice)
    return c.practice.library_items.first().pk


def _item_probes(kind: str, model) -> dict[str, list[Probe]]:
    # Adding with an empty body is a 400 for those who may write; an empty change is a 200 (nothing to do).
    return {
        f"plan-{kind}-list": [Probe(lambda c: reverse(f"plan-{kind}-list", kwargs={"plan_pk": draft(c)}),
                                    api_record(CLINICIANS_ON_CASE, status=400), method="post")],
        f"plan-{kind}-detail": [Probe(lambda c: reverse(f"plan-{kind}-detail", kwargs={
            "plan_pk": draft(c), "pk": draft_item(c, model)}), api_record(CLINICIANS_ON_CASE), method="patch")],
    }


LIBRARY_PAGE = roles(403, anonymous=LOGIN, **dict.fromkeys(("therapist", "co_therapist", "stranger", "supervisor"),
                                                           200), outsider=404)

ENTRIES: dict[str, list[Probe]] = {
    # --- HTML: the plan ---------------------------------------------------------------------------
    "plans:plan-detail": [Probe(lambda c: reverse("plans:plan-detail", args=[couple(c)]), html_record(READERS))],
    "plans:plan-create": [Probe(lambda c: reverse("plans:plan-create", args=[couple(c)]),
                                html_record(CLINICIANS_ON_CASE, status=302), method="post")],
    "plans:plan-overdue-reviews": [Probe(lambda c: reverse("plans:plan-overdue-reviews"),
                                         html_role_page(ALL_CLINICIANS))],
    "plans:plan-version": [Probe(lambda c: reverse("plans:plan-version", args=[draft(c)]), html_record(READERS))],
    "plans:plan-edit": [Probe(lambda c: reverse("plans:plan-edit", args=[draft(c)]),
                              html_record(CLINICIANS_ON_CASE))],
    "plans:plan-add-from-library": [Probe(lambda c: reverse("plans:plan-add-from-library", args=[draft(c)]),
                                          html_record(CLINICIANS_ON_CASE))],
    "plans:plan-item-add": [Probe(lambda c: reverse("plans:plan-item-add", args=[draft(c), "problem"]),
                                  html_record(CLINICIANS_ON_CASE))],
    "plans:plan-item-edit": [Probe(lambda c: reverse("plans:plan-item-edit",
                                                     args=[draft(c), "problem", draft_item(c, Problem)]),
                                   html_record(CLINICIANS_ON_CASE))],
    "plans:plan-item-delete": [Probe(lambda c: reverse("plans:plan-item-delete",
                                                       args=[draft(c), "goal", draft_item(c, Goal)]),
                                     html_record(CLINICIANS_ON_CASE))],
    "plans:plan-sign": [Probe(lambda c: reverse("plans:plan-sign", args=[draft(c)]),
                              html_record(CLINICIANS_ON_CASE))],
    "plans:plan-acknowledge": [Probe(lambda c: reverse("plans:plan-acknowledge", args=[active(c)]),
                                     html_record(CLINICIANS_ON_CASE))],
    # --- HTML: the library --------------------------------------------------------------------------
    "plans:library-list": [Probe(lambda c: reverse("plans:library-list"), html_role_page(ALL_CLINICIANS))],
    "plans:library-item-create": [Probe(lambda c: reverse("plans:library-item-create"),
                                        html_role_page(ALL_CLINICIANS))],
    "plans:library-item-edit": [Probe(lambda c: reverse("plans:library-item-edit", args=[library_item(c)]),
                                      LIBRARY_PAGE)],
    # --- API --------------------------------------------------------------------------------------------
    "couple-plan-list": [
        Probe(lambda c: reverse("couple-plan-list", kwargs={"couple_pk": couple(c)}), api_record(READERS)),
        Probe(lambda c: reverse("couple-plan-list", kwargs={"couple_pk": couple(c)}),
              api_record(CLINICIANS_ON_CASE, status=201), method="post"),
    ],
    "treatment-plan-detail": [
        Probe(lambda c: reverse("treatment-plan-detail", args=[draft(c)]), api_record(READERS)),
        # No version given: a 400 for those who may write, and nothing else may even try.
        Probe(lambda c: reverse("treatment-plan-detail", args=[draft(c)]), api_record(CLINICIANS_ON_CASE, status=400),
              method="patch"),
    ],
    "treatment-plan-sign": [Probe(lambda c: reverse("treatment-plan-sign", args=[draft(c)]),
                                  api_record(CLINICIANS_ON_CASE, status=400), method="post")],
    "treatment-plan-acknowledge": [Probe(lambda c: reverse("treatment-plan-acknowledge", args=[active(c)]),
                                         api_record(CLINICIANS_ON_CASE, status=400), method="post")],
    **_item_probes("problem", Problem),
    **_item_probes("goal", Goal),
    **_item_probes("objective", Objective),
    **_item_probes("intervention", Intervention),
    "library-item-list": [
        Probe(lambda c: reverse("library-item-list"), roles(200, manager=403, admin=403, anonymous=401)),
        Probe(lambda c: reverse("library-item-list"), roles(400, manager=403, admin=403, anonymous=401),
              method="post"),
    ],
    "library-item-detail": [Probe(lambda c: reverse("library-item-detail", args=[library_item(c)]),
                                  roles(200, manager=403, admin=403, outsider=404, anonymous=401),
                                  method="patch")],
}
