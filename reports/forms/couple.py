"""The couple progress report's options form."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from rapport.forms import DateInput
from reports.models import ReportAudience

MAX_PERIOD_DAYS = 3 * 366


class _Radios(forms.RadioSelect):
    """Radio buttons whose error-summary link goes to the first button (Django links nowhere by default)."""

    def id_for_label(self, id_: str, index: str | None = "0") -> str:
        return super().id_for_label(id_, index)


class ProgressReportForm(forms.Form):
    """Period and options of a couple progress report. Submitted by GET: dates and switches only, never a name."""

    start = forms.DateField(
        label="From", widget=DateInput(),
        error_messages={"required": "Enter the first day of the period.",
                        "invalid": "Enter the first day as a date, for example 2026-01-31."},
    )
    end = forms.DateField(
        label="To", widget=DateInput(),
        error_messages={"required": "Enter the last day of the period.",
                        "invalid": "Enter the last day as a date, for example 2026-01-31."},
    )
    audience = forms.ChoiceField(
        label="Who the report is for", required=False, widget=_Radios, initial=ReportAudience.CLINICAL,
        choices=[
            (ReportAudience.CLINICAL, "The clinical record or a supervisor: everything below that you may see"),
            (ReportAudience.COUPLE, "The couple themselves: plan, attendance and relationship measures; a partner's "
                                    "own measures (PHQ-9, GAD-7) only with their recorded consent; never notes"),
        ],
        help_text="A report for the couple never holds session notes, psychotherapy notes or IPV screen results; "
                  "the options below apply to reports for the record.",
        error_messages={"invalid_choice": "Choose who the report is for: the clinical record or the couple."},
    )
    include_notes = forms.BooleanField(
        label="Include the assessment and plan sections of signed notes", required=False, initial=True,
        help_text="SOAP and DAP: assessment and plan; BIRP: response and plan. Drafts and psychotherapy notes are "
                  "never included.",
    )
    full_scores = forms.BooleanField(
        label="Include every score by date under each measure's chart", required=False, initial=False,
        help_text="By default each measure shows its chart and each partner's first and latest score.",
    )
    exclude_partner = forms.ChoiceField(
        label="Individual sessions", required=False, widget=_Radios, initial="",
        help_text="Leaving a partner's individual sessions out removes them entirely: notes and attendance.",
        error_messages={"invalid_choice": "Choose one of the three options."},
    )

    def __init__(self, *args: Any, partner_names: dict[str, str] | None = None,
                 treatment_start: datetime.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = partner_names or {}
        self.treatment_start = treatment_start

        def label(position: str) -> str:
            name = names.get(position)
            return f"Leave out the individual sessions of partner {position.upper()}" + (f" ({name})" if name else "")

        self.fields["exclude_partner"].choices = [
            ("", "Include both partners' individual sessions (as the confidentiality agreement allows)"),
            ("a", label("a")), ("b", label("b")),
        ]

    def clean_audience(self) -> str:
        return self.cleaned_data.get("audience") or ReportAudience.CLINICAL

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start: datetime.date | None = data.get("start")
        end: datetime.date | None = data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The last day must be on or after the first day.")
            elif (end - start).days > MAX_PERIOD_DAYS and not (self.treatment_start and start >= self.treatment_start):
                # Longer only within the treatment (treatment to date, the default, may be longer).
                self.add_error("end", "Choose a period of three years or less, or one within the treatment.")
        return data
