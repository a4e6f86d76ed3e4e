"""Who may reach what: the role gates of the HTML views, and the one way views, API and PDF code fetch a
clinical record for a user.

Missing and forbidden look the same (404), as in Zulip's `access_message`; a refusal of a record that
exists, and a refused role, are written to the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from audit.models import AuditEvent
from audit.services import record_event

from .models import CareTeamMember, Client, Couple, Partner, Role, User
from .selectors.care_team import is_current_primary
from .selectors.couples import couple_listed_for, couple_summary_listed_for

# --- Role gates of the HTML views ------------------------------------------------------------------


def roles_allowed(*roles: str) -> Callable:
    """Refuse (403, audited) signed-in users whose role is not one of `roles`. Anonymous users never get
    here: LoginRequiredMiddleware sends them to the sign-in page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request.user, "role", None) not in roles:
                record_event(
                    "access.denied", actor=request.user, outcome=AuditEvent.Outcome.DENIED,
                    detail={"reason": "role", "view": view.__name__},
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


clinician_required = roles_allowed(Role.THERAPIST, Role.SUPERVISOR)
supervisor_required = roles_allowed(Role.SUPERVISOR)
# Care teams and report batches: a practice manager's operational pages, also a clinician's.
clinician_or_manager_required = roles_allowed(Role.THERAPIST, Role.SUPERVISOR, Role.PRACTICE_MANAGER)
# The instrument library: clinicians use it, the practice administrator keeps the practice's own instruments.
clinician_or_admin_required = roles_allowed(Role.THERAPIST, Role.SUPERVISOR, Role.ADMIN)


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only active administrators of a practice (staff, settings, audit log, the practice's own instruments);
    anyone else signed in gets 403 and an audit event naming the page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_practice_admin and user.practice_id):
            record_event(
                "access.denied", actor=user, object_type="page", object_id=request.resolver_match.view_name,
                outcome=AuditEvent.Outcome.DENIED, detail={"area": "administration"},
            )
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- Records -----------------------------------------------------------------------------------------


def _refuse(user: Any, model: type, pk: Any, *, write: bool) -> None:
    if model.objects.filter(pk=pk).exists():
        record_event(
            "access.denied",
            actor=user,
            object_type=model._meta.label_lower,
            object_id=pk,
            couple_id=pk if model is Couple else None,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"write": write},
        )
    raise Http404("No such record.")


def get_couple_for_user(user: Any, pk: Any, *, write: bool = False) -> Couple:
    """The couple `pk` if `user` may read it (write=True: change it); else 404 and an audit event.

    Prefetches partners with their clients and the care team with users, which every couple page shows (one
    query each, joined).
    """
    queryset = Couple.objects.editable_by(user) if write else Couple.objects.visible_to(user)
    couple = (
        queryset.filter(pk=pk)
        .prefetch_related(Prefetch("partners", Partner.objects.select_related("client")),
                          Prefetch("care_team", CareTeamMember.objects.select_related("user__supervisor")))
        .first()
    )
    if couple is None:
        _refuse(user, Couple, pk, write=write)
    return couple


def get_couple_record_for_user(user: Any, model: type, pk: Any, *, write: bool = False, queryset: Any = None) -> Any:
    """One row of a couple-owned model (it has a `couple` foreign key), if `user` may read its couple
    (write=True: change it); else 404 and an audit event. `queryset` narrows or prefetches (defaults to
    the model's manager). Plans, measures, sessions and notes all come through here."""
    couples = Couple.objects.editable_by(user) if write else Couple.objects.visible_to(user)
    base = queryset if queryset is not None else model._default_manager.all()
    row = base.filter(pk=pk, couple__in=couples).first()
    if row is None:
        _refuse(user, model, pk, write=write)
    return row


def get_client_for_user(user: Any, pk: Any, *, write: bool = False) -> Client:
    """The client `pk` if `user` may read (or, write=True, change) their identity now; else 404 (audited).

    Identity follows the care team (Client.objects.visible_to / editable_by): a clinician who registered the
    client keeps no access of their own once the client is in a couple."""
    clients = Client.objects.editable_by(user) if write else Client.objects.visible_to(user)
    client = clients.filter(pk=pk).first()
    if client is None:
        _refuse(user, Client, pk, write=write)
    return client


def get_couple_for_team_management(user: Any, pk: Any) -> Couple:
    """The couple whose care team `user` may change: its current primary therapist, or a practice manager
    of its practice (an operational task: the couple comes without clinical text).

    404 (audited) when the user cannot reach the couple at all; 403 (audited) when a clinician can read it
    but is not its primary therapist. HTML views and the API both call this.
    """
    if user.is_authenticated and user.is_practice_manager:
        couple = couple_listed_for(user, pk)
        if couple is None:
            _refuse(user, Couple, pk, write=True)
        return couple
    couple = get_couple_for_user(user, pk)
    if not is_current_primary(couple, user):
        record_event("access.denied", actor=user, obj=couple, outcome=AuditEvent.Outcome.DENIED,
                     detail={"reason": "not_primary", "view": "care_team"})
        raise PermissionDenied
    return couple


def get_couple_summary_for_user(user: Any, pk: Any, *, write: bool = False) -> Couple:
    """The couple `pk` for an API caller: clinicians as get_couple_for_user; practice managers may open
    (summary only, no clinical text) and staff the cases of their practice. Anything else is 404, audited."""
    if not user.is_practice_manager:
        return get_couple_for_user(user, pk, write=write)
    couple = couple_summary_listed_for(user, pk)
    if couple is None:
        _refuse(user, Couple, pk, write=write)
    return couple


def get_colleague_for_admin(user: Any, pk: Any) -> User:
    """A staff account of the administrator `user`'s own practice; any other account is 404, as if absent."""
    return get_object_or_404(User, pk=pk, practice_id=user.practice_id)
