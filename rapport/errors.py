"""Error pages that never echo the request or the exception (either could carry client data)."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "You do not have permission to do that. Sign in again if your session has ended."),
    404: ("Not found", "There is no such page, or it is not one you can open."),
    500: ("Something went wrong", "The error was logged with its request id. Nothing you typed was lost "
          "if it had been saved; please try again."),
}


def _render(request, status: int):
    title, message = MESSAGES[status]
    if request.path.startswith("/api/"):
        codes = {400: "bad_request", 403: "permission_denied", 404: "not_found", 500: "server_error"}
        return JsonResponse({"error": {"code": codes[status], "message": message}}, status=status)
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
