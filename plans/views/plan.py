"""The treatment plan pages: the plan tab, versions, editing a draft, signing, acknowledgement, building
from the library, and the overdue-reviews list.

Therapists and supervisors read (clinic.access, read); only the couple's therapists (primary or
co-therapist) change anything (write). Managers and administrators are refused (403) everywhere.
Signed versions are locked: any attempt to change one answers 409 with a page that offers a revision.
Invalid submissions answer 400 with the errors beside the fields and summarised at the top.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import record_event
from clinic.access import clinician_required, get_couple_for_user, get_couple_record_for_user
from clinic.models import Couple, PartnerPosition
from clinic.selectors.names import couple_names_for
from plans.forms.plans import ITEM_FORMS, NEW_GOAL, AcknowledgeForm, AddFromLibraryForm, PlanEditForm, SignForm
from plans.models import Goal, PlanStatus, TreatmentPlan
from plans.safety_flags import AFFAIR_CAUTION_WARNING
from plans.selectors import measures as measure_selectors
from plans.selectors import plans as selectors
from plans.selectors import safety as safety_selectors
from plans.services import from_library
from plans.services import library as library_services
from plans.services import plans as services
from plans.structure import ITEM_KINDS
from rapport.forms import add_service_errors, error_summary

NAV = "couples"


def _plan_for(request: HttpRequest, plan_pk: Any, *, write: bool) -> TreatmentPlan:
    return get_couple_record_for_user(request.user, TreatmentPlan, plan_pk, write=write,
                                      queryset=selectors.plan_queryset())


def _plan_url(plan: TreatmentPlan, anchor: str = "") -> str:
    url = reverse("plans:plan-detail", args=[plan.couple_id])
    return f"{url}#{anchor}" if anchor else url


def _locked(request: HttpRequest, plan: TreatmentPlan, *, reason: str = "") -> HttpResponse:
    """409: this version cannot be changed (or, for acknowledgements, is not the active one)."""
    return render(request, "plans/plan/locked.html", {
        "nav": NAV, "plan": plan, "couple": plan.couple, "reason": reason or services.PlanLocked.MESSAGE,
        "can_revise": plan.status == PlanStatus.ACTIVE and not plan.couple.plans.filter(
            status=PlanStatus.DRAFT).exists(),
    }, status=409)


def _status(form_or_forms: Any) -> int:
    return 400 if form_or_forms.is_bound and form_or_forms.errors else 200


# --- Reading ----------------------------------------------------------------------------------------


@require_GET
@clinician_required
def plan_detail(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """The couple's plan tab: the active plan, the draft with its edit controls, and the version history."""
    couple = get_couple_for_user(request.user, couple_pk)
    tab = selectors.plan_tab(couple)
    record_event("plan.view", actor=request.user, obj=couple, detail={"view": "plan_tab"})
    return render(request, "plans/plan/detail.html", {
        "nav": NAV,
        "couple": couple,
        "tab": tab,
        "review_prompts": measure_selectors.plan_review_prompts(couple),
        "safety_prompts": safety_selectors.safety_prompts(couple, [tab.active, tab.draft]),
        "can_edit": Couple.objects.editable_by(request.user).filter(pk=couple.pk).exists(),
    })


@require_GET
@clinician_required
def plan_version(request: HttpRequest, plan_pk: Any) -> HttpResponse:
    """One version of a plan, read-only: superseded versions stay readable here."""
    plan = selectors.plan_with_structure(_plan_for(request, plan_pk, write=False))
    record_event("plan.view", actor=request.user, obj=plan, detail={"view": "version"})
    return render(request, "plans/plan/version.html", {
        "nav": NAV, "plan": plan, "couple": plan.couple, "today": timezone.localdate(),
    })


@require_GET
@clinician_required
def overdue_reviews(request: HttpRequest) -> HttpResponse:
    """Active plans of the user's couples whose review date has passed, the most overdue first."""
    rows = list(selectors.overdue_reviews_for(request.user))
    today = timezone.localdate()
    for plan in rows:
        plan.days_overdue = selectors.days_overdue(plan, today)
    return render(request, "plans/plan/overdue.html", {
        "nav": NAV, "rows": rows, "names": couple_names_for(request.user, {plan.couple_id for plan in rows}),
    })


# --- Starting and editing a draft ---------------------------------------------------------------


@require_POST
@clinician_required
def plan_create(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Start the couple's first plan, or revise the active one into a new draft."""
    couple = get_couple_for_user(request.user, couple_pk, write=True)
    try:
        draft = services.plan_start(couple=couple, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("plans:plan-detail", couple_pk=couple.pk)
    if draft.supersedes_id:
        messages.success(request, f"Draft version {draft.number} started as a copy of the active plan. Change "
                                  f"what you need, then sign it to replace the active plan.")
    else:
        messages.success(request, "Draft plan started. Add problems, goals and objectives, or build it from "
                                  "the library.")
    return redirect(_plan_url(draft, "draft"))


@require_http_methods(["GET", "POST"])
@clinician_required
def plan_edit(request: HttpRequest, plan_pk: Any) -> HttpResponse:
    """A draft's formulation and review date; a save based on an old version is refused (409) with both
    versions shown."""
    plan = _plan_for(request, plan_pk, write=True)
    if plan.status != PlanStatus.DRAFT:
        return _locked(request, plan)
    if request.method == "GET":
        form = PlanEditForm(initial=PlanEditForm.initial_for(plan))
    else:
        form = PlanEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.plan_update(plan=plan, by=request.user, base_version=data["version"],
                                     formulation=data["formulation"], review_due=data["review_due"],
                                     diagnoses=form.diagnoses())
            except services.StaleVersion:
                return _edit_conflict(request, plan_pk, form)
            except services.PlanLocked:
                return _locked(request, plan)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Plan details saved.")
                return redirect(_plan_url(plan, "draft"))
    return render(request, "plans/plan/edit.html", {
        "nav": NAV, "plan": plan, "couple": plan.couple, "form": form, "errors": error_summary(form),
    }, status=_status(form))


def _edit_conflict(request: HttpRequest, plan_pk: Any, stale_form: PlanEditForm) -> HttpResponse:
    """Someone saved the draft first: show their text beside this user's, nothing overwritten. The form
    keeps what the user typed and now carries the saved version, so saving again is deliberate."""
    current = _plan_for(request, plan_pk, write=True)
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = PlanEditForm(data)
    form.is_valid()
    yours = stale_form.cleaned_data
    differences = []
    if current.formulation != yours.get("formulation"):
        differences.append({"label": "Case formulation", "saved": current.formulation,
                            "yours": yours.get("formulation"), "long": True})
    if current.review_due != yours.get("review_due"):
        differences.append({"label": "Review due", "saved": _long_date(current.review_due),
                            "yours": _long_date(yours.get("review_due")), "long": False})
    saved_diagnoses = current.diagnoses or {}
    for name in PlanEditForm.DIAGNOSIS_FIELDS:
        scope = name.removeprefix("diagnoses_")
        saved, mine = list(saved_diagnoses.get(scope) or []), sorted(yours.get(name) or [])
        if sorted(saved) != mine:
            differences.append({"label": f"Diagnoses: {stale_form.fields[name].label}",
                                "saved": ", ".join(saved) or "None", "yours": ", ".join(mine) or "None",
                                "long": False})
    return render(request, "plans/plan/edit.html", {
        "nav": NAV, "plan": current, "couple": current.couple, "form": form, "errors": [],
        "conflict": True, "differences": differences,
    }, status=409)


# --- Items of a draft ----------------------------------------------------------------------------


def _parent_for(plan: TreatmentPlan, kind: str, raw_pk: str) -> Any:
    """The problem (for a goal) or goal (for an objective or intervention) named by `raw_pk`; 404 if it
    is not part of this plan."""
    parent_kind = ITEM_KINDS[kind].parent_kind
    if parent_kind is None:
        return None
    try:
        parent_pk = uuid.UUID(raw_pk)
    except (TypeError, ValueError):
        raise Http404("Say which item to add this to.") from None
    return selectors.plan_item(plan, parent_kind, parent_pk)


def _item_context(plan: TreatmentPlan, kind: str, form: Any, **extra: Any) -> dict[str, Any]:
    return {"nav": NAV, "plan": plan, "couple": plan.couple, "kind": kind,
            "kind_label": ITEM_KINDS[kind].label, "form": form, "errors": error_summary(form), **extra}


@require_http_methods(["GET", "POST"])
@clinician_required
def plan_item_add(request: HttpRequest, plan_pk: Any, kind: str) -> HttpResponse:
    """Add a problem, goal, objective or intervention to a draft (`?parent=` names the problem or goal)."""
    if kind not in ITEM_FORMS:
        raise Http404("No such kind of plan item.")
    plan = _plan_for(request, plan_pk, write=True)
    if plan.status != PlanStatus.DRAFT:
        return _locked(request, plan)
    parent = _parent_for(plan, kind, request.POST.get("parent") or request.GET.get("parent"))
    form_class = ITEM_FORMS[kind]
    form = form_class(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.plan_item_add(plan=plan, kind=kind, by=request.user, parent=parent, **form.cleaned_data)
        except services.PlanLocked:
            return _locked(request, plan)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{ITEM_KINDS[kind].label.capitalize()} added.")
            return redirect(_plan_url(plan, "draft"))
    return render(request, "plans/plan/item_form.html", _item_context(plan, kind, form, parent=parent, adding=True),
                  status=_status(form))


@require_http_methods(["GET", "POST"])
@clinician_required
def plan_item_edit(request: HttpRequest, plan_pk: Any, kind: str, item_pk: Any) -> HttpResponse:
    """Change one item of a draft."""
    if kind not in ITEM_FORMS:
        raise Http404("No such kind of plan item.")
    plan = _plan_for(request, plan_pk, write=True)
    if plan.status != PlanStatus.DRAFT:
        return _locked(request, plan)
    item = selectors.plan_item(plan, kind, item_pk)
    form_class = ITEM_FORMS[kind]
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                services.plan_item_update(plan=plan, item=item, by=request.user, **form.cleaned_data)
            except services.PlanLocked:
                return _locked(request, plan)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{ITEM_KINDS[kind].label.capitalize()} saved.")
                return redirect(_plan_url(plan, "draft"))
    else:
        form = form_class(initial={name: getattr(item, name) for name in form_class.base_fields})
    return render(request, "plans/plan/item_form.html", _item_context(plan, kind, form, item=item),
                  status=_status(form))


@require_http_methods(["GET", "POST"])
@clinician_required
def plan_item_delete(request: HttpRequest, plan_pk: Any, kind: str, item_pk: Any) -> HttpResponse:
    """Ask (GET), then delete (POST) one item of a draft with everything under it."""
    if kind not in ITEM_FORMS:
        raise Http404("No such kind of plan item.")
    plan = _plan_for(request, plan_pk, write=True)
    if plan.status != PlanStatus.DRAFT:
        return _locked(request, plan)
    item = selectors.plan_item(plan, kind, item_pk)
    if request.method == "POST":
        try:
            services.plan_item_delete(plan=plan, item=item, by=request.user)
        except services.PlanLocked:
            return _locked(request, plan)
        messages.success(request, f"{ITEM_KINDS[kind].label.capitalize()} deleted.")
        return redirect(_plan_url(plan, "draft"))
    return render(request, "plans/plan/item_delete.html", {
        "nav": NAV, "plan": plan, "couple": plan.couple, "kind": kind,
        "kind_label": ITEM_KINDS[kind].label, "item": item,
    })


# --- From the library -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@clinician_required
def plan_add_from_library(request: HttpRequest, plan_pk: Any) -> HttpResponse:
    """Tick causes, signs and interventions of the practice's library and add them to the draft at once."""
    plan = _plan_for(request, plan_pk, write=True)
    if plan.status != PlanStatus.DRAFT:
        return _locked(request, plan)
    practice = plan.couple.practice
    library_services.ensure_practice_library(practice, by=request.user)
    groups = selectors.library_groups(practice, active_only=True)
    items = [item for group in groups for item in group.items]
    form = AddFromLibraryForm(request.POST if request.method == "POST" else None, items=items,
                              goal_choices=selectors.numbered_goal_choices(plan))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        goal = None
        if data["goal"] != NEW_GOAL:
            goal = Goal.objects.filter(pk=data["goal"], problem__plan=plan).first()
        try:
            added = from_library.plan_add_from_library(plan=plan, by=request.user, items=data["items"],
                                                       partner=data["partner"], goal=goal, numbers=data["numbers"])
        except services.PlanLocked:
            return _locked(request, plan)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _added_message(added))
            if safety_selectors.affair_caution_ids(plan.couple, data["items"]):
                messages.warning(request, AFFAIR_CAUTION_WARNING)
            return redirect(_plan_url(plan, "draft"))
    ticked = set(request.POST.getlist("causes") + request.POST.getlist("signs")
                 + request.POST.getlist("interventions")) if form.is_bound else set()
    for item in items:
        item.checked = str(item.pk) in ticked
        item.number_fields = [form[name] for name in form.sign_fields.get(str(item.pk), [])]
    return render(request, "plans/plan/from_library.html", {
        "nav": NAV, "plan": plan, "couple": plan.couple, "form": form, "errors": error_summary(form),
        "groups": [{"name": f"{group.kind}s", "label": group.label, "items": group.items,
                    "field": form[f"{group.kind}s"]} for group in groups],
        "affair_caution_ids": safety_selectors.affair_caution_ids(plan.couple, items),
        "affair_warning": AFFAIR_CAUTION_WARNING,
    }, status=_status(form))


def _added_message(added: from_library.LibraryAdditions) -> str:
    parts = [f"{count} {name if count != 1 else name[:-1]}" for name, count in (
        ("problems", added.problems), ("goals", added.goals), ("objectives", added.objectives),
        ("interventions", added.interventions),
    ) if count]
    message = f"Added {', '.join(parts)} from the library."
    if added.objectives and added.objectives_without_numbers:
        message += (f" {added.objectives_without_numbers} of the objectives added have no baseline or target yet: "
                    "enter them before signing.")
    return message


# --- Signing and acknowledgement ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@clinician_required
def plan_sign(request: HttpRequest, plan_pk: Any) -> HttpResponse:
    """Sign a draft after confirming identity again: it becomes the active plan, the previous one is
    superseded."""
    plan = _plan_for(request, plan_pk, write=True)
    if plan.status != PlanStatus.DRAFT:
        return _locked(request, plan)
    form = SignForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.plan_sign(plan=plan, by=request.user, secret=form.cleaned_data["secret"])
        except services.PlanLocked:
            return _locked(request, plan)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = f"Plan version {plan.number} signed: it is now the active plan."
            if plan.supersedes_id:
                message += " The previous version is kept, marked superseded."
            messages.success(request, message + " Record each partner's acknowledgement when they have seen it.")
            return redirect(_plan_url(plan, "active"))
    return render(request, "plans/plan/sign.html", {
        "nav": NAV, "plan": plan, "couple": plan.couple, "form": form, "errors": error_summary(form),
        "issues": selectors.signing_problems(plan),
    }, status=_status(form))


@require_http_methods(["GET", "POST"])
@clinician_required
def plan_acknowledge(request: HttpRequest, plan_pk: Any) -> HttpResponse:
    """Record one partner's acknowledgement of the active plan: the date and how it was given."""
    plan = _plan_for(request, plan_pk, write=True)
    if plan.status != PlanStatus.ACTIVE:
        return _locked(request, plan, reason="Only the active plan can be acknowledged. A draft must be signed "
                                             "first, and a superseded version has been replaced.")
    form = AcknowledgeForm(request.POST if request.method == "POST" else None,
                           initial={"partner": request.GET.get("partner", "a")})
    if form.is_bound and form.is_valid():
        try:
            services.plan_acknowledge(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            partner = PartnerPosition(form.cleaned_data["partner"]).label
            messages.success(request, f"{partner}'s acknowledgement recorded.")
            return redirect(_plan_url(plan, "active"))
    return render(request, "plans/plan/acknowledge.html", {
        "nav": NAV, "plan": plan, "couple": plan.couple, "form": form, "errors": error_summary(form),
    }, status=_status(form))


def _long_date(value):
    return date_format(value, "j F Y") if value else None
