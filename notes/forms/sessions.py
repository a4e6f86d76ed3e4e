"""Forms of the sessions tab: record or change a session, filter the list, search the couple's notes.

Plain forms: notes.services.sessions does the writing and checks the rules again. Error messages say what
to fix and never repeat what was typed.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from clinic.models import CareRole, CareTeamMember, Couple, IPVResult, User
from notes.models import Attendance, Modality, SessionKind
from notes.services.series import MAX_OCCURRENCES, NO_END, UNTIL_BEFORE_START, UNTIL_OR_COUNT
from notes.services.sessions import MAX_DURATION_MINUTES
from rapport.forms import DateInput

VERSION_ERROR = "The form was incomplete: open the page again and redo your change."
SERVICE_CODE_HELP = (
    "Leave empty to use the suggested code: 90791 for the couple's first session (intake); individual "
    "90832 for 16-37 minutes, 90834 for 38-52, 90837 for 53 or more; joint 90847 from 26 minutes (CPT time "
    "rules). Shorter sessions, cancellations and no-shows get no code."
)


class TherapistChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


def default_start() -> datetime.datetime:
    """The start of the current hour, local time: a session just held, ready to document."""
    return timezone.localtime().replace(minute=0, second=0, microsecond=0)


def kind_help(couple: Couple) -> str:
    """The "Kind of session" hint, saying where the couple stands with the IPV gate (notes.services.sessions
    refuses a joint session in the same order): screens missing, a flag without an override (joint sessions on
    hold, with the link to document one), a flag with an override, or clear."""
    partners = list(couple.partners.all())
    missing = [p.get_position_display() for p in partners if p.ipv_result == IPVResult.NOT_DONE]
    if not partners or len(missing) == len(partners):
        return "A joint session needs both partners’ IPV screens recorded first; neither is recorded yet."
    if missing or len(partners) < 2:
        who = " and ".join(missing) if missing else "the second partner"
        return format_html("A joint session needs both partners’ IPV screens recorded first; {}’s is not "
                           "recorded yet.", who)
    if couple.ipv_joint_blocked:
        return format_html(
            "Joint sessions are on hold: a partner’s IPV screen is positive or a concern was noted. They can "
            "be recorded once an override is documented: <a href=\"{}\">document an override</a> (on the "
            "couple’s page). Individual sessions can be recorded now.",
            reverse("clinic:ipv-override", args=[couple.pk]))
    if couple.ipv_flagged:
        return format_html(
            "A partner’s IPV screen is positive or a concern was noted; an override was documented on {}, so "
            "joint sessions can be recorded.", date_format(timezone.localtime(couple.ipv_override_at), "j F Y"))
    return "Both partners’ IPV screens are recorded with no concern: any kind can be recorded."


class SessionForm(forms.Form):
    """Date, time, length, modality, kind, attendance, therapist and service code of one session."""

    date = forms.DateField(
        label="Date", widget=DateInput(),
        error_messages={"required": "Enter the date of the session.", "invalid": "Enter the date as a real date."},
    )
    time = forms.TimeField(
        label="Start time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Enter the start time.", "invalid": "Enter the start time like 14:30."},
    )
    duration_minutes = forms.IntegerField(
        label="Length in minutes", min_value=1, max_value=MAX_DURATION_MINUTES, initial=50,
        error_messages={
            "required": "Enter the length of the session in minutes.",
            "invalid": "Enter the length as a whole number of minutes.",
            "min_value": f"Enter a length from 1 to {MAX_DURATION_MINUTES} minutes.",
            "max_value": f"Enter a length from 1 to {MAX_DURATION_MINUTES} minutes.",
        },
    )
    modality = forms.ChoiceField(label="Modality", choices=Modality.choices, initial=Modality.IN_PERSON)
    kind = forms.ChoiceField(
        label="Kind of session", choices=SessionKind.choices, initial=SessionKind.JOINT,
    )  # help_text: kind_help(couple), set per couple in __init__
    attendance = forms.ChoiceField(
        label="Attendance", choices=Attendance.choices, initial=Attendance.ATTENDED,
        help_text="A progress note can be written once the session is marked attended.",
    )
    therapist = TherapistChoiceField(
        label="Therapist", queryset=User.objects.none(), empty_label=None, required=False,
        help_text="Left empty: you.",
        error_messages={"invalid_choice": "Choose a therapist on this couple's care team."},
    )
    service_code = forms.CharField(
        label="Service code", max_length=10, required=False, help_text=SERVICE_CODE_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        error_messages={"max_length": "Enter a service code of at most 10 characters, for example 90847."},
    )

    def __init__(self, *args: Any, couple: Couple, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].help_text = kind_help(couple)
        team = CareTeamMember.objects.current().filter(
            couple=couple, role__in=[CareRole.PRIMARY, CareRole.CO_THERAPIST]
        ).values("user_id")
        self.fields["therapist"].queryset = User.objects.filter(pk__in=team).order_by("last_name", "first_name")

    def clean_service_code(self) -> str:
        code = self.cleaned_data.get("service_code", "").strip().upper()
        if code and not code.isalnum():
            raise forms.ValidationError("Enter the service code with letters and digits only, for example 90847.")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, time = data.get("date"), data.get("time")
        if day and time:
            data["starts_at"] = timezone.make_aware(datetime.datetime.combine(day, time))
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in (
            "starts_at", "duration_minutes", "modality", "kind", "attendance", "service_code", "therapist")}


REPEAT_CHOICES = [("", "Does not repeat"), ("1", "Every week"), ("2", "Every two weeks")]


class SessionCreateForm(SessionForm):
    """A session, optionally the first of a weekly or fortnightly series ending on a day or after a number of
    sessions (notes.services.series checks the rule again and caps it at MAX_OCCURRENCES)."""

    repeat = forms.TypedChoiceField(
        label="Repeat", choices=REPEAT_CHOICES, coerce=int, empty_value=None, required=False,
        help_text="Each session of a series is a session of its own: change or cancel one without the others.",
        error_messages={"invalid_choice": "Choose every week, every two weeks, or no repeat."},
    )
    repeat_until = forms.DateField(
        label="Last day", required=False, widget=DateInput(),
        help_text="The series ends on this day (or before it). Or give a number of sessions instead.",
        error_messages={"invalid": "Enter the last day as a real date."},
    )
    repeat_count = forms.IntegerField(
        label="Number of sessions", required=False, min_value=2, max_value=MAX_OCCURRENCES,
        help_text=f"From 2 to {MAX_OCCURRENCES}, this session included.",
        error_messages={
            "invalid": "Enter the number of sessions as a whole number.",
            "min_value": f"Enter a number of sessions from 2 to {MAX_OCCURRENCES}.",
            "max_value": f"Enter a number of sessions from 2 to {MAX_OCCURRENCES}.",
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        repeat, until, count = data.get("repeat"), data.get("repeat_until"), data.get("repeat_count")
        if not repeat:
            if until or count:
                self.add_error("repeat", "Choose how often the session repeats, or clear the last day and number.")
            return data
        if until and count:
            self.add_error("repeat_until", UNTIL_OR_COUNT)
        elif not until and not count and "repeat_count" not in self.errors and "repeat_until" not in self.errors:
            self.add_error("repeat_until", NO_END)
        elif until and data.get("date") and until <= data["date"]:
            self.add_error("repeat_until", UNTIL_BEFORE_START)
        return data

    def series_fields(self) -> dict[str, Any] | None:
        """The recurrence rule for notes.services.series.series_create, or None for a single session."""
        data = self.cleaned_data
        if not data.get("repeat"):
            return None
        return {"interval_weeks": data["repeat"], "until": data.get("repeat_until"), "count": data.get("repeat_count")}


class SessionEditForm(SessionForm):
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1,
        error_messages={"required": VERSION_ERROR, "invalid": VERSION_ERROR, "min_value": VERSION_ERROR},
    )


class SessionFilterForm(forms.Form):
    """Filters of the sessions list (GET): no clinical text, so they may sit in the URL."""

    date_from = forms.DateField(label="From", required=False,
                                widget=DateInput(),
                                error_messages={"invalid": "Enter the first date as a real date."})
    date_to = forms.DateField(label="To", required=False,
                              widget=DateInput(),
                              error_messages={"invalid": "Enter the last date as a real date."})
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "All kinds"), *SessionKind.choices])
    attendance = forms.ChoiceField(label="Attendance", required=False,
                                   choices=[("", "Any attendance"), *Attendance.choices])

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


class NoteSearchForm(forms.Form):
    """Search within one couple's progress notes. Sent by POST: the term never reaches a URL or a log."""

    term = forms.CharField(
        label="Search this couple's progress notes", min_length=2, max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text="Finds notes and addenda containing these words (capital letters do not matter). "
                  "Private psychotherapy notes are never searched.",
        error_messages={"required": "Type a word or phrase to search for.",
                        "min_length": "Type at least 2 characters to search for.",
                        "max_length": "Type at most 200 characters to search for."},
    )


CALENDAR_YEARS = (1900, 2200)


class CalendarForm(forms.Form):
    """The calendar's GET parameters: the day to show (its week, or itself in the day view) and the view."""

    date = forms.DateField(label="Go to date", required=False, widget=DateInput(),
                           error_messages={"invalid": "Enter the date as a real date."})
    view = forms.ChoiceField(label="View", required=False, choices=[("", "Week"), ("week", "Week"), ("day", "Day")],
                             error_messages={"invalid_choice": "Choose the week or the day view."})

    def clean_date(self) -> datetime.date | None:
        """A day from CALENDAR_YEARS only: outside it the week's bounds overflow (9999-12-31, 0001-01-01) and no
        practice schedules sessions there."""
        day = self.cleaned_data.get("date")
        if day is not None and not CALENDAR_YEARS[0] <= day.year <= CALENDAR_YEARS[1]:
            raise forms.ValidationError(
                f"Enter a date between the years {CALENDAR_YEARS[0]} and {CALENDAR_YEARS[1]}.", code="out_of_range")
        return day


class SeriesEndForm(forms.Form):
    """Which future sessions of a series to remove: from the chosen one on, or every future one."""

    scope = forms.ChoiceField(
        choices=[("following", "This session and all following"), ("future", "Every future session")],
        error_messages={"required": "Choose which sessions to cancel.",
                        "invalid_choice": "Choose which sessions to cancel."},
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1,
        error_messages={"required": VERSION_ERROR, "invalid": VERSION_ERROR, "min_value": VERSION_ERROR},
    )
