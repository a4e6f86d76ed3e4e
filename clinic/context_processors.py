from django.conf import settings


def rapport(request):
    return {"demo_mode": settings.DEMO_MODE}
