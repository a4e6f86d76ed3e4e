"""/api/v1/: every app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from clinic import api as clinic_api

router = DefaultRouter(trailing_slash=True)
clinic_api.register(router)

urlpatterns = [
    path("", include(clinic_api.extra_urlpatterns)),
    path("", include(router.urls)),
]
