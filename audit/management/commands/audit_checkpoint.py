"""Write the audit checkpoint now (run it from a timer, e.g. every minute, and before a planned shutdown)."""

from django.core.management.base import BaseCommand

from audit.checkpoint import path, write_checkpoint


class Command(BaseCommand):
    help = ("Record the newest audit event's id and keyed hash in RAPPORT_AUDIT_CHECKPOINT_FILE and the log, so "
            "verify_audit notices if events up to it are deleted.")

    def handle(self, *args, **options):
        checkpoint = write_checkpoint(reason="command")
        if checkpoint is None:
            self.stdout.write("No audit events yet: nothing to record.")
        else:
            self.stdout.write(f"Checkpoint at event {checkpoint.event_id} in {path()}")
