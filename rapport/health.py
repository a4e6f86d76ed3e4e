"""Health checks for load balancers and orchestrators. Neither needs a session, and neither says more than
"ok" or "unavailable": the reason a server is not ready goes to the log, never into the answer."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe

from keys.keyring import verify_kek

logger = logging.getLogger(__name__)


@login_not_required
@require_safe
def liveness(request):
    """The process answers: no database, no key."""
    return JsonResponse({"status": "ok"})


@login_not_required
@require_safe
def readiness(request):
    """Ready to serve: the database answers and the configured KEK opens the keyring's check value."""

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        verify_kek()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; its kind goes to the log only
        logger.warning("Readiness check failed: %s", type(exc).__name__)
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
