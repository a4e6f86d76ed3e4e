"""Forms of the outcome-measure pages: choosing an instrument, recording an administration, acknowledging
a risk flag, a plan's measure schedule, and a practice's own instrument.

Plain forms: plans.services.measures does the writing and checks the same rules again. Error messages
say what to fix, naming the item by number and the start of its wording, and never repeat what was typed.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.models import PartnerPosition
from plans.instruments import Instrument, Item
from plans.models import SHORT_TEXT_MAX, ScheduleEvery
from rapport.forms import DateInput, SummaryItem

DEFINITION_MAX_CHARS = 200_000


def item_field_name(item: Item) -> str:
    return f"item_{item.number}"


class InstrumentChoiceForm(forms.Form):
    """Step one of recording (GET): which instrument, and for whom."""

    instrument = forms.ChoiceField(label="Instrument", error_messages={
        "required": "Choose an instrument.", "invalid_choice": "Choose one of the listed instruments.",
    })
    partner = forms.ChoiceField(
        label="Partner", required=False, choices=[("", "Choose on the next page"), *PartnerPosition.choices],
        error_messages={"invalid_choice": "Choose partner A or partner B."},
    )

    def __init__(self, *args: Any, instruments: Mapping[str, Instrument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [
            (code, f"{instrument.name}, {len(instrument.items)} items") for code, instrument in instruments.items()
        ]


class MeasureRecordForm(forms.Form):
    """Partner, date and every item of one instrument, each item a radio group: required, except on
    instruments that accept partial forms (PHQ-9, GAD-7), where an item left blank is stored as unanswered
    and the record is marked incomplete. Those also ask the unscored difficulty question (optional)."""

    partner = forms.ChoiceField(
        label="Partner", widget=forms.RadioSelect,
        error_messages={"required": "Choose which partner answered.",
                        "invalid_choice": "Choose partner A or partner B."},
    )
    administered_on = forms.DateField(
        label="Date given", widget=DateInput(), initial=timezone.localdate,
        error_messages={"required": "Enter the date the questionnaire was answered.",
                        "invalid": "Enter the date as a real date, for example 2026-03-14."},
    )

    def __init__(self, *args: Any, instrument: Instrument, partner_labels: Mapping[str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        labels = partner_labels or {}
        self.fields["partner"].choices = [(value, labels.get(value, label)) for value, label in PartnerPosition.choices]
        for item in instrument.items:
            self.fields[item_field_name(item)] = forms.TypedChoiceField(
                label=f"Item {item.number}",
                choices=[(str(option.value), option_label(option.value, option.label)) for option in item.options],
                coerce=int,
                empty_value=None,
                required=not instrument.accepts_partial,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"{item.reference} needs an answer.",
                    "invalid_choice": f"{item.reference}: choose one of the listed answers.",
                },
            )

        if instrument.difficulty_item is not None:
            item = instrument.difficulty_item
            self.fields["difficulty"] = forms.TypedChoiceField(
                label=item.text, required=False, coerce=int, empty_value=None, widget=forms.RadioSelect,
                choices=[(str(option.value), option_label(option.value, option.label)) for option in item.options],
                help_text="Not scored. Optional.",
                error_messages={"invalid_choice": "Difficulty question: choose one of the listed answers."},
            )

    def clean_administered_on(self) -> datetime.date:
        value = self.cleaned_data["administered_on"]
        if value > timezone.localdate():
            raise ValidationError("The date cannot be in the future.")
        return value

    @property
    def item_fields(self) -> list[tuple[Item, forms.BoundField]]:
        return [(item, self[item_field_name(item)]) for item in self.instrument.items]

    @property
    def answers(self) -> list[int | None]:
        return [self.cleaned_data.get(item_field_name(item)) for item in self.instrument.items]

    @property
    def difficulty_answer(self) -> int | None:
        return self.cleaned_data.get("difficulty")

    def add_answer_errors(self, messages: list[str]) -> None:
        """Put the service's per-item messages ("Item 3 (...) ...") on their items, the rest at the top."""
        for message in messages:
            item = next((i for i in self.instrument.items if message.startswith(f"{i.reference}")), None)
            self.add_error(item_field_name(item) if item else None, message)


def option_label(value: int, label: str) -> str:
    return f"{label} ({value})" if label else str(value)


def record_error_summary(form: MeasureRecordForm) -> list[SummaryItem]:
    """The error summary of the record form: item messages already name their item, so they stand alone."""
    if not form.is_bound:
        return []
    items = [SummaryItem("", str(error)) for error in form.non_field_errors()]
    for field in form:
        for error in field.errors:
            if field.name.startswith("item_"):
                items.append(SummaryItem(f"{field.auto_id}_0", str(error)))
            else:
                anchor = f"{field.auto_id}_0" if field.name == "partner" else field.id_for_label
                items.append(SummaryItem(anchor, f"{field.label}: {error}"))
    return items


class RiskAcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What was done", max_length=SHORT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: risk assessed with the partner today, safety plan agreed, GP informed.",
        error_messages={
            "required": "Write what was done about the risk before acknowledging it.",
            "max_length": f"Keep the note to {SHORT_TEXT_MAX:,} characters or fewer.",
        },
    )


class RiskQuestionForm(RiskAcknowledgeForm):
    """Following up a risk question left blank: what the partner said when asked."""

    note = forms.CharField(
        label="What the partner said when asked, and what was done", max_length=SHORT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: asked in today's session; no thoughts of self-harm in the last two weeks.",
        error_messages={
            "required": "Write what the partner said when asked the risk question.",
            "max_length": f"Keep the note to {SHORT_TEXT_MAX:,} characters or fewer.",
        },
    )


NOT_SCHEDULED = ""


class ScheduleForm(forms.Form):
    """How often each instrument is given to both partners; "not scheduled" leaves it out."""

    schedule_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1,
                                          error_messages={"required": "The form was incomplete: reload the page."})

    def __init__(self, *args: Any, instruments: Mapping[str, Instrument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instruments = instruments
        choices = [(NOT_SCHEDULED, "Not scheduled"), *ScheduleEvery.choices]
        for code, instrument in instruments.items():
            self.fields[f"every_{code}"] = forms.ChoiceField(
                label=instrument.name, required=False, choices=choices,
                error_messages={"invalid_choice": "Choose how often from the list."},
            )

    @property
    def entries(self) -> dict[str, str]:
        return {
            code: self.cleaned_data[f"every_{code}"]
            for code in self.instruments if self.cleaned_data.get(f"every_{code}")
        }


class CustomInstrumentForm(forms.Form):
    code = forms.SlugField(
        label="Code", max_length=40,
        help_text="Short, lower-case letters, digits and hyphens, for example ors or das-32.",
        error_messages={"required": "Enter a code for the instrument.",
                        "invalid": "Use only lower-case letters, digits, hyphens and underscores.",
                        "max_length": "Keep the code to 40 characters or fewer."},
    )
    definition = forms.CharField(
        label="Definition (JSON)", widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        max_length=DEFINITION_MAX_CHARS,
        help_text="Items, options, bands, cut-off and reliable-change threshold, in the shape shown below.",
        error_messages={"required": "Paste the instrument's definition.",
                        "max_length": f"Keep the definition to {DEFINITION_MAX_CHARS:,} characters or fewer."},
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].lower()

    def clean_definition(self) -> Any:
        try:
            return json.loads(self.cleaned_data["definition"])
        except ValueError as error:
            line = getattr(error, "lineno", None)
            where = f" (line {line})" if line else ""
            raise ValidationError(f"This is not valid JSON{where}: check brackets, quotes and commas.") from None
