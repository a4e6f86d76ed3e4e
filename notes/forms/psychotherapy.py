"""Forms of psychotherapy notes (the therapist's private process notes).

Error messages say what to fix and never repeat what was typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from clinic.models import NOTE_TEXT_MAX
from notes.models import Session
from notes.services.psychotherapy import SESSION_NOT_OF_COUPLE, TEXT_REQUIRED, TEXT_TOO_LONG

TEXT_HELP = (
    "Your impressions, hypotheses and reflections for your own use. Anything the couple's record needs "
    "(risk, interventions, progress) belongs in the progress note instead."
)


def _text_field() -> forms.CharField:
    return forms.CharField(
        label="Private note",
        max_length=NOTE_TEXT_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "autocomplete": "off", "spellcheck": "true"}),
        help_text=TEXT_HELP,
        error_messages={"required": TEXT_REQUIRED, "max_length": TEXT_TOO_LONG},
    )


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, session: Session) -> str:
        when = date_format(timezone.localtime(session.starts_at), "j M Y, H:i")
        return f"{when} · {session.get_kind_display()} · {session.get_attendance_display()}"


class PrivateNoteCreateForm(forms.Form):
    session = SessionChoiceField(
        label="About the session of",
        queryset=Session.objects.none(),
        required=False,
        empty_label="No particular session",
        help_text="Optional.",
        error_messages={"invalid_choice": SESSION_NOT_OF_COUPLE},
    )
    text = _text_field()

    def __init__(self, *args: Any, sessions: QuerySet[Session], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions


class PrivateNoteEditForm(forms.Form):
    text = _text_field()
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1,
                                 error_messages={"required": "Reload the page and try again."})
