"""Build a synthetic practice at benchmark size (see demo/scale/). Refuses to run in production unless --force."""

import logging
import random
import time
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from clinic.models import CoupleStatus
from demo import portal as demo_portal
from demo.scale import notes as scale_notes
from demo.scale import plans as scale_plans
from demo.scale import practice as scale
from rapport.progress_bar import ProgressBar

# The clinical part, added per batch, in this order. Each module exposes prepare(scale, rng),
# add(batch, rng, scale) and delete_for(couple_ids, using).
CLINICAL_STEPS = (scale_plans, scale_notes)
SQLITE_CACHE_KIB = 128 * 1024


class Command(BaseCommand):
    help = (
        f"Create \"{scale.PRACTICE_NAME}\": --therapists therapists (usernames scale-therapist-001...), "
        "scale-manager and scale-admin (password rapport-scale-2026), --couples couples started over --years "
        "years with their clients, care teams, sessions, signed progress notes, plans, measures and audit "
        "events, and one partner's portal account (demo/portal.py). Refuses if that practice exists, unless "
        "--replace (which deletes it and its data keys first; "
        "audit events stay). Same --seed, same practice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--therapists", type=int, default=50, help="Therapists (default 50); every 8th "
                            "is a supervisor, about a fifth are pre-licensed and supervised.")
        parser.add_argument("--couples", type=int, default=5000, help="Couples (default 5000).")
        parser.add_argument("--years", type=int, default=3, help="Years over which couples started (default 3).")
        parser.add_argument("--seed", type=int, default=2026, help="Seed of the random choices (default 2026).")
        parser.add_argument("--batch", type=int, default=100,
                            help="Couples written per transaction (default 100; memory grows with it).")
        parser.add_argument("--replace", action="store_true",
                            help="Delete an existing scale practice first (on PostgreSQL this needs a superuser).")
        parser.add_argument("--force", action="store_true",
                            help="Run even with RAPPORT_DEBUG off. The users share a published password.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_scale creates users whose password is published, so it runs only with RAPPORT_DEBUG=1. "
                "Pass --force to run it anyway (never on a server holding real records)."
            )
        for name in ("therapists", "couples", "years", "batch"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        steps = list(CLINICAL_STEPS)
        existing = scale.find_practice()
        if existing is not None:
            if not options["replace"]:
                raise CommandError(
                    f"\"{scale.PRACTICE_NAME}\" already exists. Pass --replace to delete it and build it again."
                )
            self.stdout.write(f"Deleting the existing \"{scale.PRACTICE_NAME}\"...")
            scale.delete_practice(existing, [step.delete_for for step in steps])
        audit_logger = logging.getLogger("rapport.audit")
        level = audit_logger.level
        audit_logger.setLevel(logging.WARNING)
        # With DEBUG on, Django logs every query with its parameters quoted (on SQLite, one more query per
        # statement) and keeps the last 9,000: a fifth of the run for nothing.
        debug = settings.DEBUG
        settings.DEBUG = False
        try:
            created, seconds = self.build(options, steps)
        finally:
            settings.DEBUG = debug
            audit_logger.setLevel(level)
        rows = sum(count for kind, count in created.items() if not kind.startswith("couples ("))
        self.stdout.write(self.style.SUCCESS(
            f"Built \"{scale.PRACTICE_NAME}\" on {connection.vendor} in {seconds:.1f}s "
            f"({self.cpu_seconds:.1f}s of CPU in this process): {rows:,} rows."
        ))
        for kind, count in sorted(created.items()):
            self.stdout.write(f"  {kind:<28} {count:>10,}")
        self.stdout.write(f"  Logins: scale-therapist-001 ... scale-therapist-{options['therapists']:03d}, "
                          f"{scale.MANAGER_USERNAME}, {scale.ADMIN_USERNAME}; password {scale.PASSWORD}")

    def build(self, options, steps) -> tuple[Counter, float]:
        started, cpu = time.monotonic(), time.process_time()
        if connection.vendor == "sqlite":
            # A bigger page cache for this connection: the audit table's indexes (UUID columns) are written
            # all over the file, and the default 2 MiB cache rewrites the same pages again and again.
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        rng = random.Random(options["seed"])
        practice = scale.create_practice(rng, therapists=options["therapists"], years=options["years"])
        created: Counter = Counter({"users": options["therapists"] + 2})
        for step in steps:
            step.prepare(practice, rng)
        total = options["couples"]
        bar = ProgressBar(self.stdout, "Couples")
        specs = scale.plan_couples(rng, practice, total)
        done = 0
        statuses: Counter = Counter()
        while done < total:
            chunk = [next(specs) for _ in range(min(options["batch"], total - done))]
            batch = scale.build_cases(rng, practice, chunk)
            for step in steps:
                step.add(batch, rng, practice)
            created.update(batch.write())
            statuses.update(spec.status for spec in chunk)
            done += len(chunk)
            bar.update(done, total)
        bar.finish()
        # The portal, for the benchmark's partner pages: partner A of the first active couple with a plan signs
        # in (scale.PORTAL_EMAIL, the demo's published portal password), has a PHQ-9 to answer and two log
        # entries (demo/portal.py).
        created.update(demo_portal.seed(practice.practice, email=scale.PORTAL_EMAIL))
        for status in CoupleStatus:
            created[f"couples ({status.label.lower()})"] = statuses[status]
        self.cpu_seconds = time.process_time() - cpu
        return created, time.monotonic() - started
