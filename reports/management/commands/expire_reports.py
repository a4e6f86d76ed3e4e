"""Delete generated report files past their expiry, and restart batches whose workers died."""

from django.core.management.base import BaseCommand

from reports.selectors.batches import stalled_batches
from reports.services.files import reports_expire
from reports.services.finishing import batch_nudge, reports_recover


class Command(BaseCommand):
    help = (
        "Delete the encrypted content of generated reports and batch ZIPs older than RAPPORT_REPORT_EXPIRY_HOURS "
        "(the pages then say they expired), and requeue reports left running by workers that died. "
        "Workers also do this now and then; run it from cron to be sure it happens."
    )

    def handle(self, *args, **options):
        expired = reports_expire()
        requeued = reports_recover()
        nudged = sum(batch_nudge(batch=batch) for batch in stalled_batches())
        self.stdout.write(
            f"Expired {expired.reports} report file(s) and {expired.batches} batch ZIP(s); "
            f"requeued {requeued} report(s); restarted the finishing step of {nudged} batch(es)."
        )
