"""Create the local key file (mode 0600) holding the key-encryption key, if there is none yet."""

from django.conf import settings
from django.core.management.base import BaseCommand

from keys.providers import reset_key_provider, write_key_file


class Command(BaseCommand):
    help = "Create RAPPORT_KEY_FILE with a new random key-encryption key, unless it already exists."
    requires_system_checks = []  # rapport.E001 ("no key file: create one") must not stop the command that creates it

    def handle(self, *args, **options):
        path = settings.RAPPORT_KEY_FILE
        kek_id, created = write_key_file(path)
        reset_key_provider()
        if not created:
            self.stdout.write(f"Key file {path} already exists (active key {kek_id}); left as it is.")
            return
        self.stdout.write(self.style.SUCCESS(f"Created key file {path} (key {kek_id}, mode 0600)."))
        self.stdout.write(self.style.WARNING(
            "BACK THIS FILE UP somewhere other than the database backups. Without it every clinical "
            "text in this database is unreadable, for good."
        ))
