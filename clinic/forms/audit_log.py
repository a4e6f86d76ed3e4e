"""The audit log's filters (practice administrators)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms

from audit.models import AuditEvent
from rapport.forms import DateInput, PlainSelect


class AuditFilterForm(forms.Form):
    """The filters. `staff` (who may be picked), `actions` (the actions in the practice's log) and
    `find_couple(reference) -> id or None` come from clinic.selectors.audit_log."""

    date_from = forms.DateField(
        required=False, label="From date", widget=DateInput(),
        error_messages={"invalid": "Enter the from date as YYYY-MM-DD."},
    )
    date_to = forms.DateField(
        required=False, label="To date", widget=DateInput(),
        error_messages={"invalid": "Enter the to date as YYYY-MM-DD."},
    )
    staff = forms.TypedChoiceField(required=False, label="Staff member", coerce=uuid.UUID, empty_value=None,
                                   widget=PlainSelect())
    actor = forms.CharField(
        required=False, max_length=150, label="Username",
        help_text="Any username, including one that is not a staff account (failed sign-ins).",
    )
    action = forms.ChoiceField(required=False, label="Action", widget=PlainSelect(),
                               help_text="A group (\u201ccouple.*\u201d: every couple action) or one action.")
    outcome = forms.ChoiceField(
        required=False, label="Outcome", choices=[("", "Any outcome"), *AuditEvent.Outcome.choices],
    )
    couple = forms.CharField(
        required=False, max_length=20, label="Couple reference", help_text="The case number, e.g. C-2026-0001.",
    )
    record = forms.UUIDField(
        required=False, label="Record or couple id",
        error_messages={"invalid": "Enter a record id as shown in the log (32 hex digits, with or without dashes)."},
    )

    def __init__(self, *args: Any, staff: list[Any] = (), actions: list[str] = (),
                 find_couple: Callable[[str], Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.find_couple = find_couple
        self.fields["staff"].choices = [("", "Anyone")] + [
            (str(user.pk), f"{user.display_name} ({user.username}){'' if user.is_active else ', deactivated'}")
            for user in staff
        ]
        groups = sorted({action.split(".", 1)[0] + "." for action in actions if "." in action})
        self.fields["action"].choices = [
            ("", "Any action"),
            ("Groups", [(group, f"{group}* (every {group[:-1]} action)") for group in groups]),
            ("Actions", [(action, action) for action in actions]),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The to date must be on or after the from date.")
        reference = (data.get("couple") or "").strip()
        data["couple_id"] = None
        if reference and self.find_couple is not None:
            data["couple_id"] = self.find_couple(reference)
            if data["couple_id"] is None:
                self.add_error("couple", "No couple of your practice has this reference. Check the case number.")
        return data

    def used_filters(self) -> list[str]:
        """Names of the filters given (for the export's audit event: values may be free text)."""
        return sorted(name for name, value in self.cleaned_data.items()
                      if name != "couple_id" and value not in (None, ""))
