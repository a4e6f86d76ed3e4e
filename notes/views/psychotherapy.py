"""Psychotherapy notes (45 CFR 164.501): the therapist's private process notes, readable by their author alone.

The list and the form are couple pages (the "My private notes" tab); a note's own page answers 404 to
everyone but its author, whatever their role. Every opening of a note is audited (`private_note.view`).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import record_event
from clinic.access import clinician_required, get_couple_for_user
from clinic.models import Couple
from notes.forms.psychotherapy import PrivateNoteCreateForm, PrivateNoteEditForm
from notes.models import PsychotherapyNote
from notes.selectors import psychotherapy as selectors
from notes.services import psychotherapy as services
from rapport.forms import add_service_errors, error_summary
from rapport.versioning import StaleVersion

NAV = "couples"
TAB = "private"


@require_GET
@clinician_required
def private_note_list(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """The user's own psychotherapy notes about the couple (dates only: the text is on each note's page)."""
    couple = get_couple_for_user(request.user, couple_pk)
    return render(request, "notes/private/list.html", {
        "nav": NAV,
        "tab": TAB,
        "couple": couple,
        "notes": list(selectors.private_notes_of(request.user, couple)),
        "can_write": Couple.objects.editable_by(request.user).filter(pk=couple.pk).exists(),
    })


@require_http_methods(["GET", "POST"])
@clinician_required
def private_note_create(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Write a psychotherapy note about the couple, optionally about one of its sessions."""
    couple = get_couple_for_user(request.user, couple_pk, write=True)
    sessions = selectors.sessions_to_link(couple)
    if request.method == "POST":
        form = PrivateNoteCreateForm(request.POST, sessions=sessions)
        if form.is_valid():
            try:
                note = services.private_note_create(couple=couple, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Private note saved. Only you can read it.")
                return redirect("notes:private-note-detail", pk=note.pk)
    else:
        # "?session=<id>" preselects a session (a link from a session's page); anything else is ignored.
        wanted = request.GET.get("session")
        chosen = sessions.filter(pk=wanted).first() if _is_uuid(wanted) else None
        form = PrivateNoteCreateForm(sessions=sessions, initial={"session": chosen})
    return render(request, "notes/private/create.html", {
        "nav": NAV, "tab": TAB, "couple": couple, "form": form, "errors": error_summary(form),
    }, status=400 if form.is_bound else 200)


def _is_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _detail_context(note: PsychotherapyNote, form: PrivateNoteEditForm, **extra: Any) -> dict[str, Any]:
    return {"nav": NAV, "tab": TAB, "couple": note.couple, "note": note, "form": form,
            "errors": error_summary(form), **extra}


@require_http_methods(["GET", "POST"])
def private_note_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """Read and change one's own psychotherapy note. Everyone else gets 404, whatever their role.

    A save based on an older version (another tab, another device) is refused with 409 and both texts.
    """
    if request.method == "GET":
        note = selectors.get_private_note_for_author(request.user, pk)
        record_event("private_note.view", actor=request.user, obj=note)
        form = PrivateNoteEditForm(initial={"text": note.text, "version": note.version})
        return render(request, "notes/private/detail.html", _detail_context(note, form))
    note = selectors.get_private_note_for_author(request.user, pk, write=True)
    form = PrivateNoteEditForm(request.POST)
    if form.is_valid():
        try:
            services.private_note_update(
                note=note, by=request.user, text=form.cleaned_data["text"], base_version=form.cleaned_data["version"]
            )
        except StaleVersion:
            return _edit_conflict(request, pk, form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Private note saved.")
            return redirect("notes:private-note-detail", pk=note.pk)
    return render(request, "notes/private/detail.html", _detail_context(note, form), status=400)


def _edit_conflict(request: HttpRequest, pk: Any, stale_form: PrivateNoteEditForm) -> HttpResponse:
    """The note was saved elsewhere since this page was loaded: show the saved text next to the one typed
    here; the form keeps what was typed and now carries the saved version, so saving again is deliberate."""
    current = selectors.get_private_note_for_author(request.user, pk, write=True)
    record_event("private_note.view", actor=request.user, obj=current, detail={"conflict": True})
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = PrivateNoteEditForm(data)
    form.is_valid()
    return render(request, "notes/private/detail.html", _detail_context(
        current, form, conflict=True, yours=stale_form.cleaned_data["text"],
    ), status=409)
