"""Administration: the practice's staff accounts and settings. Administrators only; no clinical data here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.http import require_GET, require_http_methods

from clinic.access import admin_required, get_colleague_for_admin
from clinic.forms.auth import ReauthForm
from clinic.forms.staff import OffboardForm, PracticeSettingsForm, UserEditForm, UserInviteForm
from clinic.models import User
from clinic.selectors import offboarding as offboarding_selectors
from clinic.selectors import staff as selectors
from clinic.services import offboarding, users
from rapport.forms import add_service_errors, error_summary


def _invite_url(request: HttpRequest, user: User) -> str:
    path = reverse("clinic:invite-accept", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    })
    return request.build_absolute_uri(path)


def _show_invite(request: HttpRequest, member: User) -> HttpResponse:
    return render(request, "clinic/staff/invite_link.html",
                  {"member": member, "invite_url": _invite_url(request, member), "nav": "users"})


@require_GET
@admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    staff = selectors.staff_list(practice_id=request.user.practice_id)
    return render(request, "clinic/staff/user_list.html", {"staff": staff, "nav": "users"})


@require_http_methods(["GET", "POST"])
@admin_required
def user_invite(request: HttpRequest) -> HttpResponse:
    form = UserInviteForm(request.POST if request.method == "POST" else None,
                          practice_id=request.user.practice_id)
    if form.is_valid():
        try:
            member = users.user_invite(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _show_invite(request, member)
    return render(request, "clinic/staff/user_invite.html", {
        "form": form, "errors": error_summary(form), "nav": "users",
    })


def _edit_initial(member: User) -> dict:
    return {"first_name": member.first_name, "last_name": member.last_name, "email": member.email,
            "role": member.role, "credentials": member.credentials, "licence_number": member.licence_number,
            "supervisor": member.supervisor_id}


@require_http_methods(["GET", "POST"])
@admin_required
def user_edit(request: HttpRequest, pk) -> HttpResponse:
    member = get_colleague_for_admin(request.user, pk)
    action = request.POST.get("action", "save") if request.method == "POST" else None
    reset_form = ReauthForm(request.POST if action == "reset_two_factor" else None, prefix="reset")
    if reset_form.is_valid():
        try:
            users.user_reset_two_factor(user=member, by=request.user, secret=reset_form.cleaned_data["secret"])
        except ValidationError as exc:
            add_service_errors(reset_form, exc)
        else:
            messages.success(request, f"Two-factor sign-in was reset for {member.display_name}. "
                                      "They will set up an authenticator app again when they next sign in.")
            return redirect("clinic:user-edit", pk=member.pk)
    if action == "reactivate":
        try:
            users.user_reactivate(user=member, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{member.display_name} can sign in again. They will set up two-factor "
                                      "sign-in again the first time.")
        return redirect("clinic:user-edit", pk=member.pk)
    if action == "new_invite":
        try:
            users.user_invite_reissue(user=member, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("clinic:user-edit", pk=member.pk)
        return _show_invite(request, member)
    form = UserEditForm(request.POST if action == "save" else None, initial=_edit_initial(member),
                        practice_id=request.user.practice_id, user=member)
    if form.is_valid():
        try:
            users.user_update(user=member, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            member.refresh_from_db()
        else:
            messages.success(request, f"Changes to {member.display_name} were saved.")
            return redirect("clinic:user-list")
    return render(request, "clinic/staff/user_edit.html", {
        "member": member, "form": form, "errors": error_summary(form), "nav": "users",
        "reset_form": reset_form, "reset_errors": error_summary(reset_form),
        "is_self": member.pk == request.user.pk,
        "two_factor_enrolled": selectors.two_factor_enrolled(member),
        "awaiting_password": member.is_active and not member.has_usable_password(),
    }, status=400 if form.is_bound or reset_form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@admin_required
def user_deactivate(request: HttpRequest, pk) -> HttpResponse:
    """Deactivate a colleague. For a clinician, the page lists their couples (as primary therapist), other
    care-team places, supervisees and unsigned work, and asks who takes over, or an explicit "leave unassigned"
    (clinic.services.offboarding)."""
    member = get_colleague_for_admin(request.user, pk)
    if member.pk == request.user.pk or not member.is_active:
        messages.error(request, "You cannot deactivate your own account. Ask another administrator to do it."
                       if member.pk == request.user.pk else f"{member.display_name} is already deactivated.")
        return redirect("clinic:user-edit", pk=member.pk)
    caseload = offboarding_selectors.caseload_of(member)
    form = OffboardForm(request.POST if request.method == "POST" else None, caseload=caseload,
                        candidates=offboarding_selectors.successor_candidates(member),
                        supervisors=offboarding_selectors.supervisor_candidates(member))
    if form.is_valid():
        try:
            result = offboarding.user_offboard(
                user=member, by=request.user, secret=form.cleaned_data["secret"], successors=form.successors(),
                supervisor=form.cleaned_data.get("supervisor"), leave_unassigned=form.cleaned_data["leave_unassigned"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = result.deactivation
            messages.success(request, f"{member.display_name} was deactivated. {done.sessions_ended} signed-in "
                                      f"session(s) ended and {done.tokens_revoked} API token(s) revoked.")
            if result.reassigned or result.left_unassigned:
                messages.info(request, f"{result.reassigned} couple(s) have a new primary therapist; "
                                       f"{result.left_unassigned} left without one.")
            if done.supervisees and not result.supervisees_moved:
                messages.warning(request, f"{done.supervisees} therapist(s) had {member.display_name} as their "
                                          "supervisor. Give them another supervisor from their pages below.")
            return redirect("clinic:user-list")
    return render(request, "clinic/staff/deactivate.html", {
        "member": member, "caseload": caseload, "form": form, "errors": error_summary(form), "nav": "users",
    }, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@admin_required
def practice_settings(request: HttpRequest) -> HttpResponse:
    practice = request.user.practice
    form = PracticeSettingsForm.for_practice(practice, request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            users.practice_update(practice=practice, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Practice settings saved.")
            return redirect("clinic:practice-settings")
    return render(request, "clinic/staff/practice_settings.html", {
        "form": form, "errors": error_summary(form), "practice": practice, "nav": "users",
    })
