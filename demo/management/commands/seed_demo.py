"""Load the demo practice (idempotent) and print its logins. Refuses to run in production unless --force."""

import logging
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic.models import Practice
from demo import notes as demo_notes
from demo import plans as demo_plans
from demo import portal as demo_portal
from demo import practice as demo

# The clinical part of the demo, in this order: each module exposes
# `seed(practice, *, stdout) -> dict[str, int]`, what it created by kind.
CLINICAL_STEPS = (demo_plans, demo_notes, demo_portal)


class Command(BaseCommand):
    help = (
        "Create the demo practice, its staff and couples if they are missing, and print the demo logins. "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true",
            help="Run even with RAPPORT_DEBUG off. The demo users share a published password.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates users whose password is published, so it runs only with RAPPORT_DEBUG=1. "
                "Pass --force to run it anyway (never on a server holding real records)."
            )
        # One log line per audit event would bury the logins printed below; the events are still written.
        audit_logger = logging.getLogger("rapport.audit")
        level = audit_logger.level
        audit_logger.setLevel(logging.WARNING)
        try:
            report = demo.seed()
            clinical = self.seed_clinical_records()
        finally:
            audit_logger.setLevel(level)
        if report.created or clinical:
            summary = ", ".join(f"{count} {kind}(s)" for kind, count in sorted((report.created + clinical).items()))
            self.stdout.write(self.style.SUCCESS(f"Demo practice loaded: created {summary}."))
        else:
            self.stdout.write("Demo practice already loaded; nothing changed.")
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo logins for {demo.PRACTICE_NAME}"))
        self.stdout.write(f"  Password for every demo user: {demo.DEMO_PASSWORD}")
        for username, description in report.logins:
            self.stdout.write(f"  {username:<12} {description}")
        self.stdout.write("  Each user sets up two-factor sign-in (an authenticator app) on first sign-in.")
        practice = Practice.objects.filter(name=demo.PRACTICE_NAME).order_by("created_at").first()
        portal_login = demo_portal.login_line(practice) if practice else None
        if portal_login:
            self.stdout.write(portal_login)

    def seed_clinical_records(self) -> Counter:
        """Plans, measures, sessions and notes of the demo couples (demo.plans, then demo.notes)."""
        practice = Practice.objects.filter(name=demo.PRACTICE_NAME).order_by("created_at").first()
        created: Counter = Counter()
        if practice is None:
            return created
        for module in CLINICAL_STEPS:
            created.update(module.seed(practice, stdout=None))
        return created
