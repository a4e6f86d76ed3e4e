"""The progress-note editor: open the session's draft, save it (autosave), resolve conflicts, sign it.

Drafts are never lost: the editor saves to the server a few seconds after typing stops (htmx) and when the
page is left (navigator.sendBeacon, rapport/static/rapport/autosave.js); every save carries the note's
version, and a save based on an older one gets 409 with both texts shown. Without JavaScript the "Save
draft" button does the same through a normal POST.

Clinicians only. Writing needs the couple editable and, for a draft, to be its author (403 otherwise). Every
read is audited as `note.view`. The signed note and its addenda: notes.views.detail.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import record_event
from clinic.access import clinician_required
from notes import note_templates
from notes.forms.notes import NotAttendedForm, NoteEditorForm
from notes.models import Attendance, NoteStatus, ProgressNote
from notes.selectors import notes as selectors
from notes.services import notes as services
from notes.services.validation import OPEN_RISK_UNCONFIRMED, sign_problems
from notes.views.detail import confidentiality_context
from rapport.forms import add_service_errors, error_summary

NAV = "couples"
CONFLICT_HEADERS = {"HX-Retarget": "#note-conflict", "HX-Reswap": "innerHTML"}
# A refused autosave (400, or 409 for a signed note) replaces the status line only, whatever the form's
# hx-target says: the editor and every typed character stay. autosave.js keeps django-htmx's DEBUG handler
# (which would put the answer in place of the whole page) away from these answers.
STATUS_HEADERS = {"HX-Retarget": "#autosave-status", "HX-Reswap": "outerHTML"}
STATUS_PARTIAL = "notes/editor/edit.html#autosave-status"
CONFLICT_PARTIAL = "notes/editor/edit.html#conflict"


# --- building the editor --------------------------------------------------------------------------


def _editor_form(note: ProgressNote, data: Any = None) -> NoteEditorForm:
    """The editor's form for `note`; bound to `data`, its sections are those of the template the page
    showed (hidden `page_template`), which is not the saved one if another window changed it."""
    plan = selectors.active_plan_context(note.couple)
    template_choices = note_templates.allowed_templates(note.couple.practice)
    if note.template not in dict(template_choices):  # the practice stopped offering it since the draft began
        template_choices.append((note.template, f"{note.get_template_display()} (no longer offered)"))
    template = note.template
    if data is not None and data.get("page_template") in note_templates.TEMPLATES:
        template = data["page_template"]
    return NoteEditorForm(
        data,
        note=note,
        template=template,
        plan=plan,
        intervention_choices=selectors.intervention_options(plan, note.interventions_used or []),
        template_choices=template_choices,
        open_risks=selectors.open_risks_by_partner(note),
        initial=None if data is not None else NoteEditorForm.initial_for(note, selectors.ratings_by_lineage(note)),
    )


def _draft_empty(note: ProgressNote) -> bool:
    """Nothing written, answered or rated yet (the draft may still be removed if the session did not happen)."""
    risk = note.risk or {}
    return not (any(str(text).strip() for text in (note.content or {}).values())
                or any(value for entry in risk.values() if isinstance(entry, dict) for value in entry.values())
                or note.objective_ratings.all())


def _editor_context(note: ProgressNote, form: NoteEditorForm, **extra: Any) -> dict[str, Any]:
    previous = selectors.previous_signed_note(note)
    if form.section_names and not form.errors and not extra.get("conflict"):
        # The cursor starts in the first section: no tab stop before the text.
        form.fields[form.section_names[0]].widget.attrs["autofocus"] = True
    partners = [label for _, label, _, _ in form.risk_groups]
    return {
        "nav": NAV,
        "note": note,
        "session": note.session,
        "couple": note.couple,
        "form": form,
        "errors": error_summary(form, *[f for f in [extra.get("not_attended_form")] if f is not None]),
        "sections": [form[name] for name in form.section_names],
        "risk_groups": [
            (label, [form[name] for name in names], form[plan_name], form.open_risks.get(partner, []))
            for partner, label, names, plan_name in form.risk_groups
        ],
        "has_open_risk": "confirm_open_risk" in form.fields,
        "objective_rows": [(objective, form[value], form[comment])
                           for objective, value, comment in form.objective_rows],
        "plan": form.plan,
        "previous": previous,
        "confidentiality": confidentiality_context(note),
        "deadline": selectors.note_deadline(note),
        "not_attended_form": NotAttendedForm(),
        "draft_empty": _draft_empty(note),
        "risk_scope": " and ".join(partners) if len(partners) < 2 else "both partners",
        "first_section": form[form.section_names[0]] if form.section_names else None,
        **extra,
    }


def _render_editor(request: HttpRequest, note: ProgressNote, form: NoteEditorForm, status: int = 200,
                   **extra: Any) -> HttpResponse:
    return render(request, "notes/editor/edit.html", _editor_context(note, form, **extra), status=status)


def _saved_at(note: ProgressNote) -> str:
    return date_format(timezone.localtime(note.updated_at), "H:i")


def _differences(current: ProgressNote, form: NoteEditorForm) -> dict[str, Any]:
    """What the saved draft holds next to what this editor sent, part by part."""
    saved_content = current.content or {}
    sections = []
    your_content = form.content() if form.is_valid() else {n: form.data.get(n, "") for n in form.section_names}
    saved_labels = {s.key: s.label for s in note_templates.sections_for(current.template)}
    your_labels = {s.key: s.label for s in note_templates.sections_for(form.template)}
    for key, label in {**saved_labels, **your_labels}.items():
        saved = saved_content.get(key, "") if key in saved_labels else None
        yours = your_content.get(key, "") if key in your_labels else None
        if saved != yours:
            sections.append({"label": label, "saved": saved, "yours": yours})
    others = []
    if form.is_valid():
        saved_risk = current.risk or {}
        for partner, label in note_templates.risk_partners(current.restricted_to_partner):
            saved_plan = (saved_risk.get(partner) or {}).get("safety_plan", "")
            your_plan = form.risk()[partner]["safety_plan"]
            if saved_plan != your_plan:
                sections.append({"label": f"Safety plan for {label}", "saved": saved_plan, "yours": your_plan})
        if {k: {i: v for i, v in e.items() if i != "safety_plan"} for k, e in form.risk().items()} != {
            k: {i: v for i, v in (saved_risk.get(k) or {}).items() if i != "safety_plan"}
            for k in dict(note_templates.risk_partners(current.restricted_to_partner))
        }:
            others.append("the risk check answers")
        if sorted(form.interventions()) != sorted(i["key"] for i in current.interventions_used or []):
            others.append("the interventions used")
        saved_ratings = {(r.objective_lineage, r.partner): (r.value, r.comment)
                         for r in current.objective_ratings.all()}
        your_ratings = {(r.objective_lineage, r.partner): (r.value, r.comment) for r in form.ratings()}
        if saved_ratings != your_ratings:
            others.append("the objective values")
    return {"differences": sections, "other_differences": others, "current": current,
            "template_changed": current.template != form.template}


def _conflict_response(request: HttpRequest, note: ProgressNote, form: NoteEditorForm) -> HttpResponse:
    current = selectors.get_note_for_user(request.user, note.pk, write=True)
    context = _differences(current, form)
    if request.htmx:
        # The panel, and (out of band) the status line saying nothing was saved: never "Saved" under it.
        response = HttpResponse(
            render_to_string(CONFLICT_PARTIAL, {"note": note, **context}, request=request)
            + render_to_string(STATUS_PARTIAL, {"note": note, "conflict": True, "oob": True}, request=request),
            status=409,
        )
        return _with_headers(response, CONFLICT_HEADERS)
    return _render_editor(request, note, form, status=409, conflict=True, **context)


def _with_headers(response: HttpResponse, headers: dict[str, str]) -> HttpResponse:
    for header, value in headers.items():
        response[header] = value
    return response


def _unsaved_texts(note: ProgressNote, data: Any) -> list[tuple[str, str]]:
    """The texts a refused POST carried, labelled, so that the page can give them back."""
    texts = [(s.label, data.get(s.key, "")) for s in note_templates.sections_for(note.template)]
    texts += [(f"Safety plan for {label}", data.get(f"risk_{p}_safety_plan", ""))
              for p, label in note_templates.PARTNERS]
    return [(label, text) for label, text in texts if str(text).strip()]


def _locked_response(request: HttpRequest, note: ProgressNote) -> HttpResponse:
    """The note was signed (in another window) before this save: nothing saved, and the typed text is shown
    so that it can go into an addendum."""
    if request.htmx:
        return _status_response(request, {"note": note, "locked": True}, status=409)
    return render(request, "notes/editor/locked.html", {
        "nav": NAV, "note": note, "couple": note.couple, "session": note.session,
        "unsaved": _unsaved_texts(note, request.POST),
    }, status=409)


def _add_sign_problems(request: HttpRequest, note: ProgressNote, form: NoteEditorForm) -> bool:
    """On a Sign that cannot even be saved: the missing sections and risk answers of what was sent, and the
    password or code checked, each added to its field unless that field already has an error. True if the
    password or code was right (the page then asks for it again)."""
    data = form.data
    problems: dict[str, list[Any]] = {
        name: list(messages) for name, messages in sign_problems(
            template=form.template,
            content={name: data.get(name, "") for name in form.section_names},
            risk={partner: {name.removeprefix(f"risk_{partner}_"): data.get(name, "") for name in (*names, plan)}
                  for partner, _, names, plan in form.risk_groups},
            restricted_to_partner=note.restricted_to_partner,
        ).items()
    }
    accepted = False
    if "secret" not in form.errors:
        secret_errors, _wait = services.sign_secret_problems(by=request.user, secret=data.get("secret", ""))
        if secret_errors:
            problems["secret"] = secret_errors
        accepted = not secret_errors
    for name, errors in problems.items():
        if name in form.fields and name not in form.errors:
            form.add_error(name, errors)
    return accepted


def _status_response(request: HttpRequest, context: dict[str, Any], status: int) -> HttpResponse:
    """A refused autosave's answer: the status line alone, aimed at the status line (STATUS_HEADERS)."""
    return _with_headers(render(request, STATUS_PARTIAL, context, status=status), STATUS_HEADERS)


# --- views ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@clinician_required
def note_edit(request: HttpRequest, session_pk: Any) -> HttpResponse:
    """The session's note editor. The first opening creates the draft (for an attended session).

    POST is the editor without JavaScript, and its buttons: save the draft, change the template, start
    from the previous note's plan, and keep my version after a conflict.
    """
    session = selectors.get_session_for_user(request.user, session_pk, write=True)
    existing = ProgressNote.objects.filter(session=session).only("id", "author_id", "signed_at").first()
    if existing is not None and existing.signed_at is not None and request.method == "POST" \
            and existing.author_id == request.user.pk:
        return _locked_response(request, selectors.get_note_for_user(request.user, existing.pk, write=True))
    if existing is not None and (existing.signed_at is not None or existing.author_id != request.user.pk):
        if existing.signed_at is None:
            messages.info(request, "This draft is being written by another therapist: only its author can "
                                   "change it. You can read it here.")
        return redirect("notes:note-detail", pk=existing.pk)
    if existing is None:
        if not services.session_due_a_note(session):
            return render(request, "notes/editor/not_attended.html", {
                "nav": NAV, "session": session, "couple": session.couple,
            }, status=400)
        if request.method == "POST":
            return redirect("notes:note-edit", session_pk=session.pk)
        was_scheduled = session.attendance == Attendance.SCHEDULED
        existing, created = services.note_start(session=session, by=request.user)
        if created and was_scheduled:
            messages.info(request, "This session was scheduled for "
                          f"{date_format(timezone.localtime(session.starts_at), 'H:i')}, so it is now recorded as "
                          "attended. If it did not take place, record that at the end of this page.")
    note = selectors.get_note_for_user(request.user, existing.pk, write=True)
    if request.method == "GET":
        record_event("note.view", actor=request.user, obj=note, detail={"view": "editor", "version": note.version})
        return _render_editor(request, note, _editor_form(note))
    if request.POST.get("action") == "not_attended":
        return _not_attended_post(request, note)
    return _editor_post(request, note)


def _not_attended_post(request: HttpRequest, note: ProgressNote) -> HttpResponse:
    """"It did not take place": the empty draft goes, and the session is recorded as cancelled or missed."""
    form = NotAttendedForm(request.POST)
    if form.is_valid():
        try:
            session = services.note_discard_not_attended(note=note, by=request.user,
                                                         attendance=form.cleaned_data["attendance"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The session is recorded as {session.get_attendance_display().lower()}; "
                                      "its empty draft was removed.")
            return redirect("notes:session-list", couple_pk=session.couple_id)
    return _render_editor(request, note, _editor_form(note), status=400, not_attended_form=form)


def _with_no_risk(form: NoteEditorForm, data: Any) -> Any:
    """"No risk concerns" without JavaScript: every unanswered risk question of the partners the session was
    about answered "none"; a concern already marked stays."""
    data = data.copy()
    for _partner, _label, names, _plan in form.risk_groups:
        for name in names:
            # A partner's open risk of this kind in the register: the clinician answers that one themselves.
            if not data.get(name) and getattr(form.fields[name], "open_risk", None) is None:
                data[name] = note_templates.RISK_NONE
    return data


def _editor_post(request: HttpRequest, note: ProgressNote) -> HttpResponse:
    form = _editor_form(note, request.POST)
    action = request.POST.get("action", "save")
    if action == "no_risk":
        form = _editor_form(note, _with_no_risk(form, request.POST))
    if not form.is_valid():
        return _render_editor(request, note, form, status=400)
    base_version = form.cleaned_data["version"]
    if action == "keep_mine":
        try:
            base_version = int(request.POST.get("replace_version", ""))
        except ValueError:
            form.add_error(None, "Choose again which version to keep: reload the page if this persists.")
            return _render_editor(request, note, form, status=400)
    try:
        saved = services.note_save_draft(note=note, by=request.user, base_version=base_version,
                                         **form.draft_fields())
        chosen = form.cleaned_data.get("template")
        if action == "change_template" and chosen and chosen != saved.template:
            saved = services.note_save_draft(note=saved, by=request.user, base_version=saved.version, template=chosen)
        if action == "copy_previous":
            saved, copied = services.note_copy_previous_plan(note=saved, by=request.user, base_version=saved.version)
            if not copied:
                messages.info(request, "There is no earlier signed note with a plan to copy. Your draft is saved.")
            else:
                messages.success(request, "The previous note's plan was copied into the Plan section.")
    except services.StaleVersion:
        return _conflict_response(request, note, form)
    except services.NoteLocked:
        return _locked_response(request, note)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_editor(request, note, form, status=400)
    if action == "change_template":
        messages.success(request, f"Template changed to {saved.get_template_display()}. Your text is kept.")
    elif action == "no_risk":
        left = [name for _, _, names, _ in form.risk_groups for name in names
                if not form.cleaned_data.get(name) and getattr(form.fields[name], "open_risk", None) is not None]
        if left:
            messages.warning(request, f"Risk check answered: no concerns, except {len(left)} question"
                             f"{'' if len(left) == 1 else 's'} with an open risk in the register, which you must "
                             f"answer yourself. Draft saved at {_saved_at(saved)}.")
        else:
            messages.success(request, f"Risk check answered: no concerns. Draft saved at {_saved_at(saved)}.")
    elif action in ("save", "keep_mine"):
        messages.success(request, f"Draft saved at {_saved_at(saved)}.")
    return redirect("notes:note-edit", session_pk=saved.session_id)


@require_POST
@clinician_required
def note_autosave(request: HttpRequest, pk: Any) -> HttpResponse:
    """Save the draft in the background (htmx after typing stops; sendBeacon when leaving the page).

    htmx gets the status line ("Saved at 10:42", with the new version swapped into the form), the conflict
    panel (409) or what to fix (400). A beacon gets 204 / 409 / 400 without a body worth reading.
    """
    note = selectors.get_own_draft_for_user(request.user, pk)
    if note.is_signed:
        return _locked_response(request, note) if request.htmx else HttpResponse(status=409)
    form = _editor_form(note, request.POST)
    if not form.is_valid():
        return _status_response(request, {"note": note, "problems": error_summary(form)}, status=400)
    try:
        saved = services.note_save_draft(note=note, by=request.user, base_version=form.cleaned_data["version"],
                                         **form.draft_fields())
    except services.StaleVersion:
        return _conflict_response(request, note, form) if request.htmx else HttpResponse(status=409)
    except services.NoteLocked:
        return _locked_response(request, note) if request.htmx else HttpResponse(status=409)
    except ValidationError as error:
        add_service_errors(form, error)
        return _status_response(request, {"note": note, "problems": error_summary(form)}, status=400)
    if not request.htmx:
        return HttpResponse(status=204)
    return render(request, STATUS_PARTIAL, {"note": saved, "saved": True, "saved_at": _saved_at(saved),
                                            "swap_version": True})


@require_POST
@clinician_required
def note_sign(request: HttpRequest, pk: Any) -> HttpResponse:
    """Save what is on screen, then sign and lock it (after asking for the password or a code again)."""
    note = selectors.get_own_draft_for_user(request.user, pk)
    if note.is_signed:
        messages.info(request, "This note is already signed.")
        return redirect("notes:note-detail", pk=note.pk)
    form = _editor_form(note, request.POST)
    if form.is_valid() and form.none_despite_open_risk() and not form.cleaned_data.get("confirm_open_risk"):
        form.add_error("confirm_open_risk", OPEN_RISK_UNCONFIRMED)
    if not form.is_valid():
        # Nothing can be saved: say at once everything else that stops the signature as well.
        accepted = _add_sign_problems(request, note, form)
        return _render_editor(request, note, form, status=400, signing=True, secret_accepted=accepted)
    try:
        saved = services.note_save_draft(note=note, by=request.user, base_version=form.cleaned_data["version"],
                                         **form.draft_fields())
    except services.StaleVersion:
        return _conflict_response(request, note, form)
    except ValidationError as error:
        add_service_errors(form, error)
        accepted = _add_sign_problems(request, note, form)
        return _render_editor(request, note, form, status=400, signing=True, secret_accepted=accepted)
    try:
        signed = services.note_sign(note=saved, by=request.user, secret=form.cleaned_data["secret"],
                                    base_version=saved.version)
    except services.StaleVersion:
        return _conflict_response(request, saved, form)
    except ValidationError as error:
        # The draft is saved: the form goes on from the saved version, without the secret.
        data = request.POST.copy()
        data["version"] = str(saved.version)
        data.pop("secret", None)
        saved = selectors.get_note_for_user(request.user, saved.pk, write=True)
        retry = _editor_form(saved, data)
        retry.is_valid()
        add_service_errors(retry, error)
        secret_accepted = "secret" not in getattr(error, "error_dict", {"secret": None})
        return _render_editor(request, saved, retry, status=400, signing=True, secret_accepted=secret_accepted)
    when = date_format(timezone.localtime(signed.signed_at), "j F Y, H:i")
    if signed.status == NoteStatus.AWAITING_COSIGN:
        messages.success(request, f"Note signed on {when} and sent to your supervisor for co-signature.")
    else:
        messages.success(request, f"Note signed on {when}. It is now locked; add an addendum to change it.")
    if signed.late_entry:
        messages.warning(request, "It was signed after the practice's deadline, so it is marked as a late entry.")
    return redirect("notes:note-detail", pk=signed.pk)


