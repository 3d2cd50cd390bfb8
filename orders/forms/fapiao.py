"""Fapiao input: who it is made out to, where it is emailed, and the rules it is held to."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orders.credit_codes import credit_code_normalise, credit_code_validate
from orders.models import FapiaoRequest
from orders.services import FapiaoData
from shop.identity import email_local_part_ascii_validator


class FapiaoFieldsForm(forms.Form):
    """Who a fapiao is made out to and where it is emailed.

    The checkout's optional section and the order page's form. Every field is optional
    here; ``fapiao_errors_add`` holds a requested fapiao to the rules.
    """

    fapiao_kind = forms.ChoiceField(
        label=_("Fapiao for"),
        choices=FapiaoRequest.Kind.choices,
        initial=FapiaoRequest.Kind.PERSONAL,
        widget=forms.RadioSelect,
        required=False,
    )
    fapiao_title = forms.CharField(
        label=_("Name or company title (抬头)"),
        max_length=150,
        required=False,
        help_text=_("Your full name, or the company's name exactly as registered."),
    )
    fapiao_tax_number = forms.CharField(
        label=_("Taxpayer identification number (税号)"),
        max_length=30,
        required=False,
        help_text=_("Companies only: the 18-character unified social credit code."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    fapiao_email = forms.EmailField(
        label=_("Email for the electronic fapiao"),
        max_length=254,
        required=False,
        validators=[email_local_part_ascii_validator],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def fapiao_errors_add(self, cleaned: dict, *, email_required: bool) -> None:
        """Hold the requested fapiao to the rules: a title, and a valid tax number for a company."""
        kind = cleaned.get("fapiao_kind") or FapiaoRequest.Kind.PERSONAL
        cleaned["fapiao_kind"] = kind
        if not cleaned.get("fapiao_title", "").strip() and "fapiao_title" not in self.errors:
            self.add_error("fapiao_title", _("Enter the name or company title the fapiao is made out to."))
        tax_number = credit_code_normalise(cleaned.get("fapiao_tax_number", ""))
        if kind == FapiaoRequest.Kind.COMPANY:
            if not tax_number:
                self.add_error(
                    "fapiao_tax_number", _("A company fapiao needs the taxpayer identification number.")
                )
            else:
                try:
                    credit_code_validate(tax_number)
                except ValidationError as error:
                    self.add_error("fapiao_tax_number", error)
        cleaned["fapiao_tax_number"] = tax_number if kind == FapiaoRequest.Kind.COMPANY else ""
        if email_required and not cleaned.get("fapiao_email") and "fapiao_email" not in self.errors:
            self.add_error("fapiao_email", _("Enter the email address the fapiao is sent to."))

    def fapiao_data(self, *, default_email: str = "") -> FapiaoData:
        """The validated request; the fapiao email falls back to ``default_email`` (the order's)."""
        data = self.cleaned_data
        return FapiaoData(
            kind=data["fapiao_kind"],
            title=data["fapiao_title"].strip(),
            tax_number=data["fapiao_tax_number"],
            email=data.get("fapiao_email") or default_email,
        )


class FapiaoForm(FapiaoFieldsForm):
    """The order page's request for a fapiao (or a change to it): every rule of the checkout's section."""

    def clean(self) -> dict:
        cleaned = super().clean()
        self.fapiao_errors_add(cleaned, email_required=True)
        return cleaned
