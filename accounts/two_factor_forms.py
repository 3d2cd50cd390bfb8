"""Input of the two-factor pages: a code typed from an authenticator app or a backup code."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s-]+")


class _CodeForm(forms.Form):
    pattern: re.Pattern[str]
    invalid_message: str

    def clean_code(self) -> str:
        code = _SEPARATORS.sub("", self.cleaned_data["code"]).lower()
        if not self.pattern.fullmatch(code):
            raise forms.ValidationError(self.invalid_message, code="invalid")
        return code


class TwoFactorSetupForm(_CodeForm):
    """The six-digit code the authenticator app shows after scanning the QR code."""

    code = forms.CharField(
        label=_("Six-digit code from the app"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": _("Enter the six-digit code your authenticator app shows.")},
    )
    pattern = re.compile(r"[0-9]{6}")
    invalid_message = _("Enter the six digits your authenticator app shows.")


class TwoFactorVerifyForm(_CodeForm):
    """A code from the authenticator app, or one of the backup codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The six-digit code from your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
        error_messages={"required": _("Enter the code from your authenticator app or a backup code.")},
    )
    # Six digits (the app) or an eight-character backup code (letters a-z and digits 2-7).
    pattern = re.compile(r"[0-9]{6}|[a-z2-7]{8}")
    invalid_message = _("Enter six digits from your authenticator app, or an eight-character backup code.")
