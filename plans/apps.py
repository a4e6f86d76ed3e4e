from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"

    def ready(self) -> None:
        from clinic.selectors import plan_review

        from .selectors.measures import plan_review_prompts

        plan_review.register(plan_review_prompts)
