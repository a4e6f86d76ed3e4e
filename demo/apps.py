from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Data generators for development, demos and benchmarks; never installed in production."""

    name = "demo"
    label = "demo"
    verbose_name = "Demo and scale data"
