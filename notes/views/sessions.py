"""The sessions tab of a couple's record: the list with each session's note status, record and change a session.

Therapists and supervisors only (clinician_required); reading needs the couple visible, writing needs it
editable (clinic.access, 404 for strangers). Sessions hold no clinical text.
"""

from __future__ import annotations

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
from clinic.access import clinician_required, get_couple_for_user
from clinic.models import Couple, IPVResult
from notes.forms.sessions import (
    VERSION_ERROR,
    NoteSearchForm,
    SeriesEndForm,
    SessionCreateForm,
    SessionEditForm,
    SessionFilterForm,
    SessionForm,
    VersionForm,
    default_start,
)
from notes.models import Attendance, Modality, ProgressNote, Session, SessionKind
from notes.selectors import notes as selectors
from notes.services import series as series_services
from notes.services import sessions as services
from rapport.forms import add_service_errors, error_summary

NAV = "couples"


def session_list_context(request: HttpRequest, couple: Couple, **extra: Any) -> dict[str, Any]:
    """What the sessions tab shows; note_search renders the same page with its results."""
    filter_form = SessionFilterForm(request.GET or None)
    filters = filter_form.filters()
    rows = []
    for session in selectors.sessions_for_couple(couple, **filters):
        note = selectors.session_note(session)
        rows.append((session, note, selectors.note_state(note)))
    return {
        "nav": NAV,
        "couple": couple,
        "rows": rows,
        "filter_form": filter_form,
        "filtered": bool(filters),
        "search_form": extra.pop("search_form", None) or NoteSearchForm(),
        "can_edit": selectors.can_write_couple(request.user, couple),
        "missing_screens": _missing_screens(couple),
        "ipv_joint_blocked": couple.ipv_joint_blocked,
        **extra,
    }


def _missing_screens(couple: Couple) -> list:
    return [p for p in couple.partners.all() if p.ipv_result == IPVResult.NOT_DONE]


@require_GET
@clinician_required
def session_list(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """The couple's sessions, most recent first, each with its attendance and note status."""
    couple = get_couple_for_user(request.user, couple_pk)
    context = session_list_context(request, couple)
    record_event("session.list", actor=request.user, obj=couple, detail={"shown": len(context["rows"])})
    return render(request, "notes/sessions/list.html", context)


def _form_context(couple: Couple, form: SessionForm, **extra: Any) -> dict[str, Any]:
    return {
        "nav": NAV,
        "couple": couple,
        "form": form,
        "errors": error_summary(form),
        "missing_screens": _missing_screens(couple),
        "ipv_joint_blocked": couple.ipv_joint_blocked,
        **extra,
    }


def _after_save(request: HttpRequest, session: Session, verb: str) -> HttpResponse:
    when = date_format(timezone.localtime(session.starts_at), "j F Y, H:i")
    if session.attendance == Attendance.ATTENDED and not _has_note(session):
        messages.success(request, f"Session of {when} {verb}. Write its progress note now, or later from the "
                                  "sessions tab.")
        return redirect("notes:note-edit", session_pk=session.pk)
    messages.success(request, f"Session of {when} {verb}.")
    return redirect("notes:session-list", couple_pk=session.couple_id)


def _after_series(request: HttpRequest, series: Any) -> HttpResponse:
    sessions = list(series.sessions.order_by("starts_at").values_list("starts_at", flat=True))
    first, last = (date_format(timezone.localtime(moment), "j F Y") for moment in (sessions[0], sessions[-1]))
    every = "every week" if series.interval_weeks == 1 else "every two weeks"
    messages.success(request, f"{len(sessions)} sessions recorded, {every}: from {first} to {last}.")
    return redirect(f"{reverse('notes:calendar')}?date={timezone.localtime(sessions[0]).date().isoformat()}")


def _has_note(session: Session) -> bool:
    return ProgressNote.objects.filter(session=session).exists()


@require_http_methods(["GET", "POST"])
@clinician_required
def session_create(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Record a session: defaults to a joint, in-person, attended session starting this hour, with you as
    therapist. An attended session goes straight on to its progress note."""
    couple = get_couple_for_user(request.user, couple_pk, write=True)
    if request.method == "POST":
        form = SessionCreateForm(request.POST, couple=couple)
        if form.is_valid():
            rule = form.series_fields()
            try:
                if rule:
                    series = series_services.series_create(couple=couple, by=request.user, **form.service_fields(),
                                                           **rule)
                else:
                    session = services.session_create(couple=couple, by=request.user, **form.service_fields())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if rule:
                    return _after_series(request, series)
                return _after_save(request, session, "recorded")
        status = 400
    else:
        start = default_start()
        form = SessionCreateForm(couple=couple, initial={
            "date": start.date(), "time": start.time(), "duration_minutes": 50, "modality": Modality.IN_PERSON,
            "kind": SessionKind.JOINT if couple.ipv_screens_complete and not couple.ipv_joint_blocked
            else SessionKind.INDIVIDUAL_A,
            "attendance": Attendance.ATTENDED, "therapist": request.user.pk,
        })
        status = 200
    return render(request, "notes/sessions/form.html", _form_context(couple, form, creating=True), status=status)


@require_http_methods(["GET", "POST"])
@clinician_required
def session_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    """Change a session. A save based on an old version is refused (409) with both versions shown."""
    session = selectors.get_session_for_user(request.user, pk, write=True)
    couple = get_couple_for_user(request.user, session.couple_id, write=True)
    suggestion = services.suggest_service_code(
        couple=couple, kind=session.kind, duration_minutes=session.duration_minutes,
        starts_at=session.starts_at, exclude_pk=session.pk, attendance=session.attendance,
    )
    if request.method == "GET":
        return _edit_page(request, couple, session, suggestion=suggestion)
    form = SessionEditForm(request.POST, couple=couple)
    if form.is_valid():
        try:
            saved = services.session_update(session=session, by=request.user,
                                            base_version=form.cleaned_data["version"], **form.service_fields())
        except services.StaleVersion:
            return _edit_conflict(request, couple, session, form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_save(request, saved, "saved")
    return render(request, "notes/sessions/form.html",
                  _form_context(couple, form, session=session, suggestion=suggestion, **_series_context(session)),
                  status=400)


def _series_context(session: Session) -> dict[str, Any]:
    """The cancel and end-series actions of the edit page."""
    has_note = _has_note(session)
    return {
        "can_cancel": session.attendance == Attendance.SCHEDULED and not has_note,
        "series": session.series if session.series_id else None,
        "removable_later": series_services.removable_occurrences(session.series, since=session.starts_at).count()
        if session.series_id else 0,
    }


def _edit_page(request: HttpRequest, couple: Couple, session: Session, *, suggestion: str = "", status: int = 200,
               action_errors: list[str] | None = None) -> HttpResponse:
    local = timezone.localtime(session.starts_at)
    form = SessionEditForm(couple=couple, initial={
        "date": local.date(), "time": local.time().replace(second=0, microsecond=0),
        "duration_minutes": session.duration_minutes, "modality": session.modality, "kind": session.kind,
        "attendance": session.attendance, "therapist": session.therapist_id,
        "service_code": session.service_code, "version": session.version,
    })
    return render(request, "notes/sessions/form.html", _form_context(
        couple, form, session=session, suggestion=suggestion, action_errors=action_errors or [],
        **_series_context(session),
    ), status=status)


STALE_CANCEL = ("Someone changed this session after you opened it, so it was not cancelled. Check it below, "
                "then cancel it again if it should be.")


@require_POST
@clinician_required
def session_cancel(request: HttpRequest, pk: Any) -> HttpResponse:
    """Cancel one session (one occurrence of a series, or a single one): attendance "cancelled". Refused with
    409 if the session changed since the page was opened, 400 if it has a progress note."""
    session = selectors.get_session_for_user(request.user, pk, write=True)
    couple = get_couple_for_user(request.user, session.couple_id, write=True)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, couple, session, status=400, action_errors=[VERSION_ERROR])
    try:
        saved = series_services.occurrence_cancel(session=session, by=request.user,
                                                  base_version=form.cleaned_data["version"])
    except services.StaleVersion:
        fresh = selectors.get_session_for_user(request.user, pk, write=True)
        return _edit_page(request, couple, fresh, status=409, action_errors=[STALE_CANCEL])
    except ValidationError as error:
        return _edit_page(request, couple, session, status=400, action_errors=error.messages)
    when = date_format(timezone.localtime(saved.starts_at), "j F Y, H:i")
    messages.success(request, f"Session of {when} cancelled.")
    return redirect(f"{reverse('notes:calendar')}?date={timezone.localtime(saved.starts_at).date().isoformat()}")


SERIES_SCOPES = {
    "following": "Cancel this and all following",
    "future": "End the series now",
}


def _series_end_plan(series: Any, since: Any) -> tuple[list[Session], list[tuple[Session, str]]]:
    """The sessions of `series` from `since` on that ending it would remove, and those it keeps with why (took
    place, cancelled, already past, or documented), in time order."""
    removable = set(series_services.removable_occurrences(series, since=since).values_list("pk", flat=True))
    later = list(Session.objects.filter(series=series, starts_at__gte=since).order_by("starts_at"))
    now = timezone.now()
    kept = []
    for later_session in later:
        if later_session.pk in removable:
            continue
        if later_session.attendance != Attendance.SCHEDULED:
            why = later_session.get_attendance_display().lower()
        elif later_session.starts_at < now:
            why = "already past"
        else:
            why = "has a note"
        kept.append((later_session, why))
    return [s for s in later if s.pk in removable], kept


def _series_end_confirm(request: HttpRequest, couple: Couple, session: Session, scope: str, since: Any,
                        status: int = 200) -> HttpResponse:
    removed, kept = _series_end_plan(session.series, since)
    return render(request, "notes/sessions/series_end_confirm.html", {
        "nav": NAV, "couple": couple, "session": session, "series": session.series, "scope": scope,
        "title": SERIES_SCOPES[scope], "removed": removed, "kept": kept, "changed": status == 409,
    }, status=status)


def _calendar_week_of(session: Session) -> str:
    return f"{reverse('notes:calendar')}?date={timezone.localtime(session.starts_at).date().isoformat()}"


@require_http_methods(["GET", "POST"])
@clinician_required
def series_end(request: HttpRequest, pk: Any) -> HttpResponse:
    """End the series of session `pk`: remove its future sessions still scheduled and undocumented, from this
    session on ("following") or from now ("future"). Attended, cancelled and documented sessions stay.

    GET is the confirmation page: exactly which sessions would go and which stay, a "Remove these N sessions"
    button (the POST) and a way back without changes. After the POST: the calendar week of session `pk`."""
    session = selectors.get_session_for_user(request.user, pk, write=True)
    couple = get_couple_for_user(request.user, session.couple_id, write=True)
    if not session.series_id:
        raise Http404
    form = SeriesEndForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return _edit_page(request, couple, session, status=400,
                          action_errors=[m for errors in form.errors.values() for m in errors])
    scope = form.cleaned_data["scope"]
    since = session.starts_at if scope == "following" else timezone.now()
    if request.method == "GET":
        return _series_end_confirm(request, couple, session, scope, since)
    # From the confirmation page: exactly the sessions it listed, or nothing (409 with the fresh list).
    expected = request.POST.getlist("sessions") if "confirmed" in request.POST else None
    try:
        removed = series_services.series_end(series=session.series, by=request.user, since=since,
                                             expected=expected)
    except series_services.SeriesChanged:
        return _series_end_confirm(request, couple, session, scope, since, status=409)
    kept = Session.objects.filter(series_id=session.series_id, starts_at__gte=since).count()
    kept_text = f" {kept} from then on stay: they took place, were cancelled, or have a note." if kept else ""
    messages.success(request, f"Series ended: {removed} scheduled session{'s' if removed != 1 else ''} removed."
                              f"{kept_text}")
    # Back to the week of the session the user was on (even when it was one of those removed).
    return redirect(_calendar_week_of(session))


def _edit_conflict(request: HttpRequest, couple: Couple, stale: Session, stale_form: SessionEditForm) -> HttpResponse:
    """Someone saved this session first: show theirs next to yours; saving again is a deliberate choice."""
    current = Session.objects.select_related("therapist").get(pk=stale.pk)
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = SessionEditForm(data, couple=couple)
    form.is_valid()
    yours = stale_form.service_fields()
    differences = []
    labels = {"starts_at": "Date and time", "duration_minutes": "Length in minutes", "modality": "Modality",
              "kind": "Kind of session", "attendance": "Attendance", "service_code": "Service code",
              "therapist": "Therapist"}
    for name, label in labels.items():
        saved_value, your_value = getattr(current, name), yours.get(name)
        if saved_value == your_value:
            continue
        if name == "starts_at":
            saved_text = date_format(timezone.localtime(saved_value), "j F Y, H:i")
            your_text = date_format(timezone.localtime(your_value), "j F Y, H:i")
        elif name == "therapist":
            saved_text, your_text = saved_value.display_name, your_value.display_name
        elif hasattr(current, f"get_{name}_display"):
            choices = dict(form.fields[name].choices)
            saved_text, your_text = getattr(current, f"get_{name}_display")(), choices.get(your_value, your_value)
        else:
            saved_text, your_text = saved_value, your_value
        differences.append({"label": label, "saved": saved_text, "yours": your_text})
    return render(request, "notes/sessions/form.html", _form_context(
        couple, form, session=current, conflict=True, differences=differences, **_series_context(current),
    ), status=409)
