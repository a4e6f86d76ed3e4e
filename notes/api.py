"""/api/v1/ endpoints of the notes app: each area registers its own viewsets."""

from . import api_notes, api_supervision

AREAS = (api_notes, api_supervision,)
extra_urlpatterns: list = [pattern for area in AREAS for pattern in getattr(area, "extra_urlpatterns", [])]


def register(router) -> None:
    for area in AREAS:
        area.register(router)
