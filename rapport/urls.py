from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from rapport import errors, health

urlpatterns = [
    path("", include("clinic.urls")),
    path("", include("plans.urls")),
    path("", include("notes.urls")),
    path("", include("reports.urls")),
    path("portal/", include("portal.urls")),
    path("api/v1/", include("rapport.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", health.liveness, name="healthz"),
    path("healthz/ready", health.readiness, name="healthz-ready"),
    # Last: what no API pattern above matched answers in the API's error format.
    re_path(r"^api/(?P<path>.*)$", errors.api_not_found, name="api-not-found"),
]

handler400 = "rapport.errors.bad_request"
handler403 = "rapport.errors.forbidden"
handler404 = "rapport.errors.not_found"
handler500 = "rapport.errors.server_error"
