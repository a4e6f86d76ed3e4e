"""Escalate open risks left unacknowledged past the practice's window (run it every few minutes from cron)."""

from django.core.management.base import BaseCommand

from clinic.services.risks import risks_escalate


class Command(BaseCommand):
    help = ("Escalate every open risk not acknowledged within its practice's window (Practice."
            "risk_acknowledge_hours) to the supervisor of the case's primary therapist. Safe to run as often as "
            "you like: each risk is escalated once.")

    def handle(self, *args, **options):
        count = risks_escalate()
        self.stdout.write(f"{count} risk(s) escalated.")
