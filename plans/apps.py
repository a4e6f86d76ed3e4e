from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"

    def ready(self) -> None:
        # Imported here: the app registry must be ready before models and selectors load.
        from clinic.selectors import plan_review
        from clinic.services.discharge import register_discharge_step

        from .selectors.measures import plan_review_prompts
        from .services.plans import plan_close_at_discharge

        plan_review.register(plan_review_prompts)  # the couple overview's "not on track" prompt
        register_discharge_step(plan_close_at_discharge)  # a discharge closes the active plan
