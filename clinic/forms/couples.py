"""Forms of the couple, partner, client and care-team pages.

Plain forms: the services in clinic.services.couples do the writing. Error messages say what to fix and
never repeat what was typed (it may be a client's name or clinical text).
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from clinic.ipv import HITS_ITEMS, HITS_OPTIONS
from clinic.models import (
    NAME_MAX,
    NOTE_TEXT_MAX,
    CareRole,
    CareTeamMember,
    Confidentiality,
    CoupleStatus,
    DischargeReason,
    IPVResult,
    PartnerPosition,
    User,
)
from clinic.services.discharge import DISCHARGE_FIELDS, discharge_errors
from keys.blind_index import normalise_name
from rapport.forms import DateInput, PlainSelect, PrivateTextInput


def _not_in_future(value: datetime.date | None, message: str) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(message)


def _today() -> datetime.date:
    return timezone.localdate()


class ClientIdentityForm(forms.Form):
    """One partner's identity and contact details, as typed on the "New couple" page.

    `partner_label` ("Partner A") is announced before each field's label, so a screen reader says
    "Partner A: Last name" and the error summary says which partner a message is about.
    """

    first_name = forms.CharField(
        label="First name", max_length=NAME_MAX, widget=PrivateTextInput(),
        error_messages={"required": "Enter the first name."},
    )
    last_name = forms.CharField(
        label="Last name", max_length=NAME_MAX, widget=PrivateTextInput(),
        error_messages={"required": "Enter the last name."},
    )
    preferred_name = forms.CharField(
        label="Preferred name", max_length=NAME_MAX, required=False, widget=PrivateTextInput(),
        help_text="What they like to be called, if different from the first name.",
    )
    pronouns = forms.CharField(
        label="Pronouns", max_length=40, required=False, widget=PrivateTextInput(),
        help_text="For example: she/her, he/him, they/them.",
    )
    date_of_birth = forms.DateField(
        label="Date of birth", required=False, widget=DateInput(),
        error_messages={"invalid": "Enter the date of birth as a real date, for example 1988-04-12."},
    )
    email = forms.EmailField(
        label="Email", max_length=254, required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={"invalid": "Enter an email address like name@example.org."},
    )
    phone = forms.CharField(
        label="Phone", max_length=40, required=False, widget=PrivateTextInput({"type": "tel"}),
    )

    def __init__(self, *args: Any, partner_label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partner_label = partner_label

    def clean_date_of_birth(self) -> datetime.date | None:
        value = self.cleaned_data.get("date_of_birth")
        _not_in_future(value, "The date of birth cannot be in the future.")
        return value


class ClientEditForm(ClientIdentityForm):
    """Identity, contact details and emergency contact of one client."""

    address = forms.CharField(
        label="Address", max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
    emergency_contact_name = forms.CharField(
        label="Emergency contact: name", max_length=NAME_MAX, required=False, widget=PrivateTextInput(),
    )
    emergency_contact_phone = forms.CharField(
        label="Emergency contact: phone", max_length=40, required=False, widget=PrivateTextInput({"type": "tel"}),
    )


class CoupleCreateForm(forms.Form):
    """The case itself, on the "New couple" page."""

    start_date = forms.DateField(
        label="Start date", initial=_today, widget=DateInput(),
        help_text="The date of the first contact or intake session.",
        error_messages={"required": "Enter the start date.", "invalid": "Enter the start date as a real date."},
    )
    presenting_concerns = forms.CharField(
        label="Presenting concerns", max_length=NOTE_TEXT_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What brought them to therapy, in their words where you can: for example trust issues after "
                  "an affair, frequent arguments about money, feeling disconnected.",
    )
    confidentiality = forms.ChoiceField(
        label="Confidentiality agreement", choices=Confidentiality.choices, initial=Confidentiality.NOT_RECORDED,
        help_text="What may be shared between partners from individual sessions. Record each partner's "
                  "agreement date on the couple's page.",
    )


def same_person(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two partners' cleaned identities name one person (same folded name and date of birth)."""
    def name(data: dict[str, Any]) -> str:
        return normalise_name(f"{data.get('first_name', '')} {data.get('last_name', '')}")

    return name(a) == name(b) and a.get("date_of_birth") == b.get("date_of_birth")


class CoupleRegistration:
    """The "New couple" page: Partner A, Partner B and the case, validated together."""

    def __init__(self, data: Any = None) -> None:
        self.partner_a = ClientIdentityForm(data, prefix=PartnerPosition.A.value, partner_label=PartnerPosition.A.label)
        self.partner_b = ClientIdentityForm(data, prefix=PartnerPosition.B.value, partner_label=PartnerPosition.B.label)
        self.case = CoupleCreateForm(data)

    @property
    def partner_forms(self) -> list[ClientIdentityForm]:
        return [self.partner_a, self.partner_b]

    @property
    def forms(self) -> list[forms.Form]:
        return [self.partner_a, self.partner_b, self.case]

    def is_valid(self) -> bool:
        results = [form.is_valid() for form in self.forms]  # validate every form, not just up to the first error
        valid = all(results)
        if valid and same_person(self.partner_a.cleaned_data, self.partner_b.cleaned_data):
            self.partner_b.add_error(
                None,
                "Partner B has the same name and date of birth as Partner A. A couple is two different "
                "people: check both partners' names.",
            )
            return False
        return valid


class CoupleEditForm(forms.Form):
    """Case details. `version` is the version the user started from (see couple_update)."""

    status = forms.ChoiceField(label="Status", choices=CoupleStatus.choices)
    start_date = forms.DateField(
        label="Start date", widget=DateInput(),
        error_messages={"required": "Enter the start date.", "invalid": "Enter the start date as a real date."},
    )
    end_date = forms.DateField(
        label="End date", required=False, widget=DateInput(),
        help_text="Leave empty while therapy continues. Discharging without an end date uses today.",
        error_messages={"invalid": "Enter the end date as a real date."},
    )
    presenting_concerns = CoupleCreateForm.base_fields["presenting_concerns"]
    confidentiality = CoupleCreateForm.base_fields["confidentiality"]
    # Asked only when the status becomes "Discharged" (clinic.services.discharge says what is missing).
    discharge_reason = forms.ChoiceField(
        label="Reason for discharge", required=False, choices=[("", "Choose a reason")] + DischargeReason.choices,
        widget=PlainSelect(),
    )
    discharge_reason_detail = forms.CharField(
        label="Other reason", required=False, max_length=NOTE_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when the reason is \u201cOther\u201d.",
    )
    status_at_discharge = forms.CharField(
        label="Status at discharge", required=False, max_length=NOTE_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="How the couple and each partner are doing now, against the problems they came with.",
    )
    aftercare = forms.CharField(
        label="Aftercare and referrals", required=False, max_length=NOTE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Follow-up, services referred to, what to do if problems return; \u201cNone\u201d if none.",
    )
    recommendations = forms.CharField(
        label="Recommendations", required=False, max_length=NOTE_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1,
        error_messages={"required": "The form was incomplete: open the edit page again and redo your change.",
                        "invalid": "The form was incomplete: open the edit page again and redo your change.",
                        "min_value": "The form was incomplete: open the edit page again and redo your change."},
    )

    DISCHARGE_FIELDS = DISCHARGE_FIELDS

    def __init__(self, *args: Any, discharged: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.discharged = discharged  # already discharged: the discharge fields are not asked again
        if discharged:
            for name in self.DISCHARGE_FIELDS:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date cannot be before the start date.")
        if not self.discharged and data.get("status") == CoupleStatus.DISCHARGED:
            for name, messages in discharge_errors(data).items():
                if name not in self.errors:
                    self.add_error(name, messages)
        return data

    def case_fields(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items()
                if name != "version" and name not in self.DISCHARGE_FIELDS}

    def discharge_details(self) -> dict[str, Any] | None:
        if self.discharged:
            return None
        return {name: self.cleaned_data.get(name, "") for name in self.DISCHARGE_FIELDS}


class PartnerForm(forms.Form):
    """One partner's agreement to the confidentiality terms and IPV screen."""

    agreed_confidentiality_on = forms.DateField(
        label="Agreed to the confidentiality terms on", required=False, widget=DateInput(),
        help_text="Leave empty until this partner has agreed.",
        error_messages={"invalid": "Enter the agreement date as a real date."},
    )
    # HITS (Sherin et al. 1998; clinic.ipv): "How often does your partner...", asked with this partner alone.
    hits_hurt, hits_insult, hits_threaten, hits_scream = (
        forms.TypedChoiceField(
            label=f"How often does your partner {label[0].lower()}{label[1:]}?", coerce=int, required=False,
            choices=[("", "Not asked")] + [(value, f"{value} {text}") for value, text in HITS_OPTIONS],
            widget=PlainSelect(), empty_value=None,
        )
        for _key, label in HITS_ITEMS
    )
    ipv_result = forms.ChoiceField(
        label="Clinician's judgement", choices=IPVResult.choices,
        help_text="Your judgement after screening this partner alone, whatever the HITS score.",
    )
    ipv_screened_on = forms.DateField(
        label="Date of the IPV screen", required=False, widget=DateInput(),
        error_messages={"invalid": "Enter the screen date as a real date."},
    )
    ipv_notes = forms.CharField(
        label="IPV screen notes", max_length=NOTE_TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only what the team needs to know for safety planning.",
    )

    measures_consent_on = forms.DateField(
        label="Consents to share individual measures with the partner in couple reports, on", required=False,
        widget=DateInput(),
        help_text="PHQ-9, GAD-7 and other measures about this partner alone appear in reports for the couple only "
                  "with this consent. Leave empty for no consent; clear it to withdraw.",
        error_messages={"invalid": "Enter the consent date as a real date."},
    )

    def clean_measures_consent_on(self) -> datetime.date | None:
        value = self.cleaned_data.get("measures_consent_on")
        _not_in_future(value, "The consent date cannot be in the future.")
        return value

    def clean_agreed_confidentiality_on(self) -> datetime.date | None:
        value = self.cleaned_data.get("agreed_confidentiality_on")
        _not_in_future(value, "The agreement date cannot be in the future.")
        return value

    def clean_ipv_screened_on(self) -> datetime.date | None:
        value = self.cleaned_data.get("ipv_screened_on")
        _not_in_future(value, "The screen date cannot be in the future.")
        return value

    HITS_FIELDS = tuple(f"hits_{key}" for key, _label in HITS_ITEMS)

    def __init__(self, *args: Any, hits_recorded: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hits_recorded = hits_recorded

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        result = data.get("ipv_result")
        answers = [data.get(name) for name in self.HITS_FIELDS]
        given = [a for a in answers if a is not None]
        if given and len(given) != len(answers):
            for name, answer in zip(self.HITS_FIELDS, answers, strict=True):
                if answer is None and name not in self.errors:
                    self.add_error(name, "Answer all four HITS questions, or none.")
        elif not given and result and result != IPVResult.NOT_DONE and not self.hits_recorded:
            self.add_error(self.HITS_FIELDS[0], "Ask the four HITS questions with this partner alone and record "
                                                "the answers with your judgement.")
        data["hits_answers"] = answers if len(given) == len(answers) else None
        for name in self.HITS_FIELDS:
            data.pop(name, None)
        if (result and result != IPVResult.NOT_DONE or given) and not data.get("ipv_screened_on") and \
                "ipv_screened_on" not in self.errors:
            self.add_error("ipv_screened_on", "Give the date the screen was done.")
        return data


class ClinicianChoiceField(forms.ModelChoiceField):
    widget = PlainSelect

    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name} ({obj.get_role_display()})"


class CareTeamAddForm(forms.Form):
    user = ClinicianChoiceField(
        label="Clinician", queryset=User.objects.none(), empty_label="Choose a clinician",
        help_text="Active therapists and supervisors of the practice who are not on this care team.",
        error_messages={"required": "Choose a clinician.",
                        "invalid_choice": "Choose a clinician from the list."},
    )
    role = forms.ChoiceField(label="Role on the care team", choices=CareRole.choices, initial=CareRole.CO_THERAPIST)
    start_date = forms.DateField(
        label="From", initial=_today, widget=DateInput(),
        error_messages={"required": "Enter the date they join.", "invalid": "Enter the start date as a real date."},
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates


class CareTeamEndForm(forms.Form):
    end_date = forms.DateField(
        label="Last day", initial=_today, widget=DateInput(),
        error_messages={"required": "Enter the last day on the care team.",
                        "invalid": "Enter the last day as a real date."},
    )

    def __init__(self, *args: Any, member: CareTeamMember, successors: Any = None, **kwargs: Any) -> None:
        """With `successors` (a queryset of clinicians), the user is ending their own place as primary therapist:
        they must name who takes over and confirm the handover."""
        kwargs.setdefault("auto_id", f"id_end_{member.pk.hex}_%s")
        super().__init__(*args, **kwargs)
        self.member = member
        if successors is not None:
            self.fields["successor"] = ClinicianChoiceField(
                label="Who takes over as primary therapist", queryset=successors, empty_label="Choose a clinician",
                help_text="From the day after your last day.",
                error_messages={"required": "Choose who takes over as primary therapist.",
                                "invalid_choice": "Choose a clinician from the list."},
            )
            self.fields["confirm"] = forms.BooleanField(
                label="I am handing this couple over and will no longer be their primary therapist",
                error_messages={"required": "Confirm that you are handing this couple over."},
            )

    def clean_end_date(self) -> datetime.date:
        value = self.cleaned_data["end_date"]
        if value < self.member.start_date:
            started = date_format(self.member.start_date, "j F Y")
            raise ValidationError(f"The last day cannot be before they joined the care team ({started}).")
        return value


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "All statuses"), *CoupleStatus.choices],
    )


class ClientSearchForm(forms.Form):
    name = forms.CharField(
        label="Find a couple by a partner's name", max_length=2 * NAME_MAX + 1,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}),
        help_text="Part of a first, last or preferred name: \u201csof\u201d finds Sofia. Capital letters and accents "
                  "do not matter. Only the couples you can see are searched.",
        error_messages={"required": "Type part of a name to search for."},
    )
