"""Permission matrix entries of the partner portal (portal app): the partner's pages (only a signed-in partner
of the portal, only their own entries: partner B and a partner of another couple get 404 for partner A's),
its public sign-in pages, and the therapist's portal-access page of a couple."""

from django.urls import reverse
from django.utils import timezone

from tests.security.matrix_common import (
    CLINICIANS_ON_CASE,
    PORTAL_LOGIN,
    PORTAL_ROLES,
    Probe,
    couple,
    html_record,
    portal_role,
    roles,
)

PARTNERS_OK = dict.fromkeys(PORTAL_ROLES, 200)


def partner_page(**partners: object) -> dict[str, object]:
    """A partner page: staff and anonymous visitors are sent to the portal's sign-in."""
    return {**roles(PORTAL_LOGIN), **PARTNERS_OK, **partners}


def only_partner_a(status: object = 200) -> dict[str, object]:
    return partner_page(partner_a=status, partner_b=404, other_partner=404)


def everyone(status: object) -> dict[str, object]:
    return {**roles(status), **dict.fromkeys(PORTAL_ROLES, status)}


def a_entry(c):
    from portal.services.entries import portal_entry_submit

    return portal_entry_submit(account=portal_role(c, "partner_a"), kind="checking", fields={
        "occurred_on": timezone.localdate(), "kind": "checking", "resisted": True, "trigger": "probe"}).record.pk


def a_measure(c):
    from plans.instruments import BUILTIN
    from portal.services.entries import portal_measure_submit
    from tests.plans.measure_factories import answers_for

    return portal_measure_submit(account=portal_role(c, "partner_a"), instrument=BUILTIN["gad7"],
                                 answers=answers_for(BUILTIN["gad7"], 5)).record.pk


def phq9_sent_to_a(c):
    from plans.instruments import BUILTIN
    from portal.services.entries import measure_request_send

    measure_request_send(account=portal_role(c, "partner_a"), instrument=BUILTIN["phq9"], by=c.therapist)
    return reverse("portal:measure-answer", args=["phq9"])


def a_shares_charts(c):
    from portal.services.accounts import portal_sharing_set

    portal_sharing_set(account=portal_role(c, "partner_a"), by=c.therapist, share_charts=True, share_goals=True)
    return reverse("portal:progress")


def a_account(c):
    return portal_role(c, "partner_a").pk


ON_CASE = html_record(CLINICIANS_ON_CASE)  # write access: the supervisor (read only) gets 404 like a stranger

ENTRIES: dict[str, list[Probe]] = {
    # --- Public: sign-in, invitation (partners already signed in go to their home) ------------------------
    "portal:login": [Probe(lambda c: reverse("portal:login"),
                           {**everyone(200), **dict.fromkeys(PORTAL_ROLES, 302)})],
    "portal:login-code": [Probe(lambda c: reverse("portal:login-code"), everyone(302))],
    "portal:logout": [Probe(lambda c: reverse("portal:logout"), everyone(302), method="post")],
    "portal:signed-out": [Probe(lambda c: reverse("portal:signed-out"), everyone(200))],
    "portal:accept": [Probe(lambda c: reverse("portal:accept", args=["not-a-token"]), everyone(404))],
    # --- The partner's own pages ----------------------------------------------------------------------
    "portal:home": [Probe(lambda c: reverse("portal:home"), partner_page())],
    "portal:security": [Probe(lambda c: reverse("portal:security"), partner_page())],
    "portal:entry-list": [Probe(lambda c: reverse("portal:entry-list"), partner_page())],
    "portal:entry-new": [
        Probe(lambda c: reverse("portal:entry-new", args=["checking"]), partner_page()),
        Probe(lambda c: reverse("portal:entry-new", args=["thought-record"]), partner_page()),
        Probe(lambda c: reverse("portal:entry-new", args=["notes"]), partner_page(**dict.fromkeys(PORTAL_ROLES, 404))),
        # An empty form: 400 for a partner, nothing written.
        Probe(lambda c: reverse("portal:entry-new", args=["checking"]),
              partner_page(**dict.fromkeys(PORTAL_ROLES, 400)), method="post"),
    ],
    "portal:measure-answer": [
        # Nothing due: no answering at will.
        Probe(lambda c: reverse("portal:measure-answer", args=["phq9"]),
              partner_page(**dict.fromkeys(PORTAL_ROLES, 404))),
        # Sent to partner A only.
        Probe(phq9_sent_to_a, only_partner_a()),
    ],
    "portal:entry-detail": [
        Probe(lambda c: reverse("portal:entry-detail", args=["checking", a_entry(c)]), only_partner_a()),
        Probe(lambda c: reverse("portal:entry-detail", args=["measure", a_measure(c)]), only_partner_a()),
        # The right id under another kind is no way round.
        Probe(lambda c: reverse("portal:entry-detail", args=["thought-record", a_entry(c)]),
              partner_page(**dict.fromkeys(PORTAL_ROLES, 404))),
    ],
    "portal:entry-sent": [
        Probe(lambda c: reverse("portal:entry-sent", args=["checking", a_entry(c)]), only_partner_a()),
        Probe(lambda c: reverse("portal:entry-sent", args=["measure", a_measure(c)]), only_partner_a()),
    ],
    "portal:progress": [
        Probe(lambda c: reverse("portal:progress"), partner_page(**dict.fromkeys(PORTAL_ROLES, 404))),
        Probe(a_shares_charts, only_partner_a()),
    ],
    # --- The therapist's portal-access page of the couple ---------------------------------------------------
    "portal:couple": [Probe(lambda c: reverse("portal:couple", args=[couple(c)]), ON_CASE)],
    "portal:invite": [Probe(lambda c: reverse("portal:invite", args=[couple(c)]),
                            html_record(CLINICIANS_ON_CASE, status=400), method="post")],
    "portal:revoke": [Probe(lambda c: reverse("portal:revoke", args=[couple(c), a_account(c)]),
                            html_record(CLINICIANS_ON_CASE, status=302), method="post")],
    "portal:sharing": [Probe(lambda c: reverse("portal:sharing", args=[couple(c), a_account(c)]),
                             html_record(CLINICIANS_ON_CASE, status=302), method="post")],
    "portal:send-measure": [Probe(lambda c: reverse("portal:send-measure", args=[couple(c), a_account(c)]),
                                  html_record(CLINICIANS_ON_CASE, status=400), method="post")],
    "plans:client-entries-reviewed": [Probe(lambda c: reverse("plans:client-entries-reviewed", args=[couple(c)]),
                                            html_record(CLINICIANS_ON_CASE, status=302), method="post")],
}
