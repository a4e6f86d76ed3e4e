from django.apps import AppConfig
from django.db.models.signals import post_migrate


class KeysConfig(AppConfig):
    name = "keys"
    verbose_name = "Keys and encryption"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the keyring system check)
        from .receivers import create_keyring_check

        post_migrate.connect(create_keyring_check, sender=self, dispatch_uid="keys.create_keyring_check")
