"""Clinical pages of the practice core: couples (cases), partners, clients and care teams.

Therapists and supervisors only, except the care-team pages, which a practice manager also uses (an
operational task that shows staff names, the reference and the status, never client data).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from audit.services import record_event
from clinic.access import (
    clinician_or_manager_required,
    clinician_required,
    get_client_for_user,
    get_couple_for_team_management,
    get_couple_for_user,
)
from clinic.forms.couples import (
    CareTeamAddForm,
    CareTeamEndForm,
    ClientEditForm,
    ClientSearchForm,
    CoupleEditForm,
    CoupleRegistration,
    PartnerForm,
    StatusFilterForm,
)
from clinic.ipv import decode_answers
from clinic.models import CareRole, Couple, CoupleStatus, IPVResult, PartnerPosition
from clinic.selectors import care_team as team_selectors
from clinic.selectors import couples as selectors
from clinic.selectors import ipv as ipv_selectors
from clinic.selectors import offboarding as offboarding_selectors
from clinic.selectors import overview as overview_selectors
from clinic.selectors import plan_review
from clinic.selectors import risks as risk_selectors
from clinic.selectors.names import display_name, names_of_listed
from clinic.services import couples as services
from rapport.forms import add_service_errors, error_summary

NAV = "couples"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own start page."""
    user = request.user
    if user.is_clinician:
        return redirect("notes:therapist-home")
    if user.is_practice_manager:
        return redirect("clinic:practice-home")
    if user.is_practice_admin:
        return redirect("clinic:user-list")
    raise PermissionDenied


# --- Couples --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@clinician_required
def couple_list(request: HttpRequest) -> HttpResponse:
    """"My couples", filtered by status (GET). The name search is a POST, so names stay out of URLs."""
    status_form = StatusFilterForm(request.GET or None)
    status = status_form.cleaned_data["status"] if status_form.is_valid() else ""
    search_form = ClientSearchForm(request.POST or None)
    searched = False
    if request.method == "POST":
        if search_form.is_valid():
            couples, matches = selectors.couples_with_client_named(request.user, name=search_form.cleaned_data["name"])
            couples = list(couples)
            searched = True
            record_event("client.search", actor=request.user, detail={"matches": matches, "shown": len(couples)})
        else:
            couples = list(selectors.couples_for_list(request.user, status=status))
    else:
        couples = list(selectors.couples_for_list(request.user, status=status))
    return render(request, "clinic/couples/list.html", {
        "nav": NAV,
        "couples": couples,
        "couple_names": names_of_listed(couples),
        "status_form": status_form,
        "status": status,
        "status_label": CoupleStatus(status).label if status else "",
        "search_form": search_form,
        "searched": searched,
        "errors": error_summary(search_form) if request.method == "POST" else [],
    })


@require_http_methods(["GET", "POST"])
@clinician_required
def couple_create(request: HttpRequest) -> HttpResponse:
    """Register both partners and open their case in one transaction."""
    registration = CoupleRegistration(request.POST if request.method == "POST" else None)
    if request.method == "POST" and registration.is_valid():
        case = registration.case.cleaned_data
        try:
            created = services.couple_register(
                by=request.user,
                partner_a=registration.partner_a.cleaned_data,
                partner_b=registration.partner_b.cleaned_data,
                start_date=case["start_date"],
                presenting_concerns=case["presenting_concerns"],
                confidentiality=case["confidentiality"],
            )
        except ValidationError as error:
            add_service_errors(registration.case, error)
        else:
            messages.success(request, f"Couple {created.couple.reference} registered. You are its primary therapist.")
            return redirect("clinic:couple-detail", pk=created.couple.pk)
    return render(request, "clinic/couples/create.html", {
        "nav": NAV,
        "registration": registration,
        "errors": error_summary(*registration.forms),
    })


@require_GET
@clinician_required
def couple_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """The couple's overview: what matters clinically (risks, sessions and notes, plan, scores, homework, client
    entries, what is outstanding). The case's administration has its own page. Every view is audited."""
    couple = get_couple_for_user(request.user, pk)
    record_event("couple.view", actor=request.user, obj=couple)
    partners = list(couple.partners.all())
    prefetch_related_objects([couple], "ipv_override_by")
    risks = risk_selectors.unresolved_risks_of(couple)
    can_edit = Couple.objects.editable_by(request.user).filter(pk=couple.pk).exists()
    overview = overview_selectors.clinical_overview(couple=couple, user=request.user, risks=risks, can_write=can_edit)
    return render(request, "clinic/couples/detail.html", {
        **_couple_page_context(couple, partners, can_edit=can_edit),
        "risks": risks,
        # The panels read them already (their Outstanding list has them too).
        "rescreen_prompts": overview.rescreen_prompts if overview is not None
        else ipv_selectors.rescreen_prompts(couple, partners),
        # The panels read the scores already: their prompts save the notice its own reading of them.
        "review_prompts": overview.review_prompts if overview is not None else plan_review.plan_review_prompts(couple),
        "overview": overview,
    })


@require_GET
@clinician_required
def couple_administration(request: HttpRequest, pk: Any) -> HttpResponse:
    """The case's administration: reference, dates, confidentiality, affair record, presenting concerns, the
    partners' identity, agreement and IPV screens, and the care team. Same readers as the overview; audited."""
    couple = get_couple_for_user(request.user, pk)
    record_event("couple.view", actor=request.user, obj=couple, detail={"page": "administration"})
    partners = list(couple.partners.all())
    prefetch_related_objects(partners, "ipv_screened_by")
    prefetch_related_objects([couple], "ipv_override_by", "affair_recorded_by", "practice")
    can_manage_team = team_selectors.is_current_primary(couple, request.user)
    can_edit = Couple.objects.editable_by(request.user).filter(pk=couple.pk).exists()
    return render(request, "clinic/couples/administration.html", {
        **_couple_page_context(couple, partners, can_edit=can_edit),
        **_care_team_context(couple, can_manage=can_manage_team),
    })


def _couple_page_context(couple: Couple, partners: list[Any], *, can_edit: bool) -> dict[str, Any]:
    """What both pages of the couple show: the heading with the couple's name and the IPV notices."""
    return {
        "nav": NAV,
        "couple": couple,
        "partners": partners,
        # The name in the heading only: the page title stays the reference (browser history keeps titles).
        "couple_name": display_name(p.client for p in sorted(partners, key=lambda p: p.position)),
        "missing_screens": [p for p in partners if p.ipv_result == IPVResult.NOT_DONE],
        "ipv_flagged": any(p.ipv_flagged for p in partners),
        "can_edit": can_edit,
    }


def _couple_edit_context(couple: Couple, form: CoupleEditForm, **extra: Any) -> dict[str, Any]:
    return {"nav": NAV, "couple": couple, "form": form, "errors": error_summary(form), **extra}


@require_http_methods(["GET", "POST"])
@clinician_required
def couple_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    """Change case details; a save based on an old version is refused (409) with both versions shown.
    Discharging asks for what the discharge summary prints (clinic.services.discharge)."""
    couple = get_couple_for_user(request.user, pk, write=True)
    discharged = couple.status == CoupleStatus.DISCHARGED
    if request.method == "GET":
        form = CoupleEditForm(initial={
            "status": couple.status, "start_date": couple.start_date, "end_date": couple.end_date,
            "presenting_concerns": couple.presenting_concerns, "confidentiality": couple.confidentiality,
            "version": couple.version,
        }, discharged=discharged)
        return render(request, "clinic/couples/edit.html", _couple_edit_context(couple, form))
    form = CoupleEditForm(request.POST, discharged=discharged)
    if form.is_valid():
        try:
            services.couple_update(
                couple=couple, by=request.user, base_version=form.cleaned_data["version"],
                discharge=form.discharge_details(), **form.case_fields()
            )
        except services.StaleVersion:
            return _edit_conflict(request, pk, form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Couple {couple.reference} saved.")
            return redirect("clinic:couple-administration", pk=couple.pk)
    return render(request, "clinic/couples/edit.html", _couple_edit_context(couple, form))


def _edit_conflict(request: HttpRequest, pk: Any, stale_form: CoupleEditForm) -> HttpResponse:
    """Someone saved first: show what they saved next to what this user typed, nothing overwritten.

    The form keeps the user's text and now carries the saved version, so saving again is a deliberate
    choice made after seeing both.
    """
    current = get_couple_for_user(request.user, pk, write=True)
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = CoupleEditForm(data, discharged=current.status == CoupleStatus.DISCHARGED)
    form.is_valid()
    yours = stale_form.cleaned_data
    differences = []
    for name in ("status", "start_date", "end_date", "confidentiality", "presenting_concerns"):
        saved_value, your_value = getattr(current, name), yours.get(name)
        if saved_value != your_value:
            display = getattr(current, f"get_{name}_display", None)
            field = form.fields[name]
            differences.append({
                "label": field.label,
                "name": name,
                "saved": display() if display else saved_value,
                "yours": dict(field.choices).get(your_value, your_value) if hasattr(field, "choices") else your_value,
                "long": name == "presenting_concerns",
            })
    return render(request, "clinic/couples/edit.html", _couple_edit_context(
        current, form, conflict=True, differences=differences,
    ), status=409)


@require_http_methods(["GET", "POST"])
@clinician_required
def partner_edit(request: HttpRequest, pk: Any, position: str) -> HttpResponse:
    """One partner's confidentiality agreement date and IPV screen."""
    couple = get_couple_for_user(request.user, pk, write=True)
    if position not in PartnerPosition.values:
        raise Http404("No such partner.")
    partner = couple.partner(position)
    if partner is None:
        raise Http404("No such partner.")
    hits_recorded = partner.hits_total is not None
    if request.method == "POST":
        form = PartnerForm(request.POST, hits_recorded=hits_recorded)
        if form.is_valid():
            try:
                services.partner_update(partner=partner, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{partner.get_position_display()} saved.")
                return redirect("clinic:couple-administration", pk=couple.pk)
    else:
        form = PartnerForm(initial={
            "agreed_confidentiality_on": partner.agreed_confidentiality_on,
            "ipv_result": partner.ipv_result,
            "ipv_screened_on": partner.ipv_screened_on,
            "ipv_notes": partner.ipv_notes,
            "measures_consent_on": partner.measures_consent_on,
            **dict(zip(PartnerForm.HITS_FIELDS, decode_answers(partner.hits_answers), strict=False)),
        }, hits_recorded=hits_recorded)
    return render(request, "clinic/couples/partner_edit.html", {
        "nav": NAV, "couple": couple, "partner": partner, "form": form, "errors": error_summary(form),
    })


@require_http_methods(["GET", "POST"])
@clinician_required
def client_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    """A client's identity, contact details and emergency contact."""
    client = get_client_for_user(request.user, pk, write=True)
    couples = list(selectors.couples_of_client(request.user, client))
    if request.method == "POST":
        form = ClientEditForm(request.POST)
        if form.is_valid():
            try:
                services.client_update(client=client, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Contact details saved.")
                if couples:
                    return redirect("clinic:couple-administration", pk=couples[0].pk)
                return redirect("clinic:couple-list")
    else:
        record_event("client.view", actor=request.user, obj=client)
        form = ClientEditForm(initial={name: getattr(client, name) for name in services.CLIENT_FIELDS})
    return render(request, "clinic/couples/client_edit.html", {
        "nav": NAV, "client": client, "couples": couples, "form": form, "errors": error_summary(form),
    })


# --- Care team ------------------------------------------------------------------------------------


def _care_team_context(
    couple: Couple,
    *,
    can_manage: bool,
    add_form: CareTeamAddForm | None = None,
    end_form: CareTeamEndForm | None = None,
    end_member_pk: Any = None,
    notice: str = "",
    viewer: Any = None,
) -> dict[str, Any]:
    handover_form = None
    if can_manage and add_form is None:
        add_form = CareTeamAddForm(candidates=team_selectors.care_team_candidates(couple), auto_id="id_team_%s")
    if viewer is not None and viewer.is_clinician:
        own = next((m for m in team_selectors.care_team_for(couple)
                    if m.user_id == viewer.pk and m.role == CareRole.PRIMARY and m.end_date is None), None)
        if own is not None and (end_form is None or end_member_pk != own.pk):
            handover_form = CareTeamEndForm(member=own, successors=offboarding_selectors.successor_candidates(viewer))
        elif own is not None:
            handover_form = end_form
    return {
        "couple": couple,
        "team": team_selectors.care_team_for(couple),
        "can_manage_team": can_manage,
        "add_form": add_form,
        "end_form": end_form,
        "end_member_pk": end_member_pk,
        "team_notice": notice,
        "handover_form": handover_form,
        "team_errors": error_summary(*(f for f in (add_form, end_form) if f is not None)),
    }


def _render_care_team(request: HttpRequest, couple: Couple, **kwargs: Any) -> HttpResponse:
    context = _care_team_context(couple, can_manage=True, viewer=request.user, **kwargs)
    context["nav"] = "practice" if request.user.is_practice_manager else NAV
    template = "clinic/couples/care_team.html"
    if request.htmx:
        template += "#care-team"
    return render(request, template, context)


def _after_team_change(request: HttpRequest, couple: Couple, message: str) -> HttpResponse:
    """After a change, htmx requests get the refreshed care-team section in place. Otherwise the manager
    returns to the care-team page and a therapist to the couple, or to their list if they just ended
    their own place on the team."""
    user = request.user
    if user.is_practice_manager:
        if request.htmx:
            return _render_care_team(request, selectors.couple_listed_for(user, couple.pk), notice=message)
        messages.success(request, message)
        return redirect("clinic:care-team-add", pk=couple.pk)
    refreshed = Couple.objects.visible_to(user).filter(pk=couple.pk).exists() and get_couple_for_user(user, couple.pk)
    if request.htmx and refreshed and team_selectors.is_current_primary(refreshed, user):
        return _render_care_team(request, refreshed, notice=message)
    messages.success(request, message)
    if refreshed:
        target = reverse("clinic:couple-administration", args=[couple.pk]) + "#care-team"
    else:
        target = reverse("clinic:couple-list")
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


@require_http_methods(["GET", "POST"])
@clinician_or_manager_required
def care_team_add(request: HttpRequest, pk: Any) -> HttpResponse:
    """The care-team page (GET) and adding a clinician to the team (POST)."""
    couple = get_couple_for_team_management(request.user, pk)
    if request.method == "GET":
        return _render_care_team(request, couple)
    form = CareTeamAddForm(request.POST, candidates=team_selectors.care_team_candidates(couple), auto_id="id_team_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            member = services.care_team_add(
                couple=couple, user=data["user"], role=data["role"], by=request.user, start_date=data["start_date"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = f"{member.user.display_name} added to the care team as {member.get_role_display().lower()}."
            return _after_team_change(request, couple, message)
    return _render_care_team(request, couple, add_form=form)


def _handover_candidates(request: HttpRequest, member: Any) -> Any:
    """Who may take over when the user ends their own place as primary therapist (else None: no handover asked)."""
    if member.user_id != request.user.pk or member.role != CareRole.PRIMARY:
        return None
    return offboarding_selectors.successor_candidates(request.user)


@require_POST
@clinician_or_manager_required
def care_team_end(request: HttpRequest, pk: Any, member_pk: Any) -> HttpResponse:
    """End one member's place on the care team (the history stays). Ending one's own place as primary therapist
    asks for a successor and a confirmation."""
    couple = get_couple_for_team_management(request.user, pk)
    member = next((m for m in couple.care_team.all() if m.pk == member_pk), None)
    if member is None:
        raise Http404("No such care-team member.")
    form = CareTeamEndForm(request.POST, member=member, successors=_handover_candidates(request, member))
    if form.is_valid():
        try:
            services.care_team_end(member=member, by=request.user, end_date=form.cleaned_data["end_date"],
                                   successor=form.cleaned_data.get("successor"))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            role = CareRole(member.role).label.lower()
            ends = date_format(member.end_date, "j F Y")
            return _after_team_change(request, couple, f"{member.user.display_name}'s role as {role} ends on {ends}.")
    return _render_care_team(request, couple, end_form=form, end_member_pk=member.pk)

