"""Forms of the progress-note editor and of addenda.

The editor form is built from the note's template (notes/note_templates.py), the couple's active plan and the
CBT list. It only parses: notes.services.notes validates again and writes. Textareas carry no `maxlength`:
a browser would cut a long paste short without a word, and we would rather keep every word and say the
text is too long. Error messages never repeat what was typed.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms

from clinic.forms.auth import SecretField
from clinic.models import NOTE_TEXT_MAX, RiskStatus
from notes import note_templates
from notes.models import AddendumKind, Attendance, ObjectiveRating, ProgressNote
from notes.selectors.notes import RISK_KIND_OF_ITEM, PlanContext
from notes.services.validation import RATING_COMMENT_MAX, SAFETY_PLAN_MAX, RatingInput

VERSION_ERROR = "The editor lost track of the note's version: reload the page (your saved draft is kept)."
SECRET_HELP = "Signing locks the note. Confirm it is you: your password, or the code from your authenticator app."


def _too_long(limit: int) -> str:
    return f"Shorten it to {limit:,} characters or fewer."


def _textarea(label: str, limit: int, *, help_text: str = "", rows: int = 6) -> forms.CharField:
    field = forms.CharField(
        label=label, max_length=limit, required=False, strip=False, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": _too_long(limit)},
    )
    return field


class NoteEditorForm(forms.Form):
    """Sections, risk check, interventions and objective ratings of one draft, plus its version."""

    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1,
        error_messages={"required": VERSION_ERROR, "invalid": VERSION_ERROR, "min_value": VERSION_ERROR},
    )

    def __init__(self, *args: Any, note: ProgressNote, template: str, plan: PlanContext, intervention_choices: list,
                 template_choices: list, open_risks: dict[str, list[Any]] | None = None, **kwargs: Any) -> None:
        # A single value recorded on a both-partners objective before values were kept per partner keeps its
        # own input, so saving the draft never drops it.
        legacy = {rating.objective_lineage for rating in note.objective_ratings.all() if not rating.partner}
        super().__init__(*args, **kwargs)
        self.note = note
        self.template = template
        self.plan = plan
        # The template this page shows: a save from a page on another template is read with its own sections.
        self.fields["page_template"] = forms.CharField(widget=forms.HiddenInput, required=False)
        self.fields["template"] = forms.ChoiceField(
            label="Template", choices=template_choices, required=False,
            help_text="Changing the template moves your text into the new sections: nothing is lost.",
            error_messages={"invalid_choice": "Choose one of the templates your practice allows."},
        )
        self.section_names = []
        for section in note_templates.sections_for(template):
            self.fields[section.key] = _textarea(
                section.label, NOTE_TEXT_MAX, rows=7,
                help_text=f"{section.help} Up to {NOTE_TEXT_MAX:,} characters.",
            )
            self.section_names.append(section.key)
        self.risk_groups = []
        self.open_risks = open_risks or {}
        for partner, partner_label in note_templates.risk_partners(note.restricted_to_partner):
            names = []
            for key, label in note_templates.RISK_ITEMS:
                name = f"risk_{partner}_{key}"
                self.fields[name] = forms.ChoiceField(
                    label=label, choices=note_templates.RISK_ANSWERS, required=False, widget=forms.RadioSelect,
                    error_messages={"invalid_choice": "Choose none or concern."},
                )
                self.fields[name].partner_label = partner_label
                # The oldest risk of this kind still open (nobody has acknowledged it) in the register for this
                # partner: "No risk concerns" leaves the question alone, and signing "None" asks for a
                # confirmation. An acknowledged risk has its follow-up: it is listed, and the shortcut answers.
                self.fields[name].open_risk = next(
                    (r for r in self.open_risks.get(partner, [])
                     if r.kind == RISK_KIND_OF_ITEM.get(key) and r.status == RiskStatus.OPEN), None)
                names.append(name)
            plan_name = f"risk_{partner}_safety_plan"
            self.fields[plan_name] = _textarea(
                f"Safety plan for {partner_label}", SAFETY_PLAN_MAX, rows=4,
                help_text="Required before signing if any concern is marked for this partner.",
            )
            self.risk_groups.append((partner, partner_label, names, plan_name))
        self.fields["interventions_used"] = forms.MultipleChoiceField(
            label="Interventions used", choices=intervention_choices, required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": "Choose interventions from the list."},
        )
        self.objective_rows = []
        self.rating_partners: dict[str, tuple[Any, str]] = {}  # value field name -> (lineage, partner)
        for objective in plan.objectives:
            for partner, partner_label in rating_partners(objective, note.restricted_to_partner, legacy):
                stem = f"objective_{objective.lineage}" + (f"_{partner}" if partner else "")
                value_name, comment_name = f"{stem}_value", f"{stem}_comment"
                prefix = f"{partner_label}: " if partner_label else ""
                self.fields[value_name] = _rating_value_field(objective, prefix, partner)
                self.fields[comment_name] = forms.CharField(
                    label=f"{prefix}comment (optional)" if prefix else "Comment (optional)",
                    max_length=RATING_COMMENT_MAX, required=False, strip=False,
                    error_messages={"max_length": _too_long(RATING_COMMENT_MAX)},
                )
                self.fields[value_name].partner_label = partner_label
                self.objective_rows.append((objective, value_name, comment_name))
                self.rating_partners[value_name] = (objective.lineage, partner)
        if any(getattr(self.fields[n], "open_risk", None) for _, _, names, _ in self.risk_groups for n in names):
            self.fields["confirm_open_risk"] = forms.BooleanField(
                label="I have reviewed the open risk", required=False,
                help_text="Needed to sign a note that answers “None” where the register has an open risk.",
            )
        # Only the Sign button needs it (note_sign checks it is there); autosave never sends it.
        self.fields["secret"] = SecretField(required=False, help_text=SECRET_HELP)
        drop_maxlength(self)

    def summary_label(self, name: str) -> str:
        """How the error summary names a field (rapport.forms.error_summary): a risk answer with its partner
        ("Partner A, suicidal ideation"), an objective's value or comment with its objective, else the label."""
        field = self.fields[name]
        partner_label = getattr(field, "partner_label", "")
        if partner_label:
            return f"{partner_label}, {field.label.lower()}"
        for objective, value_name, comment_name in self.objective_rows:
            if name in (value_name, comment_name):
                return f"{objective.text} – {field.label.lower()}"
        return str(field.label)

    # --- values for the services -------------------------------------------------------------------
    @classmethod
    def initial_for(cls, note: ProgressNote, ratings: dict[Any, ObjectiveRating]) -> dict[str, Any]:
        initial: dict[str, Any] = {"version": note.version, "template": note.template, "page_template": note.template}
        content = note.content or {}
        for key in note_templates.section_keys(note.template):
            initial[key] = content.get(key, "")
        risk = note.risk or {}
        for partner, _ in note_templates.risk_partners(note.restricted_to_partner):
            entry = risk.get(partner) or {}
            for key, _ in note_templates.RISK_ITEMS:
                initial[f"risk_{partner}_{key}"] = entry.get(key, "")
            initial[f"risk_{partner}_safety_plan"] = entry.get("safety_plan", "")
        initial["interventions_used"] = [item["key"] for item in note.interventions_used or []]
        for (lineage, partner), rating in ratings.items():
            stem = f"objective_{lineage}" + (f"_{partner}" if partner else "")
            initial[f"{stem}_value"] = rating.value
            initial[f"{stem}_comment"] = rating.comment
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for _objective, value_name, comment_name in self.objective_rows:
            if data.get(comment_name, "").strip() and data.get(value_name) is None and value_name not in self.errors:
                self.add_error(value_name, "Give the observed value, or clear the comment.")
        return data

    def content(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in self.section_names}

    def risk(self) -> dict[str, dict[str, str]]:
        risk = {}
        for partner, _, names, plan_name in self.risk_groups:
            entry = {name.removeprefix(f"risk_{partner}_"): self.cleaned_data.get(name, "") for name in names}
            entry["safety_plan"] = self.cleaned_data.get(plan_name, "")
            risk[partner] = entry
        return risk

    def none_despite_open_risk(self) -> list[str]:
        """The risk questions answered "None" while the register holds an open risk of that kind for that
        partner (of the cleaned data)."""
        return [name for _, _, names, _ in self.risk_groups for name in names
                if getattr(self.fields[name], "open_risk", None) is not None
                and self.cleaned_data.get(name) == note_templates.RISK_NONE]

    def interventions(self) -> list[str]:
        return list(self.cleaned_data.get("interventions_used", []))

    def ratings(self) -> list[RatingInput]:
        ratings = []
        for _objective, value_name, comment_name in self.objective_rows:
            value: Decimal | None = self.cleaned_data.get(value_name)
            if value is not None:
                lineage, partner = self.rating_partners[value_name]
                ratings.append(RatingInput(uuid.UUID(str(lineage)), value,
                                           self.cleaned_data.get(comment_name, ""), partner))
        return ratings

    def draft_fields(self) -> dict[str, Any]:
        """Keyword arguments of note_save_draft. The template is the one this page shows (the select changes
        it only with its own button)."""
        return {
            "template": self.template,
            "content": self.content(),
            "risk": self.risk(),
            "interventions_used": self.interventions(),
            "objective_ratings": self.ratings(),
        }


class NotAttendedForm(forms.Form):
    """The session did not take place after all (the editor's last box, while the draft is empty)."""

    attendance = forms.ChoiceField(
        label="What happened", initial=Attendance.NO_SHOW,
        choices=[(Attendance.CANCELLED, "Cancelled"), (Attendance.LATE_CANCELLED, "Late-cancelled"),
                 (Attendance.NO_SHOW, "No-show")],
        error_messages={"required": "Choose cancelled, late-cancelled or no-show.",
                        "invalid_choice": "Choose cancelled, late-cancelled or no-show."},
    )


def rating_partners(objective: Any, restricted_to_partner: str, legacy: set[Any]) -> list[tuple[str, str]]:
    """The value inputs one objective gets in the editor, as (partner, label): one for an individual objective;
    one per partner for a both-partners objective (only the attending partner's in an individual session), plus
    the couple's single value when the draft holds one from before values were kept per partner."""
    if getattr(objective, "who", "") != "both":
        return [("", "")]
    partners = [(p, label) for p, label in (("a", "Partner A"), ("b", "Partner B"))
                if not restricted_to_partner or p == restricted_to_partner]
    if str(objective.lineage) in {str(item) for item in legacy}:
        partners.append(("", "Both partners (one value, recorded earlier)"))
    return partners


def _rating_value_field(objective: Any, prefix: str, partner: str) -> forms.DecimalField:
    label = f"Observed value ({objective.unit})" if objective.unit else "Observed value"
    numbers = [f"{name} {value.normalize():f}" for name, value in (
        ("baseline", objective.baseline_for(partner)), ("target", objective.target)) if value is not None]
    help_text = (", ".join(numbers).capitalize() + ". " if numbers else "") + \
        "Leave empty if this objective was not addressed."
    return forms.DecimalField(
        label=f"{prefix}{label[0].lower()}{label[1:]}" if prefix else label,
        required=False, max_digits=8, decimal_places=2, help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={"invalid": "Give the value as a number, for example 4 or 6.5.",
                        "max_digits": "Give a number with at most 6 digits before the decimal point.",
                        "max_decimal_places": "Give at most 2 decimal places.",
                        "max_whole_digits": "Give a number with at most 6 digits before the decimal point."},
    )


class AddendumForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of addendum", choices=AddendumKind.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of addendum this is.",
                        "invalid_choice": "Choose correction, clarification or late information."},
    )
    text = forms.CharField(
        label="Addendum", max_length=NOTE_TEXT_MAX, strip=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"Appended below the signed note, which stays as it was. Up to {NOTE_TEXT_MAX:,} characters.",
        error_messages={"required": "Write the addendum.", "max_length": _too_long(NOTE_TEXT_MAX)},
    )
    secret = SecretField(help_text="The addendum is signed when you add it. Confirm it is you.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs.pop("maxlength", None)


def drop_maxlength(form: forms.Form) -> None:
    """Remove `maxlength` from textareas (see the module docstring)."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.Textarea):
            field.widget.attrs.pop("maxlength", None)
