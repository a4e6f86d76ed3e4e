"""The form recording an affair as ongoing or ended (clinic.services.affair)."""

from __future__ import annotations

from django import forms

from clinic.models import AffairStatus
from rapport.forms import DateInput, PlainSelect


class AffairForm(forms.Form):
    affair_status = forms.ChoiceField(
        label="Affair", choices=AffairStatus.choices, required=False, widget=PlainSelect,
        help_text="Ongoing: forgiveness work and attachment-injury repair in the plan are flagged, as both "
                  "assume the affair has ended. Kept encrypted; partners and the practice manager never see it.",
    )
    affair_ended_on = forms.DateField(
        label="Date it ended", required=False, widget=DateInput,
        help_text="Only when it has ended; leave empty if the date is not known.",
    )

    @classmethod
    def initial_for(cls, couple) -> dict:
        return {"affair_status": couple.affair_status, "affair_ended_on": couple.affair_ended_on}
