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
        label="Value", max_digits=8, decimal_places=2,
        help_text="In the objective's unit, e.g. checking episodes in that week, or a 0-10 rating.",
        error_messages={"required": "Enter the value.", "invalid": VALUE_MESSAGE, "max_digits": VALUE_MESSAGE,
                        "max_decimal_places": VALUE_MESSAGE, "max_whole_digits": VALUE_MESSAGE},
    )
    note = text_field("Note", rows=2, help_text="Optional: where the value comes from, or anything unusual that week.")

    def __init__(self, *args: Any, objectives: list[Objective], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objective"].choices = [("", "Choose an objective…")] + [
            (str(objective.lineage), objective_label(objective)) for objective in objectives
        ]

    def clean_objective(self) -> uuid.UUID:
        return uuid.UUID(self.cleaned_data["objective"])

    def clean_recorded_on(self) -> datetime.date:
        value = self.cleaned_data["recorded_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        return value
