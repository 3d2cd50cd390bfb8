"""Input validation for the account pages: forms check, services write."""

import re

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import RECIPIENT_NAME_MAX_LENGTH, SavedAddress
from accounts.services import user_password_reset_request
from shop.addresses import ADDRESS_FIELDS, AddressForm
from shop.identity import email_canonical, email_local_part_ascii_validator
from shop.models import User

PASSWORD_INCORRECT_MESSAGE = _("Your current password is not correct.")


def _password_accepted(*, request: HttpRequest, user: User, password: str) -> bool:
    """Whether the signed-in user's password is right, checked as a sign-in so guessing it is throttled.

    A wrong password counts toward the sign-in lockout (accounts/lockout.py); once the client is
    locked out even the right one is refused, and the lockout page answers instead of the form.
    """
    checked = authenticate(request, username=user.email, password=password)
    return checked is not None and checked.pk == user.pk


def _email_field(label: str) -> forms.EmailField:
    return forms.EmailField(
        label=label,
        max_length=254,
        validators=[email_local_part_ascii_validator],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter a valid email address."),
        },
    )


class SignUpForm(forms.Form):
    email = _email_field(_("Email address"))
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter your name.")},
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
        error_messages={"required": _("Choose a password.")},
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Enter the same password again.")},
    )

    def clean_email(self) -> str:
        # Whether the address has an account is never a form error: the page would tell
        # anyone who asks. user_sign_up decides, and answers alike either way.
        return User.objects.normalize_email(self.cleaned_data["email"])

    def clean_full_name(self) -> str:
        full_name = self.cleaned_data["full_name"].strip()
        if not full_name:
            raise forms.ValidationError(_("Enter your name."), code="required")
        return full_name

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", forms.ValidationError(_("The two passwords do not match.")))
        elif password1:
            candidate = User(email=cleaned.get("email") or "", full_name=cleaned.get("full_name") or "")
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class SignInForm(AuthenticationForm):
    """Sign in with the email address, in any letter case (the user manager compares case-insensitively)."""

    username = forms.CharField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={"required": _("Enter your email address.")},
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )
    error_messages = {
        "invalid_login": _("The email address or password is not correct."),
        "inactive": _("This account is inactive."),
    }


class AccountPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email goes through the task queue instead of being sent inline."""

    email = _email_field(_("Email address"))

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user_password_reset_request(user=context["user"], language=translation.get_language())


class ProfileForm(forms.Form):
    """The customer's name (their addresses, each with its recipient and phone, are in the address book)."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter your name.")},
    )

    @classmethod
    def for_user(cls, user: User, data: dict | None = None) -> "ProfileForm":
        return cls(data=data, initial={"full_name": user.full_name})

    def clean_full_name(self) -> str:
        full_name = self.cleaned_data["full_name"].strip()
        if not full_name:
            raise forms.ValidationError(_("Enter your name."), code="required")
        return full_name


class SavedAddressForm(AddressForm):
    """An address of the address book: who receives it, their phone and the postal address.

    The same rules as checkout's address (divisions in mainland China, postal codes, the phone).
    """

    field_order = ("recipient_name", "phone", *ADDRESS_FIELDS)

    recipient_name = forms.CharField(
        label=_("Recipient"),
        max_length=RECIPIENT_NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter the name of who receives the parcel.")},
    )

    @classmethod
    def for_address(cls, address: SavedAddress, data: dict | None = None) -> "SavedAddressForm":
        return cls(data=data, initial={name: getattr(address, name) for name in cls.field_order})

    def clean_recipient_name(self) -> str:
        name = self.cleaned_data["recipient_name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the name of who receives the parcel."), code="required")
        return name


class AccountPasswordChangeForm(PasswordChangeForm):
    """Django's password change, with the old password checked as a sign-in attempt (throttled)."""

    def __init__(self, user: User, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        password = self.cleaned_data["old_password"]
        if not _password_accepted(request=self.request, user=self.user, password=password):
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return password


class EmailChangeForm(forms.Form):
    """A new address plus the current password; the change waits for the link sent to the new address."""

    new_email = _email_field(_("New email address"))
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your current password.")},
    )

    def __init__(self, *args, user: User, request: HttpRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_new_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["new_email"])
        if email_canonical(email) == self.user.email_canonical:
            raise forms.ValidationError(_("This is already your email address."), code="unchanged")
        # Whether another account uses it is not said here (see user_email_change_request).
        return email

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not _password_accepted(request=self.request, user=self.user, password=password):
            raise forms.ValidationError(PASSWORD_INCORRECT_MESSAGE, code="password_incorrect")
        return password


class AccountDeleteForm(forms.Form):
    """Deleting the account: the current password and an explicit yes."""

    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your current password.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted for good and cannot be restored."),
        error_messages={"required": _("Tick the box to confirm that you want to delete your account.")},
    )

    def __init__(self, *args, user: User, request: HttpRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not _password_accepted(request=self.request, user=self.user, password=password):
            raise forms.ValidationError(PASSWORD_INCORRECT_MESSAGE, code="password_incorrect")
        return password


# Two-factor pages: a code typed from an authenticator app or a backup code.

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
