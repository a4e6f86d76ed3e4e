from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Practice"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401  (registers system checks and auth signal handlers)
