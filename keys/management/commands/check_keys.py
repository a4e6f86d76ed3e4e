"""Prove that the configured key-encryption key opens every data key in this database."""

from django.core.management.base import BaseCommand, CommandError

from keys import batching, key_check
from keys.errors import CryptoError
from rapport.progress_bar import ProgressBar


class Command(BaseCommand):
    help = "Unwrap every data key with the configured KEK; exit non-zero naming the first key that fails."
    requires_system_checks = []  # rapport.E001 would stop it before it could say which keys fail

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=batching.BATCH_SIZE)

    def handle(self, *args, batch_size=batching.BATCH_SIZE, **options):
        bar = ProgressBar(self.stderr, "Opening data keys")
        try:
            result = key_check.check_keys(batch_size=batch_size, on_progress=bar.update)
        except CryptoError as exc:  # the provider itself cannot load (no key file, bad RAPPORT_KEK)
            raise CommandError(str(exc)) from None
        bar.finish()
        kinds = ", ".join(f"{kind}: {n}" for kind, n in sorted(result.opened_by_kind.items())) or "none"
        self.stdout.write(f"Key source: {result.source}")
        self.stdout.write(f"Opened data keys by kind: {kinds}; shredded (no key material): {result.shredded}")
        for kek_id, n in sorted(result.by_kek.items()):
            self.stdout.write(f"  wrapped by {kek_id}: {n}")
        if not result.ok:
            key_id, kind, message = result.failures[0]
            raise CommandError(
                f"{len(result.failures)} data key(s) cannot be opened. First: {key_id} ({kind}). {message} "
                "Fix RAPPORT_KEY_FILE (key file) or RAPPORT_KEK / RAPPORT_OLD_KEKS (environment)."
            )
        if len(result.by_kek) > 1:
            self.stdout.write("More than one key-encryption key is in use: run rotate_kek to finish a rotation.")
        self.stdout.write(self.style.SUCCESS("Every data key opens with the configured key."))
