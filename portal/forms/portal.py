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


class PortalMeasureForm(MeasureRecordForm):
    """One questionnaire on one page: the items only (partner and date are the partner's own and today).

    A risk item left blank (PHQ-9 item 9) is asked about once more: the first send is refused with a kind
    message on the item, and the page carries `risk_item_asked` so that a second send with it still blank goes
    through (the partner may leave it blank; the therapist is then told to ask at the next contact)."""

    ASKED_FIELD = "risk_item_asked"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["partner"]
        del self.fields["administered_on"]
        self.risk_item_asked = self.is_bound and self.data.get(self.ASKED_FIELD) == "1"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.risk_item_asked:
            for item in self.instrument.items:
                name = item_field_name(item)
                if item.number in self.instrument.risk_items and name in self.fields and data.get(name) is None \
                        and name not in self.errors:
                    self.add_error(name, RISK_ITEM_PROMPT.format(number=item.number))
                    self.risk_item_asked = True
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
