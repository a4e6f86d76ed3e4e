from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Partner portal"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (a staff sign-in drops any partner session on that browser)
