"""The form kit every app's pages share: the error summary, a service's errors on a form, and widgets.

Pairs with the shared templates forms/_field.html (one field) and forms/_error_summary.html (the summary at the
top of a page, fed by `error_summary`). Domain forms stay in their app; nothing here knows a domain model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


@dataclass(frozen=True)
class SummaryItem:
    """One line of the error summary: `text`, linking to the element with id `anchor` ("" for no link)."""

    anchor: str
    text: str


def error_summary(*forms_: forms.Form) -> list[SummaryItem]:
    """Every error of the given forms, each linking to its field, for the summary at the top of a page.

    A form with a `partner_label` ("Partner A") puts it before each of its messages. A form whose fields come
    from several numbered lists (a screener's questions and a plan's steps) names each field in the summary by
    its `summary_label(name)` ("Screen, question 6 – Suicidal behaviour (lifetime)"), so two "6."s differ.
    """
    items = []
    for form in forms_:
        if not form.is_bound:
            continue
        prefix = getattr(form, "partner_label", "")
        lead = f"{prefix}: " if prefix else ""
        label_of = getattr(form, "summary_label", None)
        for error in form.non_field_errors():
            items.append(SummaryItem("", f"{lead}{error}"))
        for field in form:
            if field.is_hidden:
                for error in field.errors:
                    items.append(SummaryItem("", f"{lead}{error}"))
                continue
            label = label_of(field.name) if label_of else field.label
            for error in field.errors:
                text = str(error).removeprefix(f"{field.label}: ")
                named = text if text.startswith(f"{label}:") else f"{label}: {text}"
                items.append(SummaryItem(_anchor(field), f"{lead}{named}"))
    return items


def _anchor(field: forms.BoundField) -> str:
    """The id a summary link jumps to: the field's own, or for a group of radios or checkboxes (which has
    no single label target) its first option."""
    if field.id_for_label:
        return field.id_for_label
    if field.auto_id and isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{field.auto_id}_0"
    return ""


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one, else at the top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class DateInput(forms.DateInput):
    """The browser's date picker; the value is written as ISO 8601 (YYYY-MM-DD), the only form it reads. It carries
    the practice's language (`lang="en-US"`, rapport.locale), which browsers that follow the element's language use
    for the picker's month/day order; the others show the browser's own order."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None, format: str | None = "%Y-%m-%d") -> None:
        super().__init__(attrs, format)

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        language = translation.get_language() or "en-gb"
        code, _, region = language.partition("-")
        attrs = {"lang": f"{code}-{region.upper()}" if region else code, **(attrs or {})}
        return super().get_context(name, value, attrs)


class PrivateTextInput(forms.TextInput):
    """A text box the browser must not fill in from the therapist's own saved details."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"autocomplete": "off", **(attrs or {})})


class PlainSelect(forms.Select):
    """A <select> written in Python. Django renders a template per option; for a practice's fifty clinicians
    that was a third of the couple page's time. Same attributes (id, aria-*, required) and escaping."""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((option["value"], mark_safe(" selected") if option["selected"] else "", option["label"])
             for _group, group_options, _index in widget["optgroups"] for option in group_options),
        )
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options)
