"""The form that asks for a report batch: which month, and (clinicians) whether to include note sections."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

MONTHS_OFFERED = 12


def month_choices(today: datetime.date | None = None) -> list[tuple[str, str]]:
    """This month and the eleven before it, newest first: ("2026-10", "October 2026")."""
    month = (today or timezone.localdate()).replace(day=1)
    choices = []
    for _ in range(MONTHS_OFFERED):
        choices.append((f"{month:%Y-%m}", f"{month:%B %Y}"))
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return choices


class BatchRequestForm(forms.Form):
    month = forms.ChoiceField(label="Month", help_text="Reports cover the whole month, from the 1st to its last day.")
    include_notes = forms.BooleanField(
        label="Include the assessment and plan of each signed note", required=False, initial=True,
        help_text="Psychotherapy notes and unsigned drafts are never included.",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = month_choices()
        self.fields["month"].choices = choices
        self.fields["month"].initial = choices[1][0]  # "for October", asked in November
        if not user.is_clinician:
            del self.fields["include_notes"]

    def clean_month(self) -> datetime.date:
        return datetime.date.fromisoformat(f"{self.cleaned_data['month']}-01")
