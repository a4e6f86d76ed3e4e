"""The practice report's month picker (?month=YYYY-MM)."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from reports.selectors.practice import Month

EARLIEST = datetime.date(2000, 1, 1)
MONTH_PATTERN = re.compile(r"^\d{4}-\d{2}$")
BAD_FORMAT = "Enter the year and month as four digits, a dash and two digits, e.g. 2025-09."


class MonthForm(forms.Form):
    month = forms.CharField(
        label="Month", max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}", "inputmode": "numeric"}),
        help_text="Year and month, for example 2025-09.",
        error_messages={"required": "Choose a month, for example 2025-09.", "max_length": BAD_FORMAT},
    )

    def clean_month(self) -> Month:
        value = self.cleaned_data["month"].strip()
        if not MONTH_PATTERN.match(value):
            raise ValidationError(BAD_FORMAT)
        try:
            month = Month.parse(value)
        except ValueError:
            raise ValidationError("Enter a month from 01 to 12, e.g. 2025-09.") from None
        current = Month.of(timezone.localdate())
        if month.start > current.start:
            raise ValidationError(f"Choose {current.label} or an earlier month: later months have not begun.")
        if month.start < EARLIEST:
            raise ValidationError("Choose a month from January 2000 onwards.")
        return month
