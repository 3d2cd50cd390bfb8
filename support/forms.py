"""Input validation for support: the contact form and the staff reply box. Forms never write."""

import re

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import validate_email
from django.template.defaultfilters import filesizeformat
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from orders.models import Order
from shop.identity import email_local_part_ascii_validator
from shop.uploads import MultipleFileField
from support.models import Ticket

_ORDER_NUMBER = re.compile(r"^[A-Z0-9-]{4,32}$")


def _order_label(order: Order) -> str:
    return f"{order.number} ({date_format(order.created_at, 'SHORT_DATE_FORMAT')})"


class ContactForm(forms.Form):
    """A new ticket from the website. Signed-in customers pick the order from their own."""

    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        validators=[email_local_part_ascii_validator],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter a valid email address."),
        },
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        error_messages={"required": _("Tell us briefly what it is about.")},
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write your message.")},
    )
    order_number = forms.CharField(
        label=_("Order number (optional)"),
        max_length=32,
        required=False,
        help_text=_("For example MP7KQ2XH9A. It is in your order confirmation email."),
    )
    attachments = MultipleFileField(label=_("Attachments (optional)"), limits_setting="SUPPORT_ATTACHMENT")
    # The honeypot: hidden from people, filled in by bots that fill in everything.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, orders: list[Order] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _(
            "Up to %(count)d files of up to %(size)s each: %(types)s."
        ) % {
            "count": settings.SUPPORT_ATTACHMENT_MAX_COUNT,
            "size": filesizeformat(settings.SUPPORT_ATTACHMENT_MAX_BYTES),
            "types": ", ".join(sorted(settings.SUPPORT_ATTACHMENT_EXTENSIONS)),
        }
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        if orders:
            choices = [("", _("No particular order"))] + [
                (order.number, _order_label(order)) for order in orders
            ]
            self.fields["order_number"] = forms.ChoiceField(
                label=_("Order (optional)"),
                choices=choices,
                required=False,
                error_messages={"invalid_choice": _("Choose one of your orders.")},
            )

    def clean_order_number(self) -> str:
        number = (self.cleaned_data.get("order_number") or "").strip().upper()
        if number and not _ORDER_NUMBER.match(number):
            raise forms.ValidationError(
                _("Enter an order number as it appears in your confirmation, like MP7KQ2XH9A."),
                code="order_number",
            )
        return number

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError(
                _("Your message could not be sent. Please leave the last field empty and try again."),
                code="honeypot",
            )
        return cleaned

    @property
    def honeypot_filled(self) -> bool:
        return any(error.code == "honeypot" for error in self.non_field_errors().as_data())


def _cc_list(value: str) -> list[str]:
    addresses = [address.strip() for address in re.split(r"[,;\s]+", value or "") if address.strip()]
    for address in addresses:
        validate_email(address)
    return addresses


class StaffReplyForm(forms.Form):
    """The reply box on a ticket's admin page: answer, note, status, assignee, CCs."""

    body = forms.CharField(label=_("Reply"), required=False, widget=forms.Textarea(attrs={"rows": 10}))
    internal = forms.BooleanField(
        label=_("Internal note"),
        required=False,
        help_text=_("Only staff see internal notes; the customer gets no email."),
    )
    attachments = MultipleFileField(label=_("Attachments"), limits_setting="SUPPORT_ATTACHMENT")
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=get_user_model().objects.none(), required=False
    )
    cc_emails = forms.CharField(
        label=_("CC addresses"),
        required=False,
        help_text=_("Separate addresses with commas. Mail from them counts as the customer's."),
    )

    def __init__(self, *args, ticket: Ticket, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {
                "status": ticket.status,
                "assignee": ticket.assignee_id,
                "cc_emails": ", ".join(ticket.cc_emails),
            },
        )
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        if ticket.cc_pending:
            self.fields["cc_emails"].help_text = format_lazy(
                "{} {}",
                self.fields["cc_emails"].help_text,
                _("The first email also copied in %(addresses)s: add them here to trust them.")
                % {"addresses": ", ".join(ticket.cc_pending)},
            )
        self.fields["assignee"].queryset = (
            get_user_model().objects.filter(is_staff=True, is_active=True).order_by("email")
        )

    def clean_cc_emails(self) -> list[str]:
        try:
            return _cc_list(self.cleaned_data.get("cc_emails", ""))
        except forms.ValidationError as error:
            raise forms.ValidationError(
                _("Enter valid email addresses, separated by commas."), code="cc"
            ) from error

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("internal") and not (cleaned.get("body") or "").strip():
            self.add_error("body", _("Write the note."))
        return cleaned
