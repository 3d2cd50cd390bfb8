"""Input of staff refunds: validated here, sent by payments.services."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from payments.models import Refund
from shop.money import format_money


class RefundForm(forms.Form):
    """How much of a payment to send back (at most what is still refundable) and why."""

    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=Refund._meta.get_field("reason").max_length,
        help_text=_("Kept with the refund; the customer does not see it."),
    )

    def __init__(self, *args, refundable: Decimal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.refundable = refundable
        self.initial.setdefault("amount", refundable)

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount > self.refundable:
            raise forms.ValidationError(
                _("At most %(amount)s of this payment can still be refunded.")
                % {"amount": format_money(self.refundable)}
            )
        return amount
