"""Search of a couple's progress notes and addenda, from its sessions tab."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from audit.models import AuditEvent
from audit.services import record_event
from clinic.access import clinician_required, get_couple_for_user
from notes.forms.sessions import NoteSearchForm
from notes.selectors import notes as selectors
from notes.views.sessions import session_list_context
from rapport.forms import error_summary


@require_POST
@clinician_required
def note_search(request: HttpRequest, couple_pk: Any) -> HttpResponse:
    """Search the couple's progress notes and addenda: decrypted and matched in memory, never in SQL.

    A POST, so the term never reaches a URL, a server log or the browser history; the audit event records
    how many notes matched, never the term.
    """
    couple = get_couple_for_user(request.user, couple_pk)
    form = NoteSearchForm(request.POST)
    hits = None
    status = 200
    if form.is_valid():
        hits = selectors.search_couple_notes(couple, form.cleaned_data["term"])
        record_event("note.search", actor=request.user, obj=couple, detail={"matches": len(hits)})
    else:
        status = 400
        record_event("note.search", actor=request.user, obj=couple, outcome=AuditEvent.Outcome.FAILED,
                     detail={"reason": "invalid"})
    context = session_list_context(request, couple, search_form=form, hits=hits, searched=hits is not None,
                                   errors=error_summary(form))
    return render(request, "notes/sessions/list.html", context, status=status)
