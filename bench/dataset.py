"""Bench steps that need Django, run by bench/scale_bench.py as `python -m bench.dataset <step> --out FILE`
with the environment of one data set (bench/scale_env.py):

- seed: migrate and load the data set (`seed_scale`, or the demo practice where seed_scale is missing);
- inspect: how many couples the database holds and whether the bench key file opens its keyring;
- analyze: refresh the query planner's statistics (ANALYZE), as autovacuum keeps them in a running database;
- sessions: signed-in, two-factor-verified sessions of the bench therapist for the load clients, and the
  URLs measured (home page, a couple page, a page of the notes API, a progress report PDF).

Each step writes its result as JSON to FILE.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import login  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command, get_commands  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_otp import login as otp_login  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from clinic.models import Couple, CoupleStatus, User  # noqa: E402
from keys.checks import keyring_problem  # noqa: E402

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
                "years": SCALE_YEARS, "seed": seed}
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
    """Refresh the planner's statistics. A freshly bulk-loaded database has none until autovacuum gets to
    it, and without them PostgreSQL picks sequential scans a running practice's database would not."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
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


def targets(user: User) -> dict[str, str]:
    couple = bench_couple(user)
    return {
        "healthz": reverse("healthz"),
        "home": reverse("notes:therapist-home"),
        "couple": reverse("clinic:couple-detail", args=[couple.pk]),
        "notes_api": reverse("note-list"),
        "progress_pdf": reverse("reports:progress-pdf", args=[couple.pk]),
    }


def sessions(count: int) -> dict:
    user = bench_therapist()
    return {"username": user.username, "cookie_name": settings.SESSION_COOKIE_NAME,
            "session_keys": [verified_session(user) for _ in range(count)],
            "targets": targets(user), "couples_in_database": Couple.objects.count()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["seed", "inspect", "analyze", "sessions", "parameters"])
    parser.add_argument("--couples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--clients", type=int, default=8)
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
        result = sessions(args.clients)
    Path(args.out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
