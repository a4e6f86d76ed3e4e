"""Forms of the partner portal (sign-in, password, authenticator, a questionnaire, homework entries) and of
the therapist's portal-access page. The partner's questionnaire and homework forms are the clinician's
forms of plans without the partner choice: the partner is always the signed-in one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError

from plans.forms.cbt import CheckingLogForm, ExperimentForm, ThoughtRecordForm
from plans.forms.measures import MeasureRecordForm, item_field_name


class PortalSignInForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254, widget=forms.EmailInput(
        attrs={"autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"required": "Enter your email address.", "invalid": "Enter your email address."})
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password"}), error_messages={"required": "Enter your password."})


class CodeForm(forms.Form):
    token = forms.CharField(label="6-digit code from your authenticator app", max_length=6, min_length=6,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "pattern": "[0-9]*"}),
                            error_messages={"required": "Enter the 6-digit code.",
                                            "min_length": "Enter all 6 digits.", "max_length": "Enter 6 digits."})


class SetPasswordForm(forms.Form):
    password = forms.CharField(label="Choose a password", strip=False, help_text=password_validators_help_text_html(),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               error_messages={"required": "Choose a password."})
    password_again = forms.CharField(label="Type it again", strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                     error_messages={"required": "Type the password again."})

    def clean(self) -> dict[str, Any]:
        """Every applicable error at once: the password rules (AUTH_PASSWORD_VALIDATORS, which the service
        checks again) and the mismatch."""
        data = super().clean()
        password, again = data.get("password"), data.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", "The two passwords are not the same.")
        if password:
            try:
                validate_password(password)
            except ValidationError as error:
                self.add_error("password", error)
        return data


RISK_ITEM_PROMPT = (
    "You left question {number} blank. Your answer to it helps your therapist look after you, whatever it is. "
    "Please choose the answer that fits best. If you would rather not answer it, you can leave it blank and "
    "press \u201cSend my answers\u201d again."
)
# Item 9 when the form cannot be sent anyway (too many blanks): no "leave it blank" here.
RISK_ITEM_PROMPT_MUST = (
    "You left question {number} blank. Your answer to it helps your therapist look after you, whatever it is. "
    "Please choose the answer that fits best."
)
BLANK_ITEM_MAY_SEND = "choose an answer, or leave it blank and press \u201cSend my answers\u201d again."
BLANK_ITEM_MUST = "choose an answer."


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class PortalMeasureForm(MeasureRecordForm):
    """One questionnaire on one page: the items only (partner and date are the partner's own and today).

    Blank questions are never sent unnoticed. The first send with any question blank is refused, with every
    blank question named in the error summary (the answers given kept), and the page carries the blank
    questions' numbers in `blank_items_asked`. A second send with no other question blank goes through, but
    only when the form is still scorable under the instrument's published partial-form rule
    (`Instrument.proration`: a PHQ-9 with at most 2 of 9 items blank, Arrieta et al. 2017; the GAD-7 and
    the other instruments have none, so every question must be answered). With too many blanks the form is
    refused every time, saying how many more must be answered. A blank risk item (PHQ-9 item 9) gets its own
    kind message; sent blank, the therapist is told to ask at the next contact (plans.services.measures)."""

    ASKED_FIELD = "blank_items_asked"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["partner"]
        del self.fields["administered_on"]
        for item in self.instrument.items:
            field = self.fields[item_field_name(item)]
            field.label = f"Question {item.number}"
            field.required = False  # a blank is handled in clean(), the same way on every instrument
        self.blank_items_asked = self._asked() if self.is_bound else frozenset()

    def _asked(self) -> frozenset[int]:
        raw = str(self.data.get(self.ASKED_FIELD, ""))
        return frozenset(int(part) for part in raw.split(",") if part.strip().isdigit())

    @property
    def asked_value(self) -> str:
        return ",".join(str(number) for number in sorted(self.blank_items_asked))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        blank = [item for item in self.instrument.items
                 if item_field_name(item) in self.fields and data.get(item_field_name(item)) is None
                 and item_field_name(item) not in self.errors]
        if not blank:
            return data
        numbers = {item.number for item in blank}
        proration = self.instrument.proration
        may_leave = proration.max_missing if (proration is not None and self.instrument.accepts_partial) else 0
        too_many = len(blank) > may_leave
        if not too_many and numbers <= self.blank_items_asked:
            return data  # asked once, and still scorable: the partner chose to send without them
        self.blank_items_asked = frozenset(numbers)
        count = _plural(len(blank), "question")
        if too_many:
            allowed = (f"up to {may_leave} may be left blank" if may_leave
                       else "every question needs an answer")
            self.add_error(None, f"{count} {'is' if len(blank) == 1 else 'are'} blank. Answer at least "
                                 f"{_plural(len(blank) - may_leave, 'more question')} to send: {allowed}.")
        else:
            self.add_error(None, f"{count} {'is' if len(blank) == 1 else 'are'} blank. You can answer "
                                 f"{'it' if len(blank) == 1 else 'them'}, or press \u201cSend my answers\u201d "
                                 f"again to send without {'it' if len(blank) == 1 else 'them'}.")
        for item in blank:
            if item.number in self.instrument.risk_items:
                message = (RISK_ITEM_PROMPT_MUST if too_many else RISK_ITEM_PROMPT).format(number=item.number)
            else:
                message = BLANK_ITEM_MUST if too_many else BLANK_ITEM_MAY_SEND
            self.add_error(item_field_name(item), message)
        return data


# The clinician's forms speak about the partner ("What went through their mind"); the portal's speak to them.
# {field: (label or None to keep it, help text or None to keep it)}
SECOND_PERSON: dict[str, tuple[str | None, str | None]] = {
    "automatic_thought": (None, "What went through your mind, in your own words, e.g. \"she is hiding something "
                                "from me\"."),
    "balanced_belief": ("Your belief in the balanced thought (0-100)",
                        "How much you believe the balanced thought: 0 not at all, 100 completely."),
    "prediction": (None, "What you expect will happen, e.g. \"if I don't text back within an hour, he will be "
                         "angry\"."),
    "experiment": ("What you did", "The experiment as you carried it out."),
    "learned": ("What you learned", None),
    "belief_before": ("Your belief in the prediction before (0-100)", None),
    "belief_after": ("Your belief in the prediction after (0-100)", None),
    "resisted": ("Did you resist the urge?", None),
    "prediction_confirmed": ("Did your prediction come true?", None),
}
# The same field names mean the automatic thought on a thought record.
THOUGHT_RECORD_SECOND_PERSON: dict[str, tuple[str | None, str | None]] = {
    "belief_before": ("Your belief in the automatic thought at the time (0-100)",
                      "How much you believed it when it came: 0 not at all, 100 completely."),
    "belief_after": ("Your belief in the automatic thought now (0-100)",
                     "Rate it again after weighing the evidence and writing the balanced thought."),
}
# Fields the clinician's form checks in clean() (at least one mood, rated) that the portal marks as required.
MOOD_REQUIRED = {"mood_1": "Name at least one mood, e.g. anxious.",
                 "mood_1_before": "Rate how strong the mood was before, from 0 to 100."}


def _without_partner(form_class: type[forms.Form]) -> type[forms.Form]:
    class PortalForm(form_class):
        # The objective an entry feeds is chosen for the partner (portal.services.entries), never by them.
        model_fields = tuple(name for name in form_class.model_fields if name not in ("partner", "objective_lineage"))

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            del self.fields["partner"]
            self.fields.pop("objective_lineage", None)
            overrides = {**SECOND_PERSON,
                         **(THOUGHT_RECORD_SECOND_PERSON if issubclass(form_class, ThoughtRecordForm) else {})}
            for name, (label, help_text) in overrides.items():
                if name in self.fields:
                    self.fields[name].label = label or self.fields[name].label
                    self.fields[name].help_text = help_text if help_text is not None else self.fields[name].help_text
            for name, message in MOOD_REQUIRED.items():
                if name in self.fields:
                    self.fields[name].required = True
                    self.fields[name].error_messages = {**self.fields[name].error_messages, "required": message}

    PortalForm.__name__ = f"Portal{form_class.__name__}"
    return PortalForm


class PortalCheckingLogForm(_without_partner(CheckingLogForm)):
    """The partner logs an urge; the objective it feeds is the plan's checking objective, chosen for them."""

    model_fields = ("occurred_on", "kind", "trigger", "resisted")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, objectives=[], **kwargs)
        self.fields.pop("objective_lineage", None)


PORTAL_CBT_FORMS: dict[str, type[forms.Form]] = {
    "checking": PortalCheckingLogForm,
    "thought-record": _without_partner(ThoughtRecordForm),
    "experiment": _without_partner(ExperimentForm),
}


# --- The therapist's portal-access page ---------------------------------------------------------------


class InviteForm(forms.Form):
    """Prefixed by the partner (invite_a, invite_b): both forms are on one page."""

    email = forms.EmailField(label="Partner's email address", max_length=254,
                             error_messages={"required": "Enter the partner's email address.",
                                             "invalid": "Enter an email address like name@example.com."})


class SharingForm(forms.Form):
    share_charts = forms.BooleanField(label="Show them charts of their own scores", required=False)
    share_goals = forms.BooleanField(label="Show them the plan goals for them", required=False)


class SendMeasureForm(forms.Form):
    instrument = forms.ChoiceField(label="Questionnaire", error_messages={
        "required": "Choose a questionnaire.", "invalid_choice": "Choose one of the listed questionnaires."})

    def __init__(self, *args: Any, instruments: dict, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [(code, i.name) for code, i in instruments.items()]
