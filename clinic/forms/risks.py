"""Forms of the risk register: acknowledging a risk with its follow-up (for a suicide risk, with its screen and
safety plan), closing it, and a partner's screens and safety plan on the safety page."""

from __future__ import annotations

from django import forms

from clinic import cssrs
from clinic.services.risks import FOLLOW_UP_MAX
from rapport.forms import DateInput, PlainSelect


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


class RiskCheckForm(forms.Form):
    note = forms.CharField(
        label="What the check found", max_length=FOLLOW_UP_MAX, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: asked partner B alone today, no incident since, safety plan still in place. Added "
                  "with today's date to the follow-up.",
        error_messages={"required": "Write what the check found and what happens next."},
    )
    follow_up_on = forms.DateField(
        label="Check again on", required=False, widget=DateInput(),
        help_text="The next day to check (optional). Close the risk instead if it needs no more watching.",
        error_messages={"invalid": "Enter the day as a date, for example 2026-12-31."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class RiskCloseForm(forms.Form):
    note = forms.CharField(
        label="Why it can be closed", max_length=FOLLOW_UP_MAX, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: reassessed on 4 December, no current ideation, safety plan in place.",
        error_messages={"required": "Write why this risk can be closed."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


YES_NO = (("", "Not asked"), ("yes", "Yes"), ("no", "No"))
ANSWER = {"yes": True, "no": False, "": None}


def _screen_fields() -> dict[str, forms.Field]:
    return {key: forms.ChoiceField(label=label, choices=YES_NO, required=False, widget=PlainSelect)
            for key, label in cssrs.QUESTIONS}


def _plan_fields() -> dict[str, forms.Field]:
    return {name: forms.CharField(label=heading, help_text=hint, required=False, max_length=cssrs.PLAN_SECTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 2}))
            for name, heading, hint in cssrs.PLAN_SECTIONS}


class ScreenAnswersMixin:
    """The C-SSRS screener's answers (clinic.cssrs), each "Not asked", "Yes" or "No"."""

    cleaned_data: dict

    def screen_answers(self) -> dict[str, bool | None]:
        return {key: ANSWER[self.cleaned_data.get(key) or ""] for key, _ in cssrs.QUESTIONS}

    def plan_sections(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in cssrs.PLAN_FIELDS}

    def summary_label(self, name: str) -> str:
        """The error summary's name of a field: a question or step says which list it is from (clinic.cssrs)."""
        return cssrs.summary_label(name) or self.fields[name].label  # type: ignore[attr-defined]

    def screen_fields(self) -> list:
        return [self[key] for key, _ in cssrs.QUESTIONS]  # type: ignore[index]

    def plan_section_fields(self) -> list:
        return [self[name] for name in cssrs.PLAN_FIELDS]  # type: ignore[index]


class SuicideRiskAcknowledgeForm(ScreenAnswersMixin, RiskAcknowledgeForm):
    """Acknowledging a suicide or self-harm risk: the follow-up, plus the screen and the safety plan
    (prefilled with the plan in force, whose number is `plan_version`) or why no plan was made."""

    plan_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    safety_plan_not_made = forms.CharField(
        label="If no safety plan was made: why", required=False, max_length=cssrs.PLAN_SECTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only after a negative or low-risk screen, for example: screen negative, no current ideation.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_screen_fields())
        self.fields.update(_plan_fields())


class SuicideScreenForm(ScreenAnswersMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_screen_fields())


class SafetyPlanForm(ScreenAnswersMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_plan_fields())
