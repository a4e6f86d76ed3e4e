from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Practice"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (registers the auth signal handlers)
