"""Walk the audit chain and say whether any event was edited or deleted (exit 1 at the first break)."""

from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify_chain


class Command(BaseCommand):
    help = (
        "Check every audit event's hash and its link to the event before it. Prints the number of events "
        "verified and exits 0, or names the first broken event and exits 1."
    )

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at event {broken.event_id}: {broken.reason} "
                f"({checked - 1} events before it verified).",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(f"{checked} events verified, chain intact"))
