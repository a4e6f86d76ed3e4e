"""Forms of supervision: co-sign (re-authentication) and return with a comment.

Error messages say what to fix and never repeat what was typed.
"""

from __future__ import annotations

from django import forms

from clinic.models import NOTE_TEXT_MAX
from notes.services.supervision import COMMENT_REQUIRED, COMMENT_TOO_LONG


class CosignForm(forms.Form):
    """Co-signing asks who you are again: a password or a current authenticator code."""

    secret = forms.CharField(
        label="Your password or a current authenticator code",
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Co-signing makes the note final. Confirm it is you.",
        error_messages={"required": "Enter your password or the code shown in your authenticator app."},
    )


class ReturnForm(forms.Form):
    """Returning a note asks what the author should add or correct (their answer is an addendum)."""

    comment = forms.CharField(
        label="What should the author add or correct?",
        max_length=NOTE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The author sees this comment and answers it in an addendum; the signed note itself "
                  "cannot change.",
        error_messages={"required": COMMENT_REQUIRED, "max_length": COMMENT_TOO_LONG},
    )
