"""Administration forms: inviting and editing staff, and the practice's settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator

from clinic.forms.auth import REAUTH_HELP, SecretField
from clinic.models import Practice, Role, User
from rapport.forms import PlainSelect
from rapport.locale import Country, DateStyle, Language, PaperSize, time_zone_choices


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


def _supervisor_field(practice_id, exclude=None) -> forms.ModelChoiceField:
    queryset = User.objects.filter(practice_id=practice_id, role=Role.SUPERVISOR, is_active=True)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return StaffChoiceField(
        queryset=queryset.order_by("last_name", "first_name"),
        required=False,
        empty_label="No supervisor",
        label="Supervisor",
        help_text="Only for pre-licensed therapists: their notes need this supervisor's co-signature.",
    )


class StaffDetailsForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(label="Email", max_length=254,
                             help_text="Where you will send the invite link. Never shown to clients.")
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    credentials = forms.CharField(label="Credentials", max_length=100, required=False,
                                  help_text="For example: LMFT, PsyD, AMFT")
    licence_number = forms.CharField(label="Licence number", max_length=50, required=False)

    def __init__(self, *args, practice_id, user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"] = _supervisor_field(practice_id, exclude=user)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("supervisor") is not None and cleaned.get("role") != Role.THERAPIST:
            self.add_error("supervisor",
                           "Only therapists have a supervisor. Choose “No supervisor” or change the role.")
        return cleaned


class UserInviteForm(StaffDetailsForm):
    username = forms.CharField(
        label="Username", max_length=150, validators=[UnicodeUsernameValidator()],
        help_text="What they type to sign in. Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    field_order = ["first_name", "last_name", "username", "email", "role", "credentials", "licence_number",
                   "supervisor"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is already taken. Choose another.")
        return username


ROLE_CHANGE_NEEDS_SECRET = "Changing the role needs your password or the code shown in your authenticator app."


class UserEditForm(StaffDetailsForm):
    """A colleague's details; a change of role also asks for the administrator's password or code."""

    secret = SecretField(required=False, help_text=f"Only when you change the role. {REAUTH_HELP}")

    def clean(self):
        cleaned = super().clean()
        if "role" in self.changed_data and not cleaned.get("secret"):
            self.add_error("secret", ROLE_CHANGE_NEEDS_SECRET)
        return cleaned


class PracticeSettingsForm(forms.Form):
    name = forms.CharField(label="Practice name", max_length=200)
    note_deadline_hours = forms.IntegerField(
        label="Note deadline (hours)", min_value=1, max_value=720,
        help_text="Notes signed later than this after the session are marked as late entries.",
    )
    plan_review_days = forms.IntegerField(
        label="Treatment plan review interval (days)", min_value=7, max_value=730,
        help_text="How often each treatment plan is due for review.",
    )
    ipv_rescreen_days = forms.IntegerField(
        label="IPV re-screen interval (days)", min_value=7, max_value=730,
        help_text="After this many days the couple's page asks for each partner's IPV screen again.",
    )
    crisis_information = forms.CharField(
        label="Crisis information for partners", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown at once in the partner portal when an answer names self-harm. Leave empty for the "
                  "national line of the practice's country (988 in the US; Samaritans 116 123 in the UK).",
    )

    country = forms.ChoiceField(label="Country", choices=Country.choices, widget=PlainSelect(),
                                help_text="Where the practice works (diagnosis and service codes follow the US).")
    paper_size = forms.ChoiceField(label="Paper size of PDF reports", choices=PaperSize.choices, widget=PlainSelect())
    language = forms.ChoiceField(label="Spelling", choices=Language.choices, widget=PlainSelect())
    time_zone = forms.ChoiceField(label="Time zone", choices=(), widget=PlainSelect(),
                                  help_text="Session times, note deadlines and \u201ctoday\u201d follow it.")
    date_style = forms.ChoiceField(label="Date format", choices=DateStyle.choices, widget=PlainSelect(),
                                   help_text="How pages and PDFs write dates. CSV files always use 2026-12-04.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()

    @classmethod
    def for_practice(cls, practice: Practice, data=None) -> PracticeSettingsForm:
        return cls(data, initial={name: getattr(practice, name) for name in cls.base_fields})


class OffboardForm(forms.Form):
    """Deactivating a clinician: who takes over each couple they are primary therapist of (one choice for all,
    or one per couple), a new supervisor for their supervisees, or an explicit "leave unassigned"."""

    all_successor = forms.ModelChoiceField(
        label="Hand every couple to", required=False, queryset=User.objects.none(), empty_label="Choose per couple",
        widget=PlainSelect(), help_text="Or choose for each couple below; a choice below wins.",
    )
    supervisor = forms.ModelChoiceField(
        label="New supervisor of their supervisees", required=False, queryset=User.objects.none(),
        empty_label="Choose a supervisor", widget=PlainSelect(),
    )
    leave_unassigned = forms.BooleanField(
        label="Leave unassigned what I have not chosen for", required=False,
        help_text="Couples without a new primary therapist then show on the practice overview as needing one.",
    )
    secret = SecretField(help_text=f"Deactivating is the last step. {REAUTH_HELP}")

    def __init__(self, *args: Any, caseload: Any, candidates: Any, supervisors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.caseload = caseload
        self.fields["all_successor"].queryset = candidates
        self.fields["all_successor"].label_from_instance = _clinician_label
        self.fields["supervisor"].queryset = supervisors
        self.fields["supervisor"].label_from_instance = _clinician_label
        if not caseload.primary:
            del self.fields["all_successor"]
        if not caseload.supervisees:
            del self.fields["supervisor"]
        for member in caseload.primary:
            field = forms.ModelChoiceField(
                label=f"Couple {member.couple.reference}", required=False, queryset=candidates,
                empty_label="As chosen above", widget=PlainSelect(),
            )
            field.label_from_instance = _clinician_label
            self.fields[self.successor_field(member)] = field

    @staticmethod
    def successor_field(member: Any) -> str:
        return f"successor_{member.couple_id.hex}"

    def couple_fields(self) -> list[Any]:
        return [self[self.successor_field(member)] for member in self.caseload.primary]

    def successors(self) -> dict[Any, User | None]:
        every = self.cleaned_data.get("all_successor")
        return {member.couple_id: self.cleaned_data.get(self.successor_field(member)) or every
                for member in self.caseload.primary}


def _clinician_label(user: User) -> str:
    return f"{user.display_name} ({user.get_role_display()})"
