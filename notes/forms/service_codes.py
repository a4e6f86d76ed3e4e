"""The form of one row of the practice's service-code table (notes.services.service_codes)."""

from __future__ import annotations

from django import forms

from notes.models import ServiceCodeKind
from notes.services.sessions import MAX_DURATION_MINUTES
from rapport.forms import PlainSelect


class ServiceCodeRuleForm(forms.Form):
    kind = forms.ChoiceField(
        label="For", choices=ServiceCodeKind.choices, widget=PlainSelect(),
        error_messages={"required": "Choose what the code is for.",
                        "invalid_choice": "Choose what the code is for from the list."},
    )
    min_minutes = forms.IntegerField(
        label="From (minutes)", min_value=0, max_value=MAX_DURATION_MINUTES,
        help_text="The shortest session this code applies to, in whole minutes (0 for the intake).",
        error_messages={"required": "Give the shortest length in minutes.",
                        "invalid": "Give the shortest length as a whole number of minutes."},
    )
    max_minutes = forms.IntegerField(
        label="To (minutes)", min_value=1, max_value=MAX_DURATION_MINUTES, required=False,
        help_text="The longest, included. Leave empty for no upper limit.",
        error_messages={"invalid": "Give the longest length as a whole number of minutes, or leave it empty."},
    )
    code = forms.CharField(
        label="Code", max_length=10, help_text="The code number only, for example 90834.",
        error_messages={"required": "Give the code.", "max_length": "Keep the code to 10 characters."},
    )
