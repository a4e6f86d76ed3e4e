"""What every page's template may need from settings."""

from django.conf import settings


def rapport(request):
    return {"demo_mode": settings.DEMO_MODE}
