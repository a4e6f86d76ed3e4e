"""The audit log's filters (practice administrators)."""

from __future__ import annotations

from typing import Any

from django import forms

from audit.models import AuditEvent
from rapport.forms import DateInput


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(
        required=False, label="From date", widget=DateInput(),
        error_messages={"invalid": "Enter the from date as YYYY-MM-DD."},
    )
    date_to = forms.DateField(
        required=False, label="To date", widget=DateInput(),
        error_messages={"invalid": "Enter the to date as YYYY-MM-DD."},
    )
    actor = forms.CharField(required=False, max_length=150, label="Actor (username)")
    action = forms.CharField(
        required=False, max_length=60, label="Action",
        help_text="An action or the start of one, for example auth. or couple.view",
    )
    outcome = forms.ChoiceField(
        required=False, label="Outcome", choices=[("", "Any outcome"), *AuditEvent.Outcome.choices],
    )
    record = forms.UUIDField(
        required=False, label="Record or couple id",
        error_messages={"invalid": "Enter a record id as shown in the log (32 hex digits, with or without dashes)."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The to date must be on or after the from date.")
        return data

    def used_filters(self) -> list[str]:
        """Names of the filters given (for the export's audit event: values may be free text)."""
        return sorted(name for name, value in self.cleaned_data.items() if value not in (None, ""))
