from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class KeysConfig(AppConfig):
    name = "keys"
    verbose_name = "Keys and encryption"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the keyring system check)
        from .database_file import private_sqlite_file
        from .receivers import create_keyring_check

        connection_created.connect(private_sqlite_file, dispatch_uid="keys.private_sqlite_file")
        post_migrate.connect(create_keyring_check, sender=self, dispatch_uid="keys.create_keyring_check")
