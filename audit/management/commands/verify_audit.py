"""Walk the audit chain and say whether any event was edited, rewritten or deleted (exit 1 at the first break)."""

from django.core.management.base import BaseCommand, CommandError

from audit import checkpoint as checkpoints
from audit.chain import walk_chain


class Command(BaseCommand):
    help = (
        "Check every audit event's keyed hash and its link to the event before it, then the checkpoint kept "
        "outside the database (RAPPORT_AUDIT_CHECKPOINT_FILE): its key, and that the event it names is still "
        "there with the same hash. Prints the number of events verified and exits 0, or names the first problem "
        "and exits 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("--require-checkpoint", action="store_true",
                            help="Fail when there is no checkpoint file (without one, deleted newest events "
                                 "cannot be noticed).")

    def handle(self, *args, **options):
        def fail(message: str):
            raise CommandError(message, returncode=1)

        try:
            checkpoint = checkpoints.read_checkpoint()
            if checkpoint is not None and not checkpoints.check_mac(checkpoint):
                fail(f"Audit checkpoint {checkpoints.path()} was not made with the audit key: it was edited or "
                     "forged. Compare it with the 'audit checkpoint' lines of the log.")
        except checkpoints.CheckpointError as error:
            fail(str(error))
        walk = walk_chain(remember=frozenset([checkpoint.event_id]) if checkpoint else frozenset())
        if walk.broken is not None:
            fail(f"Audit chain broken at event {walk.broken.event_id}: {walk.broken.reason} "
                 f"({walk.checked - 1} events before it verified).")
        if checkpoint is not None:
            found = walk.hashes.get(checkpoint.event_id)
            if found is None and (walk.last_id or 0) < checkpoint.event_id:
                fail(f"Audit chain cut: the checkpoint of {checkpoint.written_at} names event {checkpoint.event_id}, "
                     f"but the chain ends at event {walk.last_id or 'none'}: the newest events were deleted.")
            if found != checkpoint.hash:
                fail(f"Audit chain rewritten: event {checkpoint.event_id} no longer has the hash the checkpoint of "
                     f"{checkpoint.written_at} recorded.")
        elif options["require_checkpoint"]:
            fail(f"No audit checkpoint at {checkpoints.path()}.")
        self.stdout.write(self.style.SUCCESS(f"{walk.checked} events verified, chain intact"))
        if walk.checked:
            self.stdout.write(f"{walk.keyed} keyed with the audit key, {walk.checked - walk.keyed} from before keying")
        if checkpoint is not None:
            self.stdout.write(f"Checkpoint of {checkpoint.written_at} (event {checkpoint.event_id}) matches")
        else:
            self.stdout.write(f"No checkpoint at {checkpoints.path()}: deleted newest events would go unnoticed")
