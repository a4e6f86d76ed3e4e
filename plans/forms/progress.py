"""The form of the progress tab: a value the therapist enters for one objective."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import forms
from django.utils import timezone

from plans.forms.cbt import date_field, text_field
from plans.models import Objective
from plans.selectors.progress import objective_label

VALUE_MESSAGE = "Give the value as a number with at most two decimals, for example 4 or 6.5."


class ProgressPointForm(forms.Form):
    objective = forms.ChoiceField(
        label="Objective", error_messages={"required": "Choose the objective this value belongs to.",
                                           "invalid_choice": "Choose one of this couple's objectives."},
    )
    recorded_on = date_field("Date", initial=timezone.localdate, what="the date of the value",
                             help_text="The day the value was observed or counted.")
    value = forms.DecimalField(
        label="Value", max_digits=8, decimal_places=2, required=False,
        help_text="In the objective's unit, e.g. checking episodes in that week, or a 0-10 rating.",
        error_messages={"invalid": VALUE_MESSAGE, "max_digits": VALUE_MESSAGE,
                        "max_decimal_places": VALUE_MESSAGE, "max_whole_digits": VALUE_MESSAGE},
    )
    value_a = forms.DecimalField(
        label="Partner A's value", max_digits=8, decimal_places=2, required=False,
        help_text="Objectives for both partners: partner A's value. Leave empty if only partner B's was observed.",
        error_messages={"invalid": VALUE_MESSAGE, "max_digits": VALUE_MESSAGE,
                        "max_decimal_places": VALUE_MESSAGE, "max_whole_digits": VALUE_MESSAGE},
    )
    value_b = forms.DecimalField(
        label="Partner B's value", max_digits=8, decimal_places=2, required=False,
        help_text="Objectives for both partners: partner B's value. Leave empty if only partner A's was observed.",
        error_messages={"invalid": VALUE_MESSAGE, "max_digits": VALUE_MESSAGE,
                        "max_decimal_places": VALUE_MESSAGE, "max_whole_digits": VALUE_MESSAGE},
    )
    note = text_field("Note", rows=2, help_text="Optional: where the value comes from, or anything unusual that week.")

    def __init__(self, *args: Any, objectives: list[Objective], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.per_partner = {str(objective.lineage) for objective in objectives if objective.per_partner}
        self.fields["objective"].choices = [("", "Choose an objective…")] + [
            (str(objective.lineage), objective_label(objective)) for objective in objectives
        ]

    def clean_objective(self) -> uuid.UUID:
        return uuid.UUID(self.cleaned_data["objective"])

    @property
    def chosen_per_partner(self) -> bool | None:
        """Whether the objective chosen (or preselected) is for both partners; None when none is chosen."""
        chosen = self.data.get("objective") if self.is_bound else self.initial.get("objective")
        return str(chosen) in self.per_partner if chosen else None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        objective = data.get("objective")
        if objective is None or any(name in self.errors for name in ("value", "value_a", "value_b")):
            return data
        if str(objective) in self.per_partner:
            if data.get("value") is not None:
                self.add_error("value", "This objective is for both partners: give each partner's value below "
                                        "instead (one of them is enough).")
            elif data.get("value_a") is None and data.get("value_b") is None:
                self.add_error("value_a", "Enter partner A's value, partner B's value, or both.")
        else:
            if data.get("value") is None:
                self.add_error("value", "Enter the value.")
            for name in ("value_a", "value_b"):
                if data.get(name) is not None:
                    self.add_error(name, "This objective is for one partner: use the Value field above.")
        return data

    def values(self) -> dict[str, Any]:
        """Partner ("" for an individual objective) -> value, for progress_values_record."""
        data = self.cleaned_data
        if str(data["objective"]) in self.per_partner:
            return {p: data[f"value_{p}"] for p in ("a", "b") if data.get(f"value_{p}") is not None}
        return {"": data["value"]}

    def clean_recorded_on(self) -> datetime.date:
        value = self.cleaned_data["recorded_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        return value
