"""Input of staff refunds: validated here, sent by payments.services."""

from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.models import OrderLine
from payments.models import Refund
from shop.money import format_money


class RefundForm(forms.Form):
    """How much of a payment to send back (at most what is still refundable) and why.

    Ticking the order's items returned caps the amount at what was paid for them: each
    line's total less its shares of the order's discounts (``OrderLine.paid_total``).
    """

    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    lines = forms.MultipleChoiceField(
        label=_("Items returned"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Tick the items being returned and press “Work out the amount”: the amount becomes what "
            "was paid for them, after discounts, and a refund of them may not be more."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=Refund._meta.get_field("reason").max_length,
        help_text=_("Kept with the refund; the customer does not see it."),
    )

    def __init__(self, *args, refundable: Decimal, lines: Sequence[OrderLine] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.refundable = refundable
        self.order_lines = {str(line.pk): line for line in lines}
        self.fields["lines"].choices = [
            (
                key,
                gettext("%(quantity)s × %(name)s: %(paid)s paid")  # noqa: RUF001
                % {
                    "quantity": line.quantity,
                    "name": f"{line.product_name} ({line.options_label})"
                    if line.options_label
                    else line.product_name,
                    "paid": format_money(line.paid_total),
                },
            )
            for key, line in self.order_lines.items()
        ]
        if not lines:
            del self.fields["lines"]
        self.initial.setdefault("amount", refundable)

    def lines_paid_total(self) -> Decimal | None:
        """What was paid for the items ticked, or None when none are (call after is_valid())."""
        chosen = self.cleaned_data.get("lines") or []
        if not chosen:
            return None
        return sum((self.order_lines[key].paid_total for key in chosen), Decimal("0.00"))

    def with_lines_amount(self) -> "RefundForm":
        """The form again, unbound, its amount what was paid for the items ticked (at most the refundable).

        For "Work out the amount": nothing is refunded; staff check the amount and press Refund.
        The amount posted, valid or not, is replaced.
        """
        self.is_valid()
        paid = self.lines_paid_total()
        initial = {
            "lines": self.cleaned_data.get("lines") or [],
            "reason": self.cleaned_data.get("reason", ""),
            "amount": self.refundable if paid is None else min(paid, self.refundable),
        }
        return RefundForm(initial=initial, refundable=self.refundable, lines=list(self.order_lines.values()))

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount > self.refundable:
            raise forms.ValidationError(
                _("At most %(amount)s of this payment can still be refunded.")
                % {"amount": format_money(self.refundable)}
            )
        return amount

    def clean(self) -> dict:
        cleaned = super().clean()
        paid = self.lines_paid_total()
        amount = cleaned.get("amount")
        if paid is not None and amount is not None and amount > paid:
            self.add_error(
                "amount",
                _("%(amount)s was paid for the items ticked, after discounts: refund at most that.")
                % {"amount": format_money(paid)},
            )
        return cleaned
