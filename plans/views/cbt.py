"""The "Between sessions" tab: thought records, behavioural experiments, the checking / reassurance log
and homework, per partner.

Clinicians who can read the couple see the tab (supervisors included); the primary therapist and
co-therapists record and edit (write access: others get 404). Practice managers and administrators are
refused (403): this is clinical text. Every opening of the tab is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import record_event
from clinic.access import clinician_required, get_couple_for_user, get_couple_record_for_user
from clinic.models import Couple
from plans.forms.cbt import FORMS, CBTForm, CheckingLogForm, DeleteLogEntryForm, ExperimentForm, ThoughtRecordForm
from plans.models import CheckingLogEntry, Distortion, PartnerScope
from plans.selectors import cbt as selectors
from plans.selectors.progress import current_objectives
from plans.services import cbt as services
from rapport.forms import add_service_errors, error_summary
from rapport.versioning import StaleVersion

NAV = "couples"
TAB = "cbt"


def _kind(kind: str) -> services.CBTKind:
    spec = services.KINDS.get(kind)
    if spec is None:
        raise Http404("No such kind of record.")
    return spec


def _overview_url(couple_pk: Any, partner: str = "") -> str:
    url = reverse("plans:cbt", args=[couple_pk])
    return f"{url}#partner-{partner}" if partner else url


@require_GET
@clinician_required
def cbt_overview(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Every piece of between-session work of the couple, grouped by partner, newest first."""
    couple = get_couple_for_user(request.user, couple_pk)
    record_event("cbt.view", actor=request.user, obj=couple)
    return render(request, "plans/cbt/overview.html", {
        "nav": NAV,
        "tab": TAB,
        "couple": couple,
        "sections": selectors.cbt_overview(couple),
        "can_edit": Couple.objects.editable_by(request.user).filter(pk=couple.pk).exists(),
    })


def _build_form(spec: services.CBTKind, couple: Couple, *, data: Any = None, initial: dict | None = None,
                record: Any = None) -> CBTForm:
    form_class = FORMS[spec.slug]
    kwargs: dict[str, Any] = {"data": data, "initial": initial or {}, "editing": record is not None}
    if form_class is CheckingLogForm:
        _, objectives = current_objectives(couple)
        kwargs["objectives"] = objectives
        kwargs["current_lineage"] = getattr(record, "objective_lineage", None)
    if form_class in (ThoughtRecordForm, ExperimentForm):
        _, objectives = current_objectives(couple)
        kwargs["objectives"] = objectives
        kwargs["current_lineage"] = getattr(record, "objective_lineage", None)
    if form_class is ThoughtRecordForm:
        kwargs["mood_rows"] = _mood_rows(data, record)
    return form_class(**kwargs)


def _mood_rows(data: Any, record: Any) -> int:
    """Enough mood rows for the record's moods plus an empty one, or for every row the browser posted."""
    rows = len(record.moods or []) + 1 if record is not None else 0
    if data is not None:
        posted = [int(key[5:]) for key in data if key.startswith("mood_") and key[5:].isdigit()]
        rows = max([rows, *posted])
    return min(rows, services.MOODS_MAX)


def _render_form(request: HttpRequest, couple: Couple, spec: services.CBTKind, form: CBTForm, *,
                 record: Any = None, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "plans/cbt/form.html", {
        "nav": NAV,
        "tab": TAB,
        "couple": couple,
        "kind": spec,
        "form": form,
        "record": record,
        "errors": error_summary(form, *(f for f in [extra.get("delete_form")] if f is not None)),
        **extra,
    }, status=status)


@require_http_methods(["GET", "POST"])
@clinician_required
def cbt_create(request: HttpRequest, couple_pk: Any, kind: str) -> HttpResponse:
    """Record a thought record, experiment, checking log entry or homework for one partner."""
    spec = _kind(kind)
    couple = get_couple_for_user(request.user, couple_pk, write=True)
    if request.method == "POST":
        form = _build_form(spec, couple, data=request.POST)
        if form.is_valid():
            try:
                record = services.cbt_record_create(kind=spec.slug, couple=couple, by=request.user,
                                                    fields=form.to_fields())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{spec.label} saved for {record.get_partner_display()}.")
                return redirect(_overview_url(couple.pk, record.partner))
    else:
        partner = request.GET.get("partner", "")
        initial = {"partner": partner} if partner in PartnerScope.values else {}
        form = _build_form(spec, couple, initial=initial)
    return _render_form(request, couple, spec, form)


@require_http_methods(["GET", "POST"])
@clinician_required
def cbt_edit(request: HttpRequest, couple_pk: Any, kind: str, pk: Any) -> HttpResponse:
    """Change a record; a save based on an old version is refused (409) with both versions shown.
    Checking log entries can also be deleted here (recorded in error)."""
    spec = _kind(kind)
    record = get_couple_record_for_user(
        request.user, spec.model, pk, write=True, queryset=spec.model.objects.filter(couple_id=couple_pk)
    )
    couple = get_couple_for_user(request.user, couple_pk, write=True)
    record.couple = couple
    if request.method == "POST" and "delete" in request.POST:
        return _delete_log_entry(request, couple, spec, record)
    delete_form = DeleteLogEntryForm() if isinstance(record, CheckingLogEntry) else None
    if request.method == "GET":
        record_event(f"cbt.{spec.audit}.view", actor=request.user, obj=record)
        form = _build_form(spec, couple, initial=FORMS[spec.slug].initial_from(record), record=record)
        return _render_form(request, couple, spec, form, record=record, delete_form=delete_form)
    form = _build_form(spec, couple, data=request.POST, record=record)
    if form.is_valid():
        fields = form.to_fields()
        try:
            services.cbt_record_update(record=record, by=request.user, fields=fields,
                                       base_version=form.cleaned_data["version"])
        except StaleVersion:
            return _edit_conflict(request, couple, spec, pk, form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{spec.label} saved.")
            return redirect(_overview_url(couple.pk, record.partner))
    return _render_form(request, couple, spec, form, record=record, delete_form=delete_form)


def _delete_log_entry(request: HttpRequest, couple: Couple, spec: services.CBTKind, record: Any) -> HttpResponse:
    if not isinstance(record, CheckingLogEntry):
        raise Http404("Only checking log entries can be deleted.")
    delete_form = DeleteLogEntryForm(request.POST)
    if delete_form.is_valid():
        partner = record.partner
        services.checking_log_delete(entry=record, by=request.user)
        messages.success(request, "Checking log entry deleted.")
        return redirect(_overview_url(couple.pk, partner))
    form = _build_form(spec, couple, initial=FORMS[spec.slug].initial_from(record), record=record)
    return _render_form(request, couple, spec, form, record=record, delete_form=delete_form)


def _display(record_or_data: Any, name: str, form: CBTForm) -> str:
    """A field's value as the conflict table shows it."""
    value = record_or_data.get(name) if isinstance(record_or_data, dict) else getattr(record_or_data, name)
    if name == "moods":
        return "; ".join(
            f"{m['mood']} {m['before']}" + (f" → {m['after']}" if m.get("after") is not None else "")
            for m in value or []
        )
    if name == "distortions":
        labels = dict(Distortion.choices)
        return ", ".join(labels.get(item, item) for item in value or [])
    if name == "resisted":
        return "Yes" if value else "No"
    if value is None or value == "":
        return ""
    if hasattr(value, "isoformat"):
        return date_format(value, "j F Y")
    field = form.fields.get(name)
    choices = dict(getattr(field, "choices", []) or [])
    return str(choices.get(str(value), value)) if choices else str(value)


LONG_FIELDS = {"situation", "automatic_thought", "evidence_for", "evidence_against", "balanced_thought",
               "prediction", "experiment", "outcome", "learned", "trigger", "description", "review_note"}
LABELS = {"moods": "Moods", "distortions": "Cognitive distortions"}


def _edit_conflict(request: HttpRequest, couple: Couple, spec: services.CBTKind, pk: Any,
                   stale_form: CBTForm) -> HttpResponse:
    """Someone saved first: show what they saved next to what this user typed, nothing overwritten.
    The form keeps the user's text and now carries the saved version, so saving again is deliberate."""
    current = get_couple_record_for_user(
        request.user, spec.model, pk, write=True, queryset=spec.model.objects.filter(couple_id=couple.pk)
    )
    current.couple = couple
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = _build_form(spec, couple, data=data, record=current)
    form.is_valid()
    yours = stale_form.to_fields()
    differences = []
    for name in stale_form.model_fields:
        saved_text, your_text = _display(current, name, stale_form), _display(yours, name, stale_form)
        if saved_text != your_text:
            field = stale_form.fields.get(name)
            differences.append({
                "label": LABELS.get(name) or (field.label if field else name),
                "saved": saved_text,
                "yours": your_text,
                "long": name in LONG_FIELDS,
            })
    delete_form = DeleteLogEntryForm() if isinstance(current, CheckingLogEntry) else None
    return _render_form(request, couple, spec, form, record=current, status=409, conflict=True,
                        differences=differences, delete_form=delete_form)
