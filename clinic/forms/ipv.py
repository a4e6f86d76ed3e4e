"""The form documenting an override of the IPV gate on joint sessions (clinic.services.ipv)."""

from __future__ import annotations

from django import forms

from clinic.models import NOTE_TEXT_MAX


class IpvOverrideForm(forms.Form):
    reason = forms.CharField(
        label="Why joint sessions may go on", max_length=NOTE_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The assessment done with each partner alone (fear, coercive control, injury, escalation), "
                  "the safety plan and what would stop joint work again. Kept encrypted; your supervisor is told.",
        error_messages={"required": "Give the reason joint sessions may go on despite the IPV screen."},
    )
