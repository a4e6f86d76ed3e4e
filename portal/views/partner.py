"""The partner's own pages: what to do (questionnaires due, homework), answering a questionnaire, logging
homework, what they sent, and what the therapist shares. Every read comes from portal.selectors.partner,
scoped to the signed-in partner; every view is audited with the partner as actor."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import record_event
from plans.selectors.instruments import get_instrument, instruments_for
from plans.services.cbt import KINDS
from portal.forms.portal import PORTAL_CBT_FORMS, PortalMeasureForm
from portal.safety import crisis_information
from portal.selectors import partner as selectors
from portal.services import entries
from portal.session import partner_required
from rapport.forms import add_service_errors, error_summary

ENTRY_LABELS = {"measure": "Questionnaire", **{slug: KINDS[slug].label for slug in PORTAL_CBT_FORMS}}


def _due_instrument(request: HttpRequest, code: str):
    """An instrument the partner has to answer now; anything else is 404 (no answering at will)."""
    for item in selectors.due_for_partner(request.portal_account):
        if item.instrument.code == code:
            return item.instrument
    raise Http404("Nothing to answer.")


@partner_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    account = request.portal_account
    record_event("portal.view", actor=account, obj=account, detail={"page": "home"})
    return render(request, "portal/home.html", {
        "due": selectors.due_for_partner(account), "homework": list(selectors.homework_for_partner(account)),
        "kinds": [(slug, ENTRY_LABELS[slug]) for slug in PORTAL_CBT_FORMS], "account": account,
    })


def _blank_questions_summary(form: PortalMeasureForm) -> tuple[list, str]:
    """The error summary, and its introduction: "2 questions are blank. ..." introduces the list of the blank
    questions instead of being counted among them ("There are 2 problems", not 3)."""
    errors = error_summary(form)
    linked = [item for item in errors if item.anchor]
    if not linked or not form.non_field_errors():
        return errors, ""
    return linked, f"Nothing was sent. {' '.join(form.non_field_errors())}"


@partner_required
@require_http_methods(["GET", "POST"])
def measure_answer(request: HttpRequest, code: str) -> HttpResponse:
    """One questionnaire on one page; answers are kept on the device as they are chosen (portal.js)."""
    account = request.portal_account
    instrument = _due_instrument(request, code)
    form = PortalMeasureForm(request.POST if request.method == "POST" else None, instrument=instrument)
    if form.is_valid():
        try:
            sent = entries.portal_measure_submit(account=account, instrument=instrument, answers=form.answers,
                                                 difficulty=form.difficulty_answer)
        except entries.MeasureNotSaved as error:
            messages = error.message_dict.get("answers", []) if hasattr(error, "error_dict") else []
            form.add_answer_errors(messages) if messages else add_service_errors(form, error)
            at_risk = error.at_risk
        else:
            return redirect("portal:entry-sent", kind="measure", pk=sent.record.pk)
    else:
        at_risk = False
    errors, intro = _blank_questions_summary(form)
    return render(request, "portal/measure.html", {
        "instrument": instrument, "form": form, "errors": errors, "errors_intro": intro,
        "crisis": crisis_information(account.couple.practice) if at_risk else "",
        "draft_key": f"portal:{account.pk}:measure:{instrument.code}",
    }, status=400 if form.is_bound and form.errors else 200)


@partner_required
@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest, kind: str) -> HttpResponse:
    account = request.portal_account
    form_class = PORTAL_CBT_FORMS.get(kind)
    if form_class is None:
        raise Http404("No such kind of entry.")
    form = form_class(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            sent = entries.portal_entry_submit(account=account, kind=kind, fields=form.to_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("portal:entry-sent", kind=kind, pk=sent.record.pk)
    return render(request, "portal/entry_new.html", {
        "kind": kind, "label": ENTRY_LABELS[kind], "form": form, "errors": error_summary(form),
        "draft_key": f"portal:{account.pk}:{kind}",
    }, status=400 if form.is_bound and form.errors else 200)


def _entry_context(request: HttpRequest, kind: str, pk: Any) -> dict[str, Any]:
    account = request.portal_account
    entry = selectors.get_entry_for_partner(account, kind, pk)
    record_event("portal.view", actor=account, obj=entry, detail={"page": "entry", "kind": kind})
    at_risk = bool(getattr(entry, "risk_flag", False)) or selectors.entry_raised_risk(entry)
    return {"kind": kind, "label": ENTRY_LABELS[kind], "entry": entry, "at_risk": at_risk,
            "crisis": crisis_information(account.couple.practice) if at_risk else "",
            "instrument": get_instrument(entry.instrument, account.couple.practice_id) if kind == "measure" else None}


@partner_required
@require_GET
def entry_sent(request: HttpRequest, kind: str, pk: Any) -> HttpResponse:
    """The confirmation of what was sent (and, when an answer names self-harm, the crisis information)."""
    return render(request, "portal/entry_detail.html", {**_entry_context(request, kind, pk), "just_sent": True})


@partner_required
@require_GET
def entry_detail(request: HttpRequest, kind: str, pk: Any) -> HttpResponse:
    return render(request, "portal/entry_detail.html", _entry_context(request, kind, pk))


SUMMARY_CHARS = 40


def _short(text: str) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS - 1].rstrip() + "\u2026"


def _day(day: Any) -> str:
    return f"{day.day} {day:%b}"


def entry_summary(kind: str, row: Any) -> str:
    """What tells two entries of one kind apart in the partner's own list: the day it was about and the start
    of what they wrote (their own words, shown only to them). A questionnaire shows nothing more: its score is
    shown to the partner only when the therapist shares charts."""
    if kind == "measure":
        return ""
    if kind == "checking":
        parts = [row.get_kind_display().split(" (")[0], f"on {_day(row.occurred_on)}",
                 "urge resisted" if row.resisted else "urge not resisted"]
        words = _short(row.trigger)
    elif kind == "thought-record":
        parts, words = [f"on {_day(row.occurred_on)}"], _short(row.situation)
    else:
        parts, words = [f"planned for {_day(row.planned_on)}"], _short(row.prediction)
    return ", ".join(parts) + (f": \u201c{words}\u201d" if words else "")


@partner_required
@require_GET
def entry_list(request: HttpRequest) -> HttpResponse:
    account = request.portal_account
    record_event("portal.view", actor=account, obj=account, detail={"page": "entries"})
    instruments = instruments_for(account.couple.practice_id)
    rows = [(kind, ENTRY_LABELS[kind], row, instruments.get(row.instrument) if kind == "measure" else None,
             entry_summary(kind, row)) for kind, row in selectors.entries_of_partner(account)]
    return render(request, "portal/entries.html", {"rows": rows})


@partner_required
@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    """The partner's own scores and the goals for them, each only when the therapist turned it on."""
    account = request.portal_account
    if not (account.share_charts or account.share_goals):
        raise Http404("Nothing shared.")
    record_event("portal.view", actor=account, obj=account, detail={"page": "progress"})
    return render(request, "portal/progress.html", {
        "account": account,
        "scores": selectors.scores_by_instrument(account) if account.share_charts else [],
        "goals": selectors.goals_for_partner(account) if account.share_goals else [],
    })
