"""Input of the staff steps on an after-sales request: validated here, applied by aftersales.services."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from aftersales.models import AfterSalesLine, AfterSalesRequest
from orders.admin.forms import DiscountReportForm
from orders.selectors import carrier_list

NOTE_MAX_LENGTH = 1000
TEXT_MAX_LENGTH = 2000


def _note_field() -> forms.CharField:
    return forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Kept in the request's history and the order's."),
    )


def _text_field(label, *, required: bool = True, help_text="", rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows, "cols": 60}),
        help_text=help_text,
    )


class StepForm(forms.Form):
    """A step's form; ``request`` is the after-sales request it is for."""

    def __init__(self, *args, request: AfterSalesRequest, **kwargs) -> None:
        self.request = request
        super().__init__(*args, **kwargs)


class ApproveForm(StepForm):
    """Approve: for a return or exchange, where and how the customer sends the goods back."""

    return_address = _text_field(_("Return address"), help_text=_("The customer sends the goods here."))
    return_instructions = _text_field(
        _("Return instructions"), required=False, help_text=_("Shown to the customer with the address.")
    )
    note = _note_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.request.needs_goods_back:
            self.fields["return_address"].initial = settings.AFTER_SALES_RETURN_ADDRESS
            self.fields["return_instructions"].initial = settings.AFTER_SALES_RETURN_INSTRUCTIONS
        else:
            del self.fields["return_address"]
            del self.fields["return_instructions"]


class RejectForm(StepForm):
    reason = _text_field(
        _("Reason"), help_text=_("The customer reads this in the email and on the order page.")
    )


class ReceiveForm(StepForm):
    """Goods received: units of each line that go back into stock (all of them unless staff say fewer)."""

    note = _note_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines: list[AfterSalesLine] = list(self.request.lines.select_related("order_line"))
        for line in self.lines:
            self.fields[f"restock_{line.pk}"] = forms.IntegerField(
                label=_("Back in stock: %(product)s (%(sku)s)")
                % {"product": line.order_line.product_name, "sku": line.order_line.sku},
                min_value=0,
                max_value=line.quantity,
                initial=line.quantity,
                help_text=_("Of %(count)d returned; fewer when some cannot be sold again.")
                % {"count": line.quantity},
            )
        self.order_fields(
            ["note"] if not self.lines else [*(f"restock_{line.pk}" for line in self.lines), "note"]
        )

    def restock(self) -> dict[int, int]:
        """Units to restock by request line id (once valid)."""
        return {line.pk: self.cleaned_data[f"restock_{line.pk}"] for line in self.lines}


class RefundForm(StepForm):
    """Refund: shipping or not, and for an order not paid online the reference of the money sent back."""

    include_shipping = forms.BooleanField(
        label=_("Refund the shipping too"),
        required=False,
        help_text=_("Shipping is refunded anyway once every item of the order has been refunded."),
    )
    reference = forms.CharField(
        label=_("Refund reference"),
        max_length=100,
        required=False,
        help_text=_("The bank transfer or other reference of the money you sent back."),
    )
    note = _note_field()

    def __init__(self, *args, online: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.online = online
        if online:
            del self.fields["reference"]
        else:
            self.fields["reference"].required = True
            self.fields["reference"].error_messages["required"] = _(
                "This order was not paid online: send the money back first, then enter its reference."
            )

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip()


class ExchangeSendForm(StepForm):
    """The replacement parcel: a carrier from the list or typed, and its tracking number."""

    carrier = forms.ModelChoiceField(
        label=_("Carrier"),
        queryset=carrier_list(),
        to_field_name="code",
        required=False,
        empty_label=_("Choose a carrier"),
        error_messages={"invalid_choice": _("Choose one of the carriers in the list.")},
    )
    carrier_other = forms.CharField(
        label=_("Other carrier"),
        max_length=100,
        required=False,
        help_text=_("Only when the carrier is not in the list."),
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    note = _note_field()

    def clean_tracking_number(self) -> str:
        return "".join(self.cleaned_data["tracking_number"].split())

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen, typed = cleaned.get("carrier"), (cleaned.get("carrier_other") or "").strip()
        if "carrier" in self.errors:
            return cleaned
        if bool(chosen) == bool(typed):
            raise forms.ValidationError(_("Choose a carrier from the list or type another one, not both."))
        cleaned["carrier_name"] = chosen.display_name if chosen else typed
        return cleaned


class CloseForm(StepForm):
    note = _text_field(_("Why it is closed"), help_text=_("The customer reads this."), rows=3)


class TicketOpenForm(StepForm):
    """The first message of a support ticket about the request, mailed to the customer."""

    body = _text_field(
        _("Message to the customer"),
        help_text=_("Mailed with the ticket's reference; the customer's answer comes back to the ticket."),
        rows=6,
    )


class ReturnReportForm(DiscountReportForm):
    """The days the returns report covers, both included, in the shop's time zone (default: the last 30)."""
