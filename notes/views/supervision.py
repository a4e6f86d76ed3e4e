"""Supervision pages: the supervisor's review queue, co-sign, return with a comment, and the author's resubmit.

The supervisor reads the note on its own page (notes:note-detail) and acts from there or from the queue.
Those three actions are POSTs; when one is refused, the review page says why and offers the forms again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_POST

from clinic.access import clinician_required, supervisor_required
from clinic.models import NOTE_TEXT_MAX, Role
from clinic.selectors import ipv as ipv_selectors
from clinic.selectors.risks import overdue_risks_for
from notes.forms.supervision import CosignForm, ReturnForm
from notes.models import NoteStatus, ProgressNote
from notes.selectors import supervision as selectors
from notes.services import supervision as services
from rapport.forms import add_service_errors, error_summary

NAV = "today"


def _session_label(note: ProgressNote) -> str:
    return date_format(timezone.localtime(note.session.starts_at), "j M Y")


def review_panel_context(note: ProgressNote, user: Any, **forms: Any) -> dict[str, Any]:
    """What the supervision panel (notes/supervision/_panel.html) needs for `note` and `user`: which of
    co-sign, return and resubmit they may do, and the forms. The note page includes the same panel."""
    can_review = (
        note.status == NoteStatus.AWAITING_COSIGN
        and user.role == Role.SUPERVISOR
        and note.author.supervisor_id == user.pk
        and note.author_id != user.pk
    )
    can_resubmit = note.status == NoteStatus.RETURNED and note.author_id == user.pk
    return {
        "note": note,
        "can_review": can_review,
        "can_resubmit": can_resubmit,
        "answered": can_resubmit and selectors.has_answer_since_return(note),
        "cosign_form": forms.get("cosign_form") or (CosignForm() if can_review else None),
        "return_form": forms.get("return_form") or (ReturnForm() if can_review else None),
    }


def _review_page(request: HttpRequest, note: ProgressNote, *, status: int, errors: list | None = None,
                 **forms: Any) -> HttpResponse:
    """The note's supervision page, shown again when an action was refused, with what to fix."""
    bound = [form for form in forms.values() if form is not None]
    return render(request, "notes/supervision/review.html", {
        "nav": NAV,
        **review_panel_context(note, request.user, **forms),
        "show_return_comment": True,
        "errors": errors if errors is not None else error_summary(*bound),
    }, status=status)


def _refusal_status(error: ValidationError) -> int:
    return 409 if getattr(error, "code", None) in ("invalid_state", "no_addendum") else 400


@require_GET
@supervisor_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Notes awaiting the supervisor's co-signature, oldest first, with how long each has waited and whether its
    couple has an open risk, and those returned to their authors."""
    return render(request, "notes/supervision/queue.html", {
        "nav": "review",
        "notes": selectors.review_queue_rows(request.user),
        "returned": list(selectors.with_answer_since_return(selectors.returned_by(request.user))),
        "overdue_risks": overdue_risks_for(request.user),
        "comment_max": NOTE_TEXT_MAX,
        "ipv_overrides": list(ipv_selectors.overrides_for_supervisor(request.user)),
    })


@require_POST
@clinician_required
def note_cosign(request: HttpRequest, pk: Any) -> HttpResponse:
    """Co-sign (the author's supervisor, after re-authenticating): the note becomes final."""
    note = selectors.get_note_to_review(request.user, pk)
    form = CosignForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.note_cosign(note=note, by=request.user, secret=form.cleaned_data["secret"])
        except ValidationError as error:
            add_service_errors(form, error)
            status = _refusal_status(error)
        else:
            messages.success(request, f"Note of {_session_label(note)} for couple {note.couple.reference} "
                                      "co-signed. It is final.")
            return redirect("notes:review-queue")
    return _review_page(request, note, status=status, cosign_form=form)


@require_POST
@clinician_required
def note_return(request: HttpRequest, pk: Any) -> HttpResponse:
    """Return the note to its author with a comment (the author's supervisor)."""
    note = selectors.get_note_to_review(request.user, pk)
    form = ReturnForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.note_return(note=note, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            add_service_errors(form, error)
            status = _refusal_status(error)
        else:
            messages.success(request, f"Note of {_session_label(note)} for couple {note.couple.reference} "
                                      f"returned to {note.author.display_name}.")
            return redirect("notes:review-queue")
    return _review_page(request, note, status=status, return_form=form)


@require_POST
@clinician_required
def note_resubmit(request: HttpRequest, pk: Any) -> HttpResponse:
    """Send a returned note back to the supervisor (its author, after answering with an addendum)."""
    note = selectors.get_note_to_resubmit(request.user, pk)
    try:
        services.note_resubmit(note=note, by=request.user)
    except ValidationError as error:
        return _review_page(request, note, status=_refusal_status(error),
                            errors=[{"anchor": "", "text": message} for message in error.messages])
    messages.success(request, "Note resubmitted to your supervisor for co-signature.")
    return redirect("notes:note-detail", pk=note.pk)
