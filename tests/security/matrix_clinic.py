"""Permission matrix entries for the practice core (clinic app) and the API root, schema and docs."""

from django.urls import reverse

from tests.factories import TEST_PASSWORD
from tests.security.matrix_common import (
    ALL_CLINICIANS,
    CLINICIANS_ON_CASE,
    LOGIN,
    READERS,
    Probe,
    api_record,
    co_membership,
    couple,
    html_record,
    html_role_page,
    partner_a,
    registered_by_stranger,
    risk,
    roles,
)

ENTRIES: dict[str, list[Probe]] = {
    # --- sign-in and second factor -------------------------------------------------------------
    "clinic:home": [Probe(lambda c: reverse("clinic:home"), roles(302, anonymous=LOGIN))],
    "clinic:login": [Probe(lambda c: reverse("clinic:login"), roles({200, 302}, anonymous=200))],
    "clinic:logout": [Probe(lambda c: reverse("clinic:logout"), roles(302), method="post")],
    "clinic:two-factor": [Probe(lambda c: reverse("clinic:two-factor"), roles({200, 302}, anonymous=LOGIN))],
    "clinic:two-factor-setup": [Probe(lambda c: reverse("clinic:two-factor-setup"),
                                      roles({200, 302}, anonymous=LOGIN))],
    "clinic:two-factor-backup-codes": [Probe(lambda c: reverse("clinic:two-factor-backup-codes"),
                                             roles(200, anonymous=LOGIN))],
    # Demo-only: outside demo mode it does not exist for anyone.
    "clinic:two-factor-skip": [Probe(lambda c: reverse("clinic:two-factor-skip"),
                                     roles(404, anonymous=LOGIN), method="post")],
    "clinic:invite-accept": [Probe(lambda c: reverse("clinic:invite-accept", args=["bm9ib2R5", "bad-token"]),
                                   roles(400))],
    # --- couples and clients -------------------------------------------------------------------
    "clinic:couple-list": [Probe(lambda c: reverse("clinic:couple-list"), html_role_page(ALL_CLINICIANS))],
    "clinic:couple-create": [Probe(lambda c: reverse("clinic:couple-create"), html_role_page(ALL_CLINICIANS))],
    "clinic:couple-detail": [Probe(lambda c: reverse("clinic:couple-detail", args=[couple(c)]), html_record(READERS))],
    # The case's administration (reference, dates, partners' details, IPV screens, care team): the overview's
    # readers; managers use the care-team page instead (clinic:care-team-add), never this clinical record.
    "clinic:couple-administration": [Probe(lambda c: reverse("clinic:couple-administration", args=[couple(c)]),
                                           html_record(READERS))],
    "clinic:couple-edit": [Probe(lambda c: reverse("clinic:couple-edit", args=[couple(c)]),
                                 html_record(CLINICIANS_ON_CASE))],
    "clinic:partner-edit": [Probe(lambda c: reverse("clinic:partner-edit", args=[couple(c), "a"]),
                                  html_record(CLINICIANS_ON_CASE))],
    # Documenting an override of the IPV gate: clinicians who may change the case (a POST without a reason: 400).
    "clinic:ipv-override": [Probe(lambda c: reverse("clinic:ipv-override", args=[couple(c)]),
                                  html_record(CLINICIANS_ON_CASE)),
                            Probe(lambda c: reverse("clinic:ipv-override", args=[couple(c)]),
                                  html_record(CLINICIANS_ON_CASE, status=400), method="post")],
    # Recording an affair as ongoing or ended: clinicians who may change the case; managers 403, partners never.
    "clinic:affair-record": [Probe(lambda c: reverse("clinic:affair-record", args=[couple(c)]),
                                   html_record(CLINICIANS_ON_CASE))],
    # Managing the care team: the primary therapist and the practice manager; others who can see the case: 403.
    "clinic:care-team-add": [Probe(lambda c: reverse("clinic:care-team-add", args=[couple(c)]),
                                   html_record(("therapist",), co_therapist=403, supervisor=403, manager=200))],
    "clinic:care-team-end": [Probe(lambda c: reverse("clinic:care-team-end", args=[couple(c), co_membership(c)]),
                                   html_record(("therapist",), status={200, 302}, co_therapist=403, supervisor=403,
                                               manager={200, 302}), method="post")],
    # The risk register: every clinician who can read the case acts on it (a supervisor told of an overdue risk
    # too); an empty form is a 400 for them. Managers and administrators never reach it.
    "clinic:risk-register": [Probe(lambda c: reverse("clinic:risk-register", args=[couple(c)]), html_record(READERS))],
    "clinic:risk-acknowledge": [Probe(lambda c: reverse("clinic:risk-acknowledge", args=[couple(c), risk(c, "open")]),
                                      html_record(READERS, status=400), method="post")],
    "clinic:risk-check": [Probe(lambda c: reverse("clinic:risk-check", args=[couple(c), risk(c, "acknowledged")]),
                                html_record(READERS, status=400), method="post")],
    "clinic:risk-close": [Probe(lambda c: reverse("clinic:risk-close", args=[couple(c), risk(c, "acknowledged")]),
                                html_record(READERS, status=400), method="post")],
    # Screens and safety plans (the suicide-risk follow-up): the register's readers; an empty form is a 400.
    "clinic:safety-record": [Probe(lambda c: reverse("clinic:safety-record", args=[couple(c)]), html_record(READERS))],
    "clinic:safety-plan-save": [Probe(lambda c: reverse("clinic:safety-plan-save", args=[couple(c), "a"]),
                                      html_record(READERS, status=400), method="post")],
    "clinic:suicide-screen-record": [Probe(lambda c: reverse("clinic:suicide-screen-record", args=[couple(c), "a"]),
                                           html_record(READERS, status=400), method="post")],
    # Identity follows the care team: registering a client who is now in a couple the stranger cannot read
    # gives the stranger nothing (the second probe; before issue 16 it answered 200).
    "clinic:client-edit": [Probe(lambda c: reverse("clinic:client-edit", args=[partner_a(c).client_id]),
                                 html_record(CLINICIANS_ON_CASE)),
                           Probe(lambda c: reverse("clinic:client-edit", args=[registered_by_stranger(c)]),
                                 html_record(CLINICIANS_ON_CASE))],
    # --- practice manager and administrator ----------------------------------------------------
    "clinic:practice-home": [Probe(lambda c: reverse("clinic:practice-home"), html_role_page(("manager",)))],
    "clinic:user-list": [Probe(lambda c: reverse("clinic:user-list"), html_role_page(("admin",)))],
    "clinic:user-invite": [Probe(lambda c: reverse("clinic:user-invite"), html_role_page(("admin",)))],
    "clinic:user-edit": [Probe(lambda c: reverse("clinic:user-edit", args=[c.therapist.pk]),
                               html_role_page(("admin",)))],
    "clinic:user-deactivate": [Probe(lambda c: reverse("clinic:user-deactivate", args=[c.stranger.pk]),
                                     html_role_page(("admin",))),
                               # Without the administrator's password the form is refused (400); with it, done.
                               Probe(lambda c: reverse("clinic:user-deactivate", args=[c.stranger.pk]),
                                     html_role_page(("admin",), status=400), method="post"),
                               Probe(lambda c: reverse("clinic:user-deactivate", args=[c.stranger.pk]),
                                     html_role_page(("admin",), status=302), method="post",
                                     data={"secret": TEST_PASSWORD})],
    "clinic:practice-settings": [Probe(lambda c: reverse("clinic:practice-settings"), html_role_page(("admin",)))],
    "clinic:audit-log": [Probe(lambda c: reverse("clinic:audit-log"), html_role_page(("admin",)))],
    "clinic:audit-export": [Probe(lambda c: reverse("clinic:audit-export"), html_role_page(("admin",)))],
    # --- API -----------------------------------------------------------------------------------
    "api-root": [Probe(lambda c: reverse("api-root"), roles(200, anonymous=401))],
    # Any /api/ path no API view matches (a malformed id, no such endpoint): the JSON 404, for everyone.
    "api-not-found": [Probe(lambda c: "/api/v1/couples/not-an-id/", roles(404)),
                      Probe(lambda c: "/api/v1/no-such-endpoint/", roles(404), method="post")],
    "api-schema": [Probe(lambda c: reverse("api-schema"), roles(200, anonymous=401))],
    "api-docs": [Probe(lambda c: reverse("api-docs"), roles(200, anonymous=401))],
    # Public by design: it is how a token is obtained. Empty credentials are a 400 for everyone.
    "api-token": [Probe(lambda c: reverse("api-token"), roles(400), method="post")],
    "couple-list": [Probe(lambda c: reverse("couple-list"), roles(200, admin=403, anonymous=401))],
    "couple-detail": [
        Probe(lambda c: reverse("couple-detail", args=[couple(c)]), api_record(READERS, manager=200)),
        # No version given: a 400 for those who may write, and nothing else may even try.
        Probe(lambda c: reverse("couple-detail", args=[couple(c)]), api_record(CLINICIANS_ON_CASE, status=400),
              method="patch"),
    ],
    # No reason given: a 400 for those who may change the case, and nothing else may even try.
    "couple-ipv-override": [Probe(lambda c: reverse("couple-ipv-override", args=[couple(c)]),
                                  api_record(CLINICIANS_ON_CASE, status=400), method="post")],
    # No status given: a 400 for those who may change the case, and nothing else may even try.
    "couple-affair": [Probe(lambda c: reverse("couple-affair", args=[couple(c)]),
                            api_record(CLINICIANS_ON_CASE, status=400), method="post")],
    "couple-care-team-list": [Probe(lambda c: reverse("couple-care-team-list", args=[couple(c)]),
                                    api_record(READERS, manager=200))],
    "couple-care-team-end": [Probe(lambda c: reverse("couple-care-team-end", args=[couple(c), co_membership(c)]),
                                   api_record(("therapist",), co_therapist=403, supervisor=403, manager=200),
                                   method="post")],
    "couple-risk-list": [Probe(lambda c: reverse("couple-risk-list", args=[couple(c)]), api_record(READERS))],
    "couple-risk-acknowledge": [Probe(lambda c: reverse("couple-risk-acknowledge", args=[couple(c), risk(c, "open")]),
                                      api_record(READERS, status=400), method="post")],
    "couple-risk-check": [Probe(lambda c: reverse("couple-risk-check", args=[couple(c), risk(c, "acknowledged")]),
                                api_record(READERS, status=400), method="post")],
    "couple-risk-close": [Probe(lambda c: reverse("couple-risk-close", args=[couple(c), risk(c, "acknowledged")]),
                                api_record(READERS, status=400), method="post")],
    "couple-safety-plan-list": [
        Probe(lambda c: reverse("couple-safety-plan-list", args=[couple(c)]), api_record(READERS)),
        Probe(lambda c: reverse("couple-safety-plan-list", args=[couple(c)]), api_record(READERS, status=400),
              method="post"),
    ],
    "couple-suicide-screen-list": [
        Probe(lambda c: reverse("couple-suicide-screen-list", args=[couple(c)]), api_record(READERS)),
        Probe(lambda c: reverse("couple-suicide-screen-list", args=[couple(c)]), api_record(READERS, status=400),
              method="post"),
    ],
    "couple-partner-detail": [Probe(lambda c: reverse("couple-partner-detail", args=[couple(c), "a"]),
                                    api_record(CLINICIANS_ON_CASE), method="patch")],
    "client-list": [Probe(lambda c: reverse("client-list"),
                          roles(200, manager=403, admin=403, anonymous=401))],
    "client-detail": [Probe(lambda c: reverse("client-detail", args=[partner_a(c).client_id]),
                            api_record(READERS)),
                      Probe(lambda c: reverse("client-detail", args=[registered_by_stranger(c)]),
                            api_record(READERS))],
    # --- operations ----------------------------------------------------------------------------
    "healthz": [Probe(lambda c: reverse("healthz"), roles(200))],
    "healthz-ready": [Probe(lambda c: reverse("healthz-ready"), roles(200))],
}


