"""Choosing a period for practice reports and the session export: a month, a quarter, the year to date, or any
range of days. Submitted by GET (dates only)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from rapport.forms import DateInput
from reports.selectors.session_export import Period

MAX_DAYS = 3 * 366
EARLIEST = datetime.date(2000, 1, 1)

THIS_MONTH, LAST_MONTH, THIS_QUARTER, LAST_QUARTER, YEAR_TO_DATE, CUSTOM = (
    "month", "last_month", "quarter", "last_quarter", "year_to_date", "custom")


def preset_period(choice: str, today: datetime.date) -> Period:
    if choice == THIS_MONTH:
        return Period.month(today)
    if choice == LAST_MONTH:
        return Period.month(today.replace(day=1) - datetime.timedelta(days=1))
    if choice == THIS_QUARTER:
        return Period.quarter(today)
    if choice == LAST_QUARTER:
        return Period.quarter(Period.quarter(today).start - datetime.timedelta(days=1))
    if choice == YEAR_TO_DATE:
        return Period.year_to_date(today)
    raise ValueError(choice)


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        label="Period", initial=LAST_MONTH,
        choices=[(LAST_MONTH, "Last month"), (THIS_MONTH, "This month (so far)"), (LAST_QUARTER, "Last quarter"),
                 (THIS_QUARTER, "This quarter (so far)"), (YEAR_TO_DATE, "Year to date"),
                 (CUSTOM, "From and to the dates below")],
        error_messages={"required": "Choose a period.", "invalid_choice": "Choose one of the periods listed."},
    )
    start = forms.DateField(label="From", required=False, widget=DateInput(),
                            error_messages={"invalid": "Enter the first day as a date, for example 2026-01-31."})
    end = forms.DateField(label="To", required=False, widget=DateInput(),
                          error_messages={"invalid": "Enter the last day as a date, for example 2026-01-31."})

    def __init__(self, *args: Any, today: datetime.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        choice = data.get("period")
        if not choice:
            return data
        if choice != CUSTOM:
            data["chosen"] = preset_period(choice, self.today)
            return data
        start, end = data.get("start"), data.get("end")
        if start is None and "start" not in self.errors:
            self.add_error("start", "Enter the first day of the period.")
        if end is None and "end" not in self.errors:
            self.add_error("end", "Enter the last day of the period.")
        if start and end:
            if end < start:
                self.add_error("end", "The last day must be on or after the first day.")
            elif (end - start).days > MAX_DAYS:
                self.add_error("end", "Choose a period of three years or less.")
            elif start < EARLIEST:
                self.add_error("start", "Choose a first day from 1 January 2000 onwards.")
            else:
                data["chosen"] = Period(start, end)
        return data
