"""Re-wrap every data key under the active key-encryption key (touches the DataKey table only)."""

from django.core.management.base import BaseCommand, CommandError

from keys import batching, kek_rotation
from keys.errors import CryptoError
from keys.providers import get_key_provider
from rapport.progress_bar import ProgressBar


class Command(BaseCommand):
    help = (
        "Re-wrap every data key not yet wrapped by the active key-encryption key. Resumable: run it again "
        "after an interruption. --new-key first adds a fresh active key to the key file; --retire-old "
        "afterwards removes old keys from the key file once no data key uses them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true",
                            help="Add a new active KEK to RAPPORT_KEY_FILE first (the old keys stay in it).")
        parser.add_argument("--retire-old", action="store_true",
                            help="After re-wrapping, remove every old KEK from RAPPORT_KEY_FILE.")
        parser.add_argument("--batch-size", type=int, default=batching.BATCH_SIZE)

    def handle(self, *args, new_key=False, retire_old=False, batch_size=batching.BATCH_SIZE, **options):
        try:
            if new_key:
                kek_id = kek_rotation.add_new_kek()
                self.stdout.write(f"Added key-encryption key {kek_id} to the key file; it is now the active key.")
                self.stdout.write(self.style.WARNING(
                    "Back up the key file again now, and restart the app servers so that new data keys are "
                    "wrapped by the new key."
                ))
            provider = get_key_provider()
            bar = ProgressBar(self.stderr, "Re-wrapping data keys")
            result = kek_rotation.rotate_kek(batch_size=batch_size, on_progress=bar.update)
            bar.finish()
            self.stdout.write(self.style.SUCCESS(
                f"{result.rewrapped} data key(s) re-wrapped under {result.active_kek_id} "
                f"({result.already_current} already were, {result.shredded} shredded left as they are). "
                "No clinical row was touched."
            ))
            old = {k: n for k, n in kek_rotation.kek_ids_in_use().items() if k != provider.active_kek_id}
            if old:
                self.stdout.write(self.style.WARNING(
                    f"{sum(old.values())} data key(s) appeared under old keys meanwhile: run rotate_kek again."
                ))
            if retire_old:
                removed = kek_rotation.retire_old_keks()
                if removed:
                    self.stdout.write(f"Removed old key(s) {', '.join(removed)} from the key file.")
                else:
                    self.stdout.write("No old key in the key file.")
            elif not old:
                self.stdout.write(
                    "No data key uses an old key any more: remove old keys with `rotate_kek --retire-old` "
                    "(key file) or by unsetting RAPPORT_OLD_KEKS (environment), after restarting the app servers."
                )
        except CryptoError as exc:
            raise CommandError(str(exc)) from None
