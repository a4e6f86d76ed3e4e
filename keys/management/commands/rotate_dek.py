"""Give a couple (or every couple and practice) a new data key and seal its rows again."""

import uuid

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from keys import batching, dek_rotation
from keys.errors import CryptoError
from keys.keyring import KeyOwner
from rapport.progress_bar import ProgressBar


class Command(BaseCommand):
    help = (
        "Rotate data keys: the active key becomes 'retiring', a new one is created, every encrypted value "
        "of the owner is sealed again in batches, then the retiring key is deleted. Resumable. "
        "Blind-index and check keys are never rotated."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--couple", metavar="ID", help="The couple's UUID.")
        which.add_argument("--all", action="store_true", help="Every couple and every practice identity key.")
        parser.add_argument("--batch-size", type=int, default=batching.BATCH_SIZE)
        parser.add_argument(
            "--grace-seconds", type=float, default=None,
            help="How long to wait before deleting old keys, so other processes stop using them "
                 "(default RAPPORT_DEK_CACHE_SECONDS; 0 when no other process is running).",
        )

    def handle(self, *args, couple=None, all=False, batch_size=batching.BATCH_SIZE, grace_seconds=None, **options):
        if couple:
            Couple = apps.get_model(settings.RAPPORT_CASE_MODEL)
            try:
                couple_obj = Couple.objects.get(pk=uuid.UUID(couple))
            except (ValueError, Couple.DoesNotExist):
                raise CommandError(f"No couple with id {couple!r}.") from None
            if couple_obj.shredded_at is not None:
                raise CommandError(f"Couple {couple_obj.pk} was shredded; there is nothing to rotate.")
            owners = [KeyOwner("couple", couple_obj.pk)]
        else:
            owners = dek_rotation.rotatable_owners()
        bar = ProgressBar(self.stderr, "Resealing rows")

        def waiting(seconds: float) -> None:
            self.stderr.write(
                f"Waiting {seconds:.0f}s so that other processes stop using the old keys "
                "(RAPPORT_DEK_CACHE_SECONDS); interrupting is safe, run the command again to finish."
            )

        try:
            done = dek_rotation.rotate_dek(owners, batch_size=batch_size, grace_seconds=grace_seconds,
                                       on_progress=bar.update, on_wait=waiting)
        except CryptoError as exc:
            raise CommandError(str(exc)) from None
        bar.finish()
        values = sum(r.values_resealed for r in done)
        rows = sum(r.rows_seen for r in done)
        resumed = sum(r.resumed for r in done)
        self.stdout.write(self.style.SUCCESS(
            f"Rotated {len(done)} data key(s) ({resumed} resumed): {values} value(s) in {rows} row(s) sealed "
            "under new keys; the old keys were deleted."
        ))
