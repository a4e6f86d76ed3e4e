"""Error pages that never echo the request or the exception (either could carry client data)."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

RECORD_UNREADABLE = "This record could not be opened; the incident is logged."

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "You do not have permission to do that. Sign in again if your session has ended."),
    404: ("Not found", "There is no such page, or it is not one you can open."),
    "unreadable": ("This record could not be opened", f"{RECORD_UNREADABLE} Please tell your administrator, "
                   "with the time it happened: nothing was changed."),
    500: ("Something went wrong", "The error was logged with its request id. Nothing you typed was lost "
          "if it had been saved; please try again."),
}


def _render(request, status: int, kind: int | str | None = None):
    title, message = MESSAGES[kind or status]
    if request.path.startswith("/api/"):
        codes = {400: "bad_request", 403: "permission_denied", 404: "not_found", 500: "server_error",
                 "unreadable": "record_unreadable"}
        return JsonResponse({"error": {"code": codes[kind or status], "message": message}}, status=status)
    return render(request, "error.html", {"title": title, "message": message, "status": status}, status=status)


@login_not_required
def bad_request(request, exception=None):
    return _render(request, 400)


@login_not_required
def forbidden(request, exception=None):
    return _render(request, 403)


@login_not_required
def not_found(request, exception=None):
    return _render(request, 404)


@login_not_required
def server_error(request):
    return _render(request, 500)


def record_unreadable(request):
    """A value failed to decrypt (altered, moved to another row, or a wrong key): a plain 500, never a traceback.

    Returned by rapport.middleware.RecordUnreadableMiddleware; the failure was audited where it happened
    (keys.signals.decryption_failed) and logged by the middleware.
    """
    return _render(request, 500, "unreadable")


@login_not_required
@csrf_exempt  # answers 404 and changes nothing; a CSRF refusal would be an HTML page
def api_not_found(request, path: str = ""):
    """Any /api/ path that no API view matches (a malformed id, an unknown endpoint): the API's JSON 404, in debug
    mode too, where Django would show its HTML debug page."""
    return _render(request, 404)
