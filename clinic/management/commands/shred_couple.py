"""Destroy a discharged couple's data keys at the end of retention (crypto-shredding)."""

import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic.models import Couple
from clinic.services import retention
from keys.errors import CryptoError


class Command(BaseCommand):
    help = (
        "Crypto-shred one couple: destroy its data keys so that its clinical text is unreadable for good. "
        "Only for a discharged couple whose end date is older than RAPPORT_RETENTION_YEARS. The couple row, "
        "its reference, dates and audit history remain."
    )

    def add_arguments(self, parser):
        parser.add_argument("couple_id", metavar="ID", help="The couple's UUID.")
        parser.add_argument("--confirm", metavar="REFERENCE",
                            help="The couple's reference, typed in advance (for scripts); otherwise you are asked.")

    def handle(self, *args, couple_id, confirm=None, **options):
        try:
            couple = Couple.objects.get(pk=uuid.UUID(couple_id))
        except (ValueError, Couple.DoesNotExist):
            raise CommandError(f"No couple with id {couple_id!r}.") from None
        try:
            retention.check_can_shred(couple)
        except CryptoError as exc:
            raise CommandError(str(exc)) from None
        if confirm is None:
            if not self._stdin_is_tty():
                raise CommandError("Give --confirm REFERENCE when not running at a terminal; nothing was destroyed.")
            self.stdout.write(self.style.WARNING(
                f"This destroys the data keys of couple {couple.pk}: its clinical text becomes unreadable for "
                f"good, in this database and in every backup made from now on. Retention "
                f"({settings.RAPPORT_RETENTION_YEARS} years) ended on {retention.retention_ends(couple):%Y-%m-%d}."
            ))
            confirm = input(f"Type the couple's reference ({couple.reference}) to confirm: ").strip()
        try:
            destroyed = retention.shred_couple(couple=couple, confirmation=confirm)
        except CryptoError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Couple {couple.pk} ({couple.reference}) shredded: {destroyed} data key(s) destroyed. "
            "Backups made before today still hold the wrapped key: see 'Keys and encryption' in the README."
        ))

    @staticmethod
    def _stdin_is_tty() -> bool:
        import sys

        return sys.stdin.isatty()
