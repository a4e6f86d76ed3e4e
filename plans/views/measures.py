"""Outcome-measure pages: the couple's Measures tab, recording an administration, one administration and
its risk flag, a plan's measure schedule, "measures due", and the instrument registry.

Clinical pages are for therapists and supervisors (practice managers and administrators: 403). Reading
goes through clinic.access (strangers: 404); recording, acknowledging and scheduling need a couple the
user may change. The instrument list is also open to administrators, who add the practice's own
instruments (no clinical data).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import record_event
from clinic.access import (
    admin_required,
    clinician_or_admin_required,
    clinician_required,
    get_couple_for_user,
    get_couple_record_for_user,
)
from clinic.models import Couple, PartnerPosition
from clinic.selectors.names import couple_names_for
from plans.forms.measures import (
    CustomInstrumentForm,
    InstrumentChoiceForm,
    MeasureRecordForm,
    RiskAcknowledgeForm,
    RiskQuestionForm,
    ScheduleForm,
    record_error_summary,
)
from plans.instruments import BUILTIN, to_definition
from plans.instruments.builtin import PHQ9
from plans.models import MeasureAdministration, MeasureSchedule, ScheduleEvery, TreatmentPlan
from plans.selectors import measures as selectors
from plans.selectors.instruments import get_instrument, instruments_for
from plans.services import measures as services
from plans.services.client_entries import client_entries_mark_reviewed
from rapport.forms import add_service_errors, error_summary
from rapport.versioning import StaleVersion

NAV = "couples"


def _can_edit(user: Any, couple_id: Any) -> bool:
    return Couple.objects.editable_by(user).filter(pk=couple_id).exists()


# --- The Measures tab -----------------------------------------------------------------------------


@require_GET
@clinician_required
def measure_list(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Per instrument: one chart of both partners with the cut-off, the table of scores and each partner's
    change from baseline; unacknowledged risk flags on top. Every view is audited."""
    couple = get_couple_for_user(request.user, couple_pk)
    record_event("measure.list_view", actor=request.user, obj=couple)
    return render(request, "plans/measures/list.html", {
        "nav": NAV, "couple": couple, "tab": selectors.measures_tab(couple),
        "can_edit": _can_edit(request.user, couple.pk),
    })


# --- Recording ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@clinician_required
def measure_record(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Choose an instrument (GET ?instrument=), then answer every item for one partner on one date."""
    couple = get_couple_for_user(request.user, couple_pk, write=True)
    instruments = instruments_for(couple.practice_id)
    code = request.POST.get("instrument") if request.method == "POST" else request.GET.get("instrument")
    instrument = instruments.get(code or "")
    if instrument is None:
        data = request.POST if request.method == "POST" else request.GET
        bound = code is not None or request.method == "POST"
        choice = InstrumentChoiceForm(data if bound else None, instruments=instruments)
        if bound:
            choice.is_valid()
        return render(request, "plans/measures/record_choose.html", {
            "nav": NAV, "couple": couple, "form": choice, "errors": error_summary(choice),
        }, status=400 if request.method == "POST" else 200)
    partner_labels = {
        p.position: f"{p.get_position_display()}: {p.client.full_name}" for p in couple.partners.all()
    }
    if request.method == "POST":
        form = MeasureRecordForm(request.POST, instrument=instrument, partner_labels=partner_labels)
        if form.is_valid():
            try:
                administration = services.measure_record(
                    couple=couple, by=request.user, instrument=instrument, partner=form.cleaned_data["partner"],
                    administered_on=form.cleaned_data["administered_on"], answers=form.answers,
                    difficulty=form.difficulty_answer,
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                return _after_record(request, couple, instrument.short_name, administration)
    else:
        partner = request.GET.get("partner")
        form = MeasureRecordForm(initial={"partner": partner if partner in PartnerPosition.values else None},
                                 instrument=instrument, partner_labels=partner_labels)
    return render(request, "plans/measures/record.html", {
        "nav": NAV, "couple": couple, "instrument": instrument, "form": form, "errors": record_error_summary(form),
    }, status=400 if form.is_bound else 200)


def _form_errors(form: MeasureRecordForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict") and "answers" in error.error_dict:
        form.add_answer_errors(error.message_dict.pop("answers"))
        rest = {name: messages_ for name, messages_ in error.message_dict.items() if name != "answers"}
        if rest:
            add_service_errors(form, ValidationError(rest))
        return
    add_service_errors(form, error)


def _after_record(request: HttpRequest, couple: Couple, name: str, administration: MeasureAdministration
                  ) -> HttpResponse:
    partner = PartnerPosition(administration.partner)
    day = date_format(administration.administered_on, "j F Y")
    summary = f"{name} for {partner.label} on {day} recorded: {administration.total_display}"
    summary += f" ({administration.band})." if administration.band else "."
    if administration.incomplete:
        n = administration.missing_items
        summary += (f" Incomplete: {n} item{'' if n == 1 else 's'} unanswered"
                    + ("; the total is prorated." if administration.prorated
                       else "; too many to prorate, so it has no total and is left out of charts and change."))
    if administration.risk_flag:
        messages.warning(request, f"{summary} It raised a risk flag: review it and record what was done.")
        return redirect("plans:measure-detail", pk=administration.pk)
    messages.success(request, summary)
    if request.POST.get("then") == "other":
        other = PartnerPosition.B if partner == PartnerPosition.A else PartnerPosition.A
        url = reverse("plans:measure-record", args=[couple.pk])
        return redirect(f"{url}?instrument={administration.instrument}&partner={other.value}")
    return redirect(reverse("plans:measure-list", args=[couple.pk]) + f"#measure-{administration.instrument}")


# --- One administration and its risk flag --------------------------------------------------------


def _detail_context(request: HttpRequest, administration: MeasureAdministration, **extra: Any) -> dict[str, Any]:
    couple = get_couple_for_user(request.user, administration.couple_id)
    instrument = get_instrument(administration.instrument, couple.practice_id)
    answers = list(zip(instrument.items, administration.answers, strict=False)) if instrument else []
    rows = [
        (item, answer, next((o.label for o in item.options if o.value == answer), "")) for item, answer in answers
    ]
    difficulty = ""
    if instrument and instrument.difficulty_item and administration.difficulty is not None:
        difficulty = next((o.label for o in instrument.difficulty_item.options
                           if o.value == administration.difficulty), "")
    can_edit = _can_edit(request.user, couple.pk)
    unacknowledged = administration.risk_acknowledged_at is None
    needs_ack = administration.risk_flag and unacknowledged
    # A risk question left blank: asked about until followed up (here, by a later answer, or a C-SSRS screen).
    to_ask = (administration.risk_item_unanswered and unacknowledged
              and not selectors.risk_question_followed_up(administration))
    form_class = RiskAcknowledgeForm if administration.risk_flag else RiskQuestionForm
    return {
        "nav": NAV, "couple": couple, "measure": administration, "instrument": instrument, "rows": rows,
        "difficulty": difficulty,
        "can_edit": can_edit, "needs_ack": needs_ack, "to_ask": to_ask,
        "ack_form": extra.pop("ack_form", form_class() if (needs_ack or to_ask) and can_edit else None),
        **extra,
    }


@require_GET
@clinician_required
def measure_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """One administration: every item with its answer, the total and band, and its risk flag."""
    administration = get_couple_record_for_user(
        request.user, MeasureAdministration, pk, queryset=selectors.administration_queryset()
    )
    record_event("measure.view", actor=request.user, obj=administration)
    return render(request, "plans/measures/detail.html", _detail_context(request, administration))


@require_POST
@clinician_required
def measure_acknowledge_risk(request: HttpRequest, pk: Any) -> HttpResponse:
    """Acknowledge a risk flag with a note of what was done (required; encrypted; audited)."""
    administration = get_couple_record_for_user(
        request.user, MeasureAdministration, pk, write=True, queryset=selectors.administration_queryset()
    )
    form = (RiskAcknowledgeForm if administration.risk_flag else RiskQuestionForm)(request.POST)
    if form.is_valid():
        try:
            services.measure_acknowledge_risk(administration=administration, by=request.user,
                                              note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not administration.risk_flag:
                messages.success(request, "Recorded: the risk question of this form is followed up. Your note is "
                                          "kept with this score.")
            elif selectors.register_risk_open(administration):
                messages.success(request, "Risk flag acknowledged. Your note is kept with this score. The risk "
                                          "register still needs its follow-up: a C-SSRS screen and a safety plan.")
            else:
                messages.success(request, "Risk flag acknowledged. Your note is kept with this score.")
            return redirect("plans:measure-detail", pk=administration.pk)
    administration.refresh_from_db()
    context = _detail_context(request, administration, ack_form=form, errors=error_summary(form))
    return render(request, "plans/measures/detail.html", context, status=400)


# --- Schedule -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@clinician_required
def measure_schedule(request: HttpRequest, plan_pk: Any) -> HttpResponse:
    """Which instruments a plan asks for and how often. Editable on draft and active plans (logistics,
    not plan content); a save over someone else's change is refused (409) with both versions shown."""
    plan = get_couple_record_for_user(request.user, TreatmentPlan, plan_pk, write=True,
                                      queryset=TreatmentPlan.objects.select_related("couple"))
    couple = plan.couple
    instruments = instruments_for(couple.practice_id)
    current = {s.instrument: s.every for s in MeasureSchedule.objects.filter(plan=plan)}
    locked = plan.status not in services.SCHEDULABLE_STATUSES
    status = 200
    conflict = None
    if request.method == "POST" and not locked:
        form = ScheduleForm(request.POST, instruments=instruments)
        if form.is_valid():
            try:
                services.schedule_set(plan=plan, by=request.user, entries=form.entries, instruments=instruments,
                                      base_version=form.cleaned_data["schedule_version"])
            except StaleVersion as stale:
                conflict = _schedule_conflict(instruments, current, form.entries)
                data = request.POST.copy()
                data["schedule_version"] = str(stale.current_version)
                form = ScheduleForm(data, instruments=instruments)
                form.is_valid()
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
                status = 400
            else:
                messages.success(request, f"Measure schedule of plan version {plan.number} saved.")
                return redirect("plans:measure-list", couple_pk=couple.pk)
        else:
            status = 400
    else:
        if request.method == "POST":
            status = 400
        form = ScheduleForm(instruments=instruments, initial={
            "schedule_version": plan.schedule_version, **{f"every_{code}": every for code, every in current.items()},
        })
    return render(request, "plans/measures/schedule.html", {
        "nav": NAV, "couple": couple, "plan": plan, "form": form, "errors": error_summary(form),
        "locked": locked, "conflict": conflict, "instruments": instruments,
    }, status=status)


def _schedule_conflict(instruments: dict, saved: dict[str, str], yours: dict[str, str]) -> list[dict[str, str]]:
    def label(every: str | None) -> str:
        return ScheduleEvery(every).label if every else "Not scheduled"

    return [
        {"instrument": instrument.name, "saved": label(saved.get(code)), "yours": label(yours.get(code))}
        for code, instrument in instruments.items() if saved.get(code) != yours.get(code)
    ]


# --- Measures due ---------------------------------------------------------------------------------


@require_GET
@clinician_required
def measures_due(request: HttpRequest) -> HttpResponse:
    """Scheduled instruments due for a partner, across the couples the user can see."""
    rows = selectors.measures_due_for(request.user)
    return render(request, "plans/measures/due.html", {
        "nav": NAV, "rows": rows, "names": couple_names_for(request.user, {row.couple_id for row in rows}),
    })


@require_GET
@clinician_required
def not_on_track(request: HttpRequest) -> HttpResponse:
    """Every couple of the user's caseload with a partner not on track (Today shows the first few)."""
    rows = selectors.plan_reviews_due_for(request.user)
    return render(request, "plans/measures/not_on_track.html", {
        "nav": NAV, "rows": rows, "names": couple_names_for(request.user, {row.couple.pk for row in rows}),
    })


# --- The instrument registry ----------------------------------------------------------------------


@require_GET
@clinician_or_admin_required
def instrument_list(request: HttpRequest) -> HttpResponse:
    """Every instrument the practice may record: range, direction, cut-off, bands, reliable-change
    threshold and its source, and the items."""
    instruments = instruments_for(request.user.practice_id)
    return render(request, "plans/measures/instrument_list.html", {
        "nav": "instruments", "instruments": list(instruments.values()),
        "can_add": request.user.is_practice_admin,
    })


EXAMPLE_DEFINITION = to_definition(PHQ9)


@require_http_methods(["GET", "POST"])
@admin_required
def instrument_create(request: HttpRequest) -> HttpResponse:
    """Add an instrument the practice holds a licence for, as data (administrators only)."""
    form = CustomInstrumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.custom_instrument_create(
                practice=request.user.practice, by=request.user, code=form.cleaned_data["code"],
                definition=form.cleaned_data["definition"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Instrument {row.code} added. Clinicians can record it from now on.")
            return redirect("plans:instrument-list")
    return render(request, "plans/measures/instrument_create.html", {
        "nav": "instruments", "form": form, "errors": error_summary(form),
        "example": json.dumps(EXAMPLE_DEFINITION, indent=2, ensure_ascii=False),
        "builtin_codes": sorted(BUILTIN),
    }, status=400 if request.method == "POST" else 200)


# --- The partners' own entries (portal) -----------------------------------------------------------


@require_POST
@clinician_required
def client_entries_reviewed(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Mark the couple's new client-reported entries as reviewed (Today's "New client entries")."""
    couple = get_couple_for_user(request.user, couple_pk, write=True)
    count = client_entries_mark_reviewed(couple=couple, by=request.user)
    messages.success(request, f"{count} client {'entry' if count == 1 else 'entries'} of {couple.reference} "
                              "marked as reviewed.")
    return redirect("notes:therapist-home")
