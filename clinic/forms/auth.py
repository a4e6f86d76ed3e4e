"""Sign-in, second-factor and invite forms, and the field that asks for re-authentication."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm


class SignInForm(AuthenticationForm):
    """Username and password. The same message for an unknown user, a wrong password or a closed account."""

    error_messages = {
        "invalid_login": (
            "The username or password is not right. Check both (they are case-sensitive) and try again. "
            f"After {settings.AXES_FAILURE_LIMIT} wrong attempts, sign-in is paused for a while."
        ),
        "inactive": (
            "The username or password is not right. Check both (they are case-sensitive) and try again."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none",
                                                     "spellcheck": "false"})


class OTPTokenForm(forms.Form):
    """One code: six digits from the authenticator app or, where allowed, a backup code."""

    otp_token = forms.CharField(
        label="Code",
        max_length=20,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none",
                                      "spellcheck": "false", "autofocus": True, "size": 12}),
        error_messages={"required": "Enter the code shown in your authenticator app."},
    )

    def __init__(self, *args, allow_backup: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["otp_token"]
        if allow_backup:
            field.label = "6-digit code from your authenticator app, or a backup code"
            field.help_text = "Backup codes are 8 letters and numbers; each one works once."
        else:
            field.label = "6-digit code from your authenticator app"
            field.widget.attrs["inputmode"] = "numeric"


class InviteSetPasswordForm(SetPasswordForm):
    """The invited person's first password; the project's password validators apply."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = "Choose a password"
        self.fields["new_password2"].label = "Type the same password again"


REAUTH_HELP = "Confirm it is you: your password, or the code from your authenticator app."


class SecretField(forms.CharField):
    """Re-authentication (clinic.reauth): the password or a current code. Never shown again after an error."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Your password or authenticator code")
        kwargs.setdefault("help_text", REAUTH_HELP)
        super().__init__(
            max_length=200, strip=True,
            widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            error_messages={"required": "Enter your password or the code shown in your authenticator app."},
            **kwargs,
        )


class ReauthForm(forms.Form):
    """Only the re-authentication, for an action that is a single button (resetting a colleague's two-factor)."""

    secret = SecretField()
