"""A progress note as written (read-only), with its signature, co-signature and addenda below, and the form
that appends a signed addendum to a signed note (the note itself never changes).

Clinicians only. Reading needs the couple visible; an addendum needs it editable. Every read is audited as
`note.view`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import record_event
from clinic.access import clinician_required
from notes import content_hash, note_templates
from notes.forms.notes import AddendumForm
from notes.models import ProgressNote
from notes.selectors import notes as selectors
from notes.services import notes as services
from notes.views.supervision import review_panel_context
from rapport.forms import add_service_errors, error_summary

NAV = "couples"


def confidentiality_context(note: ProgressNote) -> dict[str, Any] | None:
    """For an individual session: the couple's agreement and each partner's agreement date."""
    if not note.restricted_to_partner:
        return None
    couple = note.couple
    return {
        "agreement": couple.get_confidentiality_display(),
        "agreement_value": couple.confidentiality,
        "partner": dict(note_templates.PARTNERS)[note.restricted_to_partner],
        "partners": list(couple.partners.all()),
    }


@require_GET
@clinician_required
def note_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """A note as written (read-only), with its signature, co-signature and addenda below."""
    note = selectors.get_note_for_user(request.user, pk)
    record_event("note.view", actor=request.user, obj=note, detail={"view": "detail"})
    can_write = selectors.can_write_couple(request.user, note.couple)
    return render(request, "notes/editor/detail.html", {
        **_detail_context(note),
        "can_write": can_write,
        "can_edit_draft": not note.is_signed and note.author_id == request.user.pk and can_write,
        "addendum_form": AddendumForm() if note.is_signed and can_write else None,
        **review_panel_context(note, request.user),
    })


def _detail_context(note: ProgressNote) -> dict[str, Any]:
    content = note.content or {}
    risk = note.risk or {}
    return {
        "nav": NAV,
        "note": note,
        "session": note.session,
        "couple": note.couple,
        "sections": [(s, content.get(s.key, "")) for s in note_templates.sections_for(note.template)],
        "risk_rows": [
            (label, [(item_label, (risk.get(p) or {}).get(key, "")) for key, item_label in note_templates.RISK_ITEMS],
             (risk.get(p) or {}).get("safety_plan", ""))
            for p, label in note_templates.PARTNERS
            # the partners the note asks about, and any answer an older note holds for the other partner
            if p in dict(note_templates.risk_partners(note.restricted_to_partner))
            or any((risk.get(p) or {}).values())
        ],
        "rated": selectors.rated_objectives(note),
        "addenda": list(note.addenda.all()),
        "confidentiality": confidentiality_context(note),
        "hash_ok": content_hash.note_hash_matches(note) if note.is_signed else None,
        "state": selectors.note_state(note),
    }


@require_http_methods(["GET", "POST"])
@clinician_required
def addendum_create(request: HttpRequest, pk: Any) -> HttpResponse:
    """Append a signed addendum below a signed note (the note itself never changes)."""
    note = selectors.get_note_for_user(request.user, pk, write=True)
    if not note.is_signed:
        messages.info(request, "This note is still a draft: change it in the editor. Addenda are for signed notes.")
        if note.author_id == request.user.pk:
            return redirect("notes:note-edit", session_pk=note.session_id)
        return redirect("notes:note-detail", pk=note.pk)
    form = AddendumForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                addendum = services.addendum_create(note=note, by=request.user, kind=form.cleaned_data["kind"],
                                                    text=form.cleaned_data["text"], secret=form.cleaned_data["secret"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{addendum.get_kind_display()} added and signed.")
                return redirect(reverse("notes:note-detail", args=[note.pk]) + f"#addendum-{addendum.pk}")
    else:
        record_event("note.view", actor=request.user, obj=note, detail={"view": "addendum"})
    return render(request, "notes/editor/addendum_form.html", {
        **_detail_context(note), "form": form, "errors": error_summary(form),
    }, status=status)
