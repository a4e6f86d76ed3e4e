"""Bench steps that need Django, run by bench/scale_bench.py as `python -m bench.dataset <step> --out FILE`
with the environment of one data set (bench/scale_env.py):

- seed: migrate and load the data set (`seed_scale`, or the demo practice where seed_scale is missing);
- inspect: how many couples the database holds and whether the bench key file opens its keyring;
- analyze: VACUUM ANALYZE (PostgreSQL; ANALYZE elsewhere): the planner's statistics and the visibility map
  (index-only scans) that autovacuum keeps in a running database;
- sessions: signed-in, two-factor-verified sessions of the bench therapist for the load clients, sessions of
  the bench partner in the portal, the URLs measured (bench/pages.py: those that resolve), and what the PDF
  clients of the mixed scenario ask for (the progress report's button, one period per client).

Each step writes its result as JSON to FILE.
"""

from __future__ import annotations

import argparse
import datetime
import json
import time
from pathlib import Path

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import login  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command, get_commands  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django_otp import login as otp_login  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from bench.pages import PAGES  # noqa: E402
from clinic.models import Couple, CoupleStatus, User  # noqa: E402
from keys.checks import keyring_problem  # noqa: E402
from portal import session as portal_session  # noqa: E402
from portal.models import MeasureRequest, PortalAccount  # noqa: E402

SCALE_THERAPISTS = 50
SCALE_YEARS = 3
SCALE_THERAPIST = "scale-therapist-001"
DEMO_THERAPIST = "therapist"


def generator() -> str:
    """The command that builds the data sets: seed_scale once it exists, else the demo practice."""
    return "seed_scale" if "seed_scale" in get_commands() else "seed_demo"


def dataset_parameters(couples: int, seed: int) -> dict:
    """What identifies a data set: a database built with the same parameters is reused."""
    if generator() == "seed_scale":
        return {"generator": "seed_scale", "couples": couples, "therapists": SCALE_THERAPISTS,
                "years": SCALE_YEARS, "seed": seed, "portal_accounts": 1}
    return {"generator": "seed_demo"}


def prepare_dataset(couples: int, seed: int) -> dict:
    """Migrate the (empty) database and load a practice of `couples` couples."""
    call_command("migrate", "--noinput", verbosity=0)
    parameters = dataset_parameters(couples, seed)
    if parameters["generator"] == "seed_scale":
        call_command("seed_scale", "--therapists", str(SCALE_THERAPISTS), "--couples", str(couples),
                     "--years", str(SCALE_YEARS), "--seed", str(seed), "--force")
    else:
        call_command("seed_demo", "--force", verbosity=0)
    return {**parameters, "couples_in_database": Couple.objects.count()}


def analyze_dataset() -> dict:
    """Refresh the planner's statistics and, on PostgreSQL, the visibility map. A freshly bulk-loaded database
    has neither until autovacuum gets to it (autovacuum may even be off on a bench server): without statistics
    PostgreSQL picks sequential scans a running practice's database would not, and without the visibility map
    an index-only scan reads the table too."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {"analyzed": connection.vendor}


def inspect_dataset() -> dict:
    try:
        couples = Couple.objects.count()
    except Exception as exc:  # not migrated, or the database is gone
        return {"usable": False, "why": type(exc).__name__}
    problem = keyring_problem()
    return {"usable": problem is None, "why": problem or "", "couples_in_database": couples,
            "generator": generator()}


def bench_therapist() -> User:
    username = SCALE_THERAPIST if generator() == "seed_scale" else DEMO_THERAPIST
    return User.objects.get(username=username)


def verified_session(user: User) -> str:
    """A session key for `user`, signed in and past the second factor, as the sign-in views leave it
    (the sign-in signal starts the idle and lifetime clocks and records the SignedInSession)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = user
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    request.session.save()
    return request.session.session_key


def bench_couple(user: User) -> Couple:
    """The therapist's first active couple (by reference): its page and its progress report are measured."""
    couple = (Couple.objects.editable_by(user).filter(status=CoupleStatus.ACTIVE).order_by("reference").first())
    if couple is None:
        raise SystemExit(f"{user.username} has no active couple to measure")
    return couple


def bench_partner(practice_id) -> PortalAccount | None:
    """The partner signed in to the portal for the portal pages: the practice's first usable account."""
    return (PortalAccount.objects.usable().filter(couple__practice_id=practice_id).select_related("couple")
            .order_by("couple__reference", "partner__position").first())


def partner_session(account: PortalAccount) -> str:
    """A session key of `account` signed in to the portal, past its second step, as portal.session.start
    leaves it."""
    store = SessionStore()
    now = time.time()
    store[portal_session.ACCOUNT_KEY] = str(account.pk)
    store[portal_session.AUTH_HASH_KEY] = portal_session._auth_hash(account)
    store[portal_session.VERIFIED_KEY] = True
    store[portal_session.LAST_SEEN_KEY] = now
    store[portal_session.STARTED_KEY] = now
    store.save()
    return store.session_key


def _resolve(candidates: tuple[str, ...], args: list) -> str | None:
    for name in candidates:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


def targets(user: User, partner: PortalAccount | None = None) -> dict:
    """{"pages": {name: {"path", "who"}}, "missing": {name: why}, "pdf": the progress report's button}."""
    couple = bench_couple(user)
    measure = None
    if partner is not None:
        measure = (MeasureRequest.objects.filter(account=partner, completed_at__isnull=True)
                   .order_by("requested_at").values_list("instrument", flat=True).first())
    pages, missing = {}, {}
    for page in PAGES:
        if page.who == "partner" and partner is None:
            missing[page.name] = "no portal account in the data set"
            continue
        args = {"couple": [couple.pk], "measure": [measure] if measure else None, "": []}[page.args]
        if args is None:
            missing[page.name] = "the bench partner has no measure to answer"
            continue
        path = _resolve(page.candidates, args)
        if path is None:
            missing[page.name] = f"no URL named {' or '.join(page.candidates)} yet"
            continue
        pages[page.name] = {"path": path + page.query, "who": page.who}
    return {
        "healthz": reverse("healthz"),
        "pages": pages,
        "missing": missing,
        "pdf": {"options": reverse("reports:couple-reports", args=[couple.pk]),
                "ask": reverse("reports:progress-pdf", args=[couple.pk]),
                "start": couple.start_date.isoformat() if couple.start_date else ""},
    }


def pdf_forms(start: str, count: int) -> list[dict[str, str]]:
    """The options form of the progress report for each PDF client: the treatment to date, each client's period
    starting a day later than the previous one's, so no two clients share one job (a second identical request
    while the first is waiting is the same job)."""
    today = datetime.date.today()
    first = datetime.date.fromisoformat(start) if start else today - datetime.timedelta(days=365)
    return [{"start": min(first + datetime.timedelta(days=index), today).isoformat(), "end": today.isoformat(),
             "include_notes": "on", "audience": "clinical", "exclude_partner": ""} for index in range(count)]


def sessions(count: int, pdf_clients: int = 2) -> dict:
    user = bench_therapist()
    partner = bench_partner(user.practice_id)
    found = targets(user, partner)
    return {"username": user.username, "cookie_name": settings.SESSION_COOKIE_NAME,
            "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
            "session_keys": [verified_session(user) for _ in range(count)],
            "partner_session_keys": [partner_session(partner) for _ in range(count)] if partner else [],
            "pdf_session_keys": [verified_session(user) for _ in range(pdf_clients)],
            "pdf_forms": pdf_forms(found["pdf"]["start"], pdf_clients),
            "targets": found, "couples_in_database": Couple.objects.count()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["seed", "inspect", "analyze", "sessions", "parameters"])
    parser.add_argument("--couples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--pdf-clients", type=int, default=2)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.step == "seed":
        result = prepare_dataset(args.couples, args.seed)
    elif args.step == "inspect":
        result = inspect_dataset()
    elif args.step == "analyze":
        result = analyze_dataset()
    elif args.step == "parameters":
        result = dataset_parameters(args.couples, args.seed)
    else:
        result = sessions(args.clients, args.pdf_clients)
    Path(args.out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
