from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


@login_not_required
def healthz(request):
    """Liveness for load balancers: no data, no database."""
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", include("clinic.urls")),
    path("", include("plans.urls")),
    path("", include("notes.urls")),
    path("", include("reports.urls")),
    path("api/v1/", include("rapport.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
]

handler400 = "clinic.views.errors.bad_request"
handler403 = "clinic.views.errors.forbidden"
handler404 = "clinic.views.errors.not_found"
handler500 = "clinic.views.errors.server_error"
