"""Forms of the risk register: acknowledging a risk with its follow-up, and closing it."""

from __future__ import annotations

from django import forms

from clinic.services.risks import FOLLOW_UP_MAX
from rapport.forms import DateInput


class RiskAcknowledgeForm(forms.Form):
    follow_up = forms.CharField(
        label="What you did or will do", max_length=FOLLOW_UP_MAX, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: risk assessment done with the partner alone, safety plan reviewed, crisis line "
                  "given, GP informed. Stored encrypted; the partner never sees it.",
        error_messages={"required": "Write what you did or will do about this risk."},
    )
    follow_up_on = forms.DateField(
        label="Follow up on", required=False, widget=DateInput(),
        help_text="The day you will check on it again (optional).",
        error_messages={"invalid": "Enter the follow-up day as a date, for example 2026-12-31."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class RiskCloseForm(forms.Form):
    note = forms.CharField(
        label="Why it can be closed", max_length=FOLLOW_UP_MAX, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: reassessed on 4 December, no current ideation, safety plan in place.",
        error_messages={"required": "Write why this risk can be closed."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
