"""/api/v1/: every app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from clinic import api as clinic_api
from notes import api as notes_api
from plans import api as plans_api

router = DefaultRouter(trailing_slash=True)
clinic_api.register(router)
plans_api.register(router)
notes_api.register(router)

urlpatterns = [
    path("", include(clinic_api.extra_urlpatterns)),
    path("", include(plans_api.extra_urlpatterns)),
    path("", include(notes_api.extra_urlpatterns)),
    path("", include(router.urls)),
]
