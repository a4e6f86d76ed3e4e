from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"

    def ready(self) -> None:
        from clinic.services.discharge import register_discharge_step

        from .services.plans import plan_close_at_discharge

        register_discharge_step(plan_close_at_discharge)  # a discharge closes the active plan
