"""Forms of the treatment-plan and library pages.

Plain forms: they parse and check types and lengths; plans.services.plans and plans.services.library
apply the rules (direction of improvement, dates, locked plans) and their ValidationErrors are shown on
the fields (rapport.forms.add_service_errors). Messages never repeat what was typed.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from clinic.models import NOTE_TEXT_MAX
from plans import diagnoses as plan_diagnoses
from plans.models import (
    SHORT_TEXT_MAX,
    AcknowledgementMethod,
    Approach,
    Direction,
    LibraryItem,
    LibraryKind,
    ObjectiveDataSource,
    ObjectiveStatus,
    PartnerPosition,
    PartnerScope,
)
from rapport.forms import DateInput

INCOMPLETE_FORM = "The form was incomplete: open the page again and redo your change."


def _today() -> datetime.date:
    return timezone.localdate()


def text_field(label: str, max_length: int, *, required: bool = True, rows: int = 0, what: str = "",
               help_text: str = "") -> forms.CharField:
    """A text box (or a text area with `rows`) whose messages name the limit and never quote the text."""
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(
        label=label, max_length=max_length, required=required, widget=widget, help_text=help_text,
        error_messages={
            "required": f"Enter {what or label.lower()}.",
            "max_length": f"Keep this to {max_length:,} characters or fewer (it has %(show_value)d).",
        },
    )


def number_field(label: str, what: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=8, decimal_places=2, required=required, help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={
            "required": f"Enter {what} as a number.",
            "invalid": f"Enter {what} as a number, for example 12 or 4.5.",
            "max_digits": f"Enter {what} with at most 6 digits before the decimal point.",
            "max_decimal_places": f"Enter {what} with at most 2 decimal places.",
            "max_whole_digits": f"Enter {what} with at most 6 digits before the decimal point.",
        },
    )


def date_field(label: str, what: str, *, required: bool = False, help_text: str = "",
               initial: Any = None) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=DateInput(), help_text=help_text, initial=initial,
        error_messages={"required": f"Enter {what}.", "invalid": f"Enter {what} as a real date, for example "
                                                                   f"2026-03-14."},
    )


def choice_field(label: str, choices: Any, what: str, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=choices,
        error_messages={"required": f"Choose {what}.", "invalid_choice": f"Choose {what} from the list."},
        **kwargs,
    )


def version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, error_messages={
        "required": INCOMPLETE_FORM, "invalid": INCOMPLETE_FORM, "min_value": INCOMPLETE_FORM,
    })


# --- The plan itself --------------------------------------------------------------------------------


class PlanEditForm(forms.Form):
    """A draft's formulation, review date and diagnoses (ICD-10-CM, per partner and for the relationship, from
    the curated list in plans.diagnoses). `version` is the version the user started from."""

    formulation = text_field(
        "Case formulation", NOTE_TEXT_MAX, required=False, rows=8,
        help_text="How the problems arose and what keeps them going, for this couple.",
    )
    review_due = date_field(
        "Review due", "the review date",
        help_text="Leave empty to use the practice's review interval from the day the plan is signed.",
    )
    diagnoses_a = forms.MultipleChoiceField(
        label="Partner A", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(code, f"{code} {title}") for code, title in plan_diagnoses.PARTNER_CODES.items()],
        error_messages={"invalid_choice": "Partner A: choose codes from the list."},
    )
    diagnoses_b = forms.MultipleChoiceField(
        label="Partner B", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(code, f"{code} {title}") for code, title in plan_diagnoses.PARTNER_CODES.items()],
        error_messages={"invalid_choice": "Partner B: choose codes from the list."},
    )
    diagnoses_relationship = forms.MultipleChoiceField(
        label="The relationship", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(code, f"{code} {title}") for code, title in plan_diagnoses.RELATIONSHIP_CODES.items()],
        error_messages={"invalid_choice": "The relationship: choose Z63.0 or Z63.5."},
    )
    version = version_field()

    DIAGNOSIS_FIELDS = ("diagnoses_a", "diagnoses_b", "diagnoses_relationship")

    def diagnoses(self) -> dict[str, list[str]]:
        """The ticked codes as plans.diagnoses stores them (valid form only)."""
        return {name.removeprefix("diagnoses_"): list(self.cleaned_data.get(name) or [])
                for name in self.DIAGNOSIS_FIELDS}

    @classmethod
    def initial_for(cls, plan: Any) -> dict[str, Any]:
        diagnoses = plan.diagnoses or {}
        return {"formulation": plan.formulation, "review_due": plan.review_due, "version": plan.version,
                **{name: diagnoses.get(name.removeprefix("diagnoses_"), []) for name in cls.DIAGNOSIS_FIELDS}}


# --- Items of a draft -----------------------------------------------------------------------------


class ProblemForm(forms.Form):
    applies_to = choice_field("For", PartnerScope.choices, "who the problem concerns",
                              initial=PartnerScope.BOTH)
    title = text_field("Problem", SHORT_TEXT_MAX, what="the problem",
                       help_text="A short name, for example: trust broken after an affair.")
    behavioural_definition = text_field(
        "Behavioural definition", NOTE_TEXT_MAX, required=False, rows=5,
        help_text="How the problem shows in behaviour: what happens, how often, with what effect.",
    )


class GoalForm(forms.Form):
    text = text_field("Long-term goal", SHORT_TEXT_MAX, rows=3, what="the long-term goal")


class ObjectiveForm(forms.Form):
    text = text_field("Objective", SHORT_TEXT_MAX, rows=3, what="the objective",
                      help_text="What will change, in terms you can count or rate.")
    who = choice_field("Whose objective", PartnerScope.choices, "whose objective it is", initial=PartnerScope.BOTH)
    metric = text_field("What is measured", 300, what="what is measured",
                        help_text="For example: checking episodes, confidence in commitments.")
    unit = text_field("Unit", 40, what="the unit", help_text="For example: per week, 0-10 rating.")
    direction = choice_field("Direction of improvement", Direction.choices, "the direction of improvement")
    baseline = number_field("Baseline", "the baseline", required=False,
                            help_text="The value now, before this work starts. "
                            "For both partners: the couple's, or leave it empty and give each partner's below.")
    baseline_a = number_field("Baseline, partner A", "partner A's baseline", required=False,
                              help_text="Both-partners objectives only: partner A's own starting value.")
    baseline_b = number_field("Baseline, partner B", "partner B's baseline", required=False,
                              help_text="Both-partners objectives only: partner B's own starting value.")
    target = number_field("Target", "the target", help_text="The value that would mean the objective is met.")
    target_date = date_field("Target date", "the target date", help_text="Optional. Not before today.")
    status = choice_field("Status", ObjectiveStatus.choices, "a status", initial=ObjectiveStatus.NOT_STARTED)
    data_source = forms.ChoiceField(
        label="Where its values come from", choices=ObjectiveDataSource.choices, required=False,
        initial=ObjectiveDataSource.MANUAL,
        error_messages={"invalid_choice": "Choose where the values come from, from the list."},
        help_text="Thought records or behavioural experiments linked to this objective add a value each "
                  "(each partner's own line on a both-partners objective). Values typed in always count.",
    )

    def clean_data_source(self) -> str:
        return self.cleaned_data.get("data_source") or ObjectiveDataSource.MANUAL

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if any(name in self.errors for name in ("baseline", "baseline_a", "baseline_b", "who")):
            return data
        both = data.get("who") == PartnerScope.BOTH
        if not both:
            data["baseline_a"] = data["baseline_b"] = None
        if data.get("baseline") is None and not (both and data.get("baseline_a") is not None
                                                 and data.get("baseline_b") is not None):
            self.add_error("baseline", "Enter the baseline as a number (for both partners: the couple's, or "
                                       "one for each partner).")
        return data


class InterventionForm(forms.Form):
    approach = choice_field("Approach", Approach.choices, "an approach", initial=Approach.CBT)
    description = text_field("What is done", SHORT_TEXT_MAX, rows=4, what="what the intervention involves")
    frequency = text_field("Frequency", 80, required=False,
                           help_text="For example: every session, weekly homework.")
    delivered_by = text_field("Delivered by", 120, required=False,
                              help_text="For example: primary therapist, both partners at home.")


ITEM_FORMS: dict[str, type[forms.Form]] = {
    "problem": ProblemForm,
    "goal": GoalForm,
    "objective": ObjectiveForm,
    "intervention": InterventionForm,
}


# --- Signing and acknowledgement ------------------------------------------------------------------


class SignForm(forms.Form):
    secret = forms.CharField(
        label="Your password, or a current code from your authenticator app", max_length=4096, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Signing makes this version the couple's active plan and locks it.",
        error_messages={"required": "Enter your password or a current code to sign."},
    )


class AcknowledgeForm(forms.Form):
    partner = choice_field("Partner", PartnerPosition.choices, "the partner")
    acknowledged_on = date_field("Acknowledged on", "the date of the acknowledgement", required=True,
                                 initial=_today)
    method = choice_field(
        "How", [c for c in AcknowledgementMethod.choices if c[0] != AcknowledgementMethod.NOT_YET],
        "how the partner acknowledged the plan",
    )


# --- From the library -----------------------------------------------------------------------------

NEW_GOAL = ""


class AddFromLibraryForm(forms.Form):
    """Several library items at once, for one partner or both, with where objectives and interventions go."""

    causes = forms.MultipleChoiceField(label="Causes", required=False, widget=forms.CheckboxSelectMultiple)
    signs = forms.MultipleChoiceField(label="Signs", required=False, widget=forms.CheckboxSelectMultiple)
    interventions = forms.MultipleChoiceField(label="Interventions", required=False,
                                              widget=forms.CheckboxSelectMultiple)
    partner = choice_field("For", PartnerScope.choices, "who these items are for", initial=PartnerScope.BOTH,
                           help_text="Problems made from causes, and objectives made from signs, are for this "
                                     "partner or both. You can change each one afterwards.")
    goal = forms.ChoiceField(
        label="Put objectives and interventions under", required=False,
        help_text="Choose a goal already in the draft, or let the first cause you tick (or, with no cause, the "
                  "first sign) start a new problem and goal.",
        error_messages={"invalid_choice": "Choose a goal from the list."},
    )

    NUMBER_PARTS = (("baseline", "Baseline"), ("baseline_a", "Baseline, partner A"),
                    ("baseline_b", "Baseline, partner B"), ("target", "Target"))

    def __init__(self, *args: Any, items: list[LibraryItem], goal_choices: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items_by_id = {str(item.pk): item for item in items}
        # Each sign's objective numbers, typed in the same pass: what is measured, its unit, baseline(s), target.
        # Read (and checked) only for the signs ticked, so an unticked row never blocks the form.
        self.sign_fields: dict[str, list[str]] = {}
        for item in items:
            if item.kind != LibraryKind.SIGN:
                continue
            names = []
            for part, label, limit, value in (("metric", "What is measured", 300, item.metric or item.title),
                                              ("unit", "Unit", 40, item.unit or "per week")):
                name = f"sign_{item.pk}_{part}"
                self.fields[name] = forms.CharField(
                    label=label, required=False, max_length=limit, initial=value,
                    error_messages={"max_length": f"{item.title}: use at most {limit} characters."})
                self.fields[name].widget.attrs.pop("maxlength", None)
                names.append(name)
            for part, label in self.NUMBER_PARTS:
                name = f"sign_{item.pk}_{part}"
                self.fields[name] = forms.CharField(
                    label=label, required=False, max_length=40,
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                    help_text={"baseline": "The value now. For one partner, or the couple's for both partners.",
                               "baseline_a": "For both partners: partner A's own value now.",
                               "baseline_b": "For both partners: partner B's own value now.",
                               "target": "The value that would mean the objective is met."}[part],
                )
                names.append(name)
            self.sign_fields[str(item.pk)] = names
        for name, kind in (("causes", LibraryKind.CAUSE), ("signs", LibraryKind.SIGN),
                           ("interventions", LibraryKind.INTERVENTION)):
            self.fields[name].choices = [(str(i.pk), i.title) for i in items if i.kind == kind]
            self.fields[name].error_messages["invalid_choice"] = "Choose items of your practice's library."
        self.fields["goal"].choices = [(NEW_GOAL, "A new problem and goal (from the first cause or sign ticked)"),
                                       *goal_choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = [*data.get("causes", []), *data.get("signs", []), *data.get("interventions", [])]
        if not chosen and not any(name in self.errors for name in ("causes", "signs", "interventions")):
            self.add_error(None, "Tick at least one cause, sign or intervention to add.")
        data["items"] = [self.items_by_id[pk] for pk in chosen if pk in self.items_by_id]
        data["numbers"] = self._sign_numbers(data.get("signs", []), data.get("partner"))
        return data

    def _sign_numbers(self, signs: list[str], partner: str | None) -> dict[str, dict[str, Any]]:
        """{sign id: {"metric", "unit", "baseline", "baseline_a", "baseline_b", "target"}} of the ticked signs;
        an error on each number that is not one (a metric or unit too long is refused by its field)."""
        numbers: dict[str, dict[str, Any]] = {}
        parse = forms.DecimalField(max_digits=8, decimal_places=2, required=False)
        for pk in signs:
            if pk not in self.sign_fields:
                continue
            title = self.items_by_id[pk].title
            # Metric and unit left empty keep the library's (plans.services.from_library).
            values: dict[str, Any] = {part: (self.cleaned_data.get(f"sign_{pk}_{part}") or "").strip()
                                      for part in ("metric", "unit")}
            for part, label in self.NUMBER_PARTS:
                name = f"sign_{pk}_{part}"
                raw = (self.cleaned_data.get(name) or "").strip()
                try:
                    values[part] = parse.clean(raw) if raw else None
                except forms.ValidationError:
                    self.add_error(name, f"{title}: enter the {label.lower()} as a number, for example 12 or 4.5.")
                    values[part] = None
            if partner != PartnerScope.BOTH and (values["baseline_a"] is not None or values["baseline_b"] is not None):
                self.add_error(f"sign_{pk}_baseline_a", f"{title}: a baseline per partner is for an objective for "
                                                        "both partners. Use Baseline, or choose both partners.")
            numbers[pk] = values
        return numbers


# --- The practice library -----------------------------------------------------------------------


class LibraryItemForm(forms.Form):
    """A library item. Which fields matter depends on its kind (see plans.services.library)."""

    kind = choice_field("Kind", LibraryKind.choices, "the kind of item",
                        help_text="A cause adds a problem and goal; a sign adds an objective; an intervention "
                                  "adds an intervention.")
    title = text_field("Title", 200, what="a title")
    description = text_field("Description", 4000, required=False, rows=3,
                             help_text="What this is about. For an intervention: what is done.")
    behavioural_definition = text_field("Behavioural definition", 4000, required=False, rows=3,
                                        help_text="Causes and signs: how it shows in behaviour.")
    goal_text = text_field("Long-term goal", 2000, required=False, rows=2,
                           help_text="Causes (and signs used on their own): the goal added with the problem.")
    objective_text = text_field("Objective", 2000, required=False, rows=2,
                                help_text="Signs: the objective added to the plan. Baseline and target are "
                                          "set by the therapist for each couple.")
    metric = text_field("What is measured", 200, required=False, help_text="Signs: what is counted or rated.")
    unit = text_field("Unit", 40, required=False, help_text="Signs: for example per week, 0-10 rating.")
    direction = forms.ChoiceField(label="Direction of improvement", required=False,
                                  choices=[("", "Not applicable"), *Direction.choices],
                                  error_messages={"invalid_choice": "Choose a direction from the list."})
    approach = forms.ChoiceField(label="Approach", required=False, choices=[("", "Not applicable"),
                                                                             *Approach.choices],
                                 error_messages={"invalid_choice": "Choose an approach from the list."})
    frequency = text_field("Suggested frequency", 80, required=False,
                           help_text="Interventions: for example every session, weekly homework.")
    source = text_field("Sources", 2000, required=False, rows=2,
                        help_text="The published sources this item is based on (authors, year, title).")
    active = forms.BooleanField(label="Offer this item when building plans", required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"]
