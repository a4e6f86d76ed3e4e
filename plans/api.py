"""/api/v1/ endpoints of the plans app: each area registers its own viewsets."""

from . import api_measures, api_plans, api_progress

AREAS = (api_plans, api_measures, api_progress,)
extra_urlpatterns: list = [pattern for area in AREAS for pattern in getattr(area, "extra_urlpatterns", [])]


def register(router) -> None:
    for area in AREAS:
        area.register(router)
