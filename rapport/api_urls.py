"""/api/v1/: every app lists its API areas (`<app>.api.urls.AREAS`); each registers its viewsets on one router
(`register(router)`) and may add plain URL patterns (`extra_urlpatterns`)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from clinic.api.urls import AREAS as CLINIC_AREAS
from notes.api.urls import AREAS as NOTES_AREAS
from plans.api.urls import AREAS as PLANS_AREAS

AREAS = (*CLINIC_AREAS, *PLANS_AREAS, *NOTES_AREAS)

router = DefaultRouter(trailing_slash=True)
for area in AREAS:
    if hasattr(area, "register"):
        area.register(router)

urlpatterns = [
    path("", include([pattern for area in AREAS for pattern in getattr(area, "extra_urlpatterns", [])])),
    path("", include(router.urls)),
]
