"""Validation of cart input: whole numbers in range, nothing else gets through."""

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from cart.selectors import MAX_VARIANT_ID
from cart.services import MAX_LINE_QUANTITY
from promotions.codes import CODE_MAX_LENGTH


class _CartLineForm(forms.Form):
    variant = forms.IntegerField(
        min_value=1,
        max_value=MAX_VARIANT_ID,
        error_messages={
            "required": _("Choose a product option."),
            "invalid": _("That product option does not exist."),
            "min_value": _("That product option does not exist."),
            "max_value": _("That product option does not exist."),
        },
    )

    def error_text(self) -> str:
        """All errors as one sentence for the messages framework."""
        return " ".join(str(error) for errors in self.errors.values() for error in errors)


class CartAddForm(_CartLineForm):
    quantity = forms.IntegerField(
        min_value=1,
        max_value=MAX_LINE_QUANTITY,
        initial=1,
        error_messages={
            "required": _("Enter a quantity."),
            "invalid": _("Enter the quantity as a whole number."),
            "min_value": _("Enter a quantity of at least 1."),
            "max_value": _("You can order at most %(limit_value)s of an item at a time."),
        },
    )


def _line_quantity_field(*, required: bool = True) -> forms.IntegerField:
    """A quantity a line may be set to: 0 (removes it) up to the most one line may hold."""
    return forms.IntegerField(
        min_value=0,
        max_value=MAX_LINE_QUANTITY,
        required=required,
        error_messages={
            "required": _("Enter a quantity."),
            "invalid": _("Enter the quantity as a whole number."),
            "min_value": _("Enter a quantity of 0 or more (0 removes the item)."),
            "max_value": _("You can order at most %(limit_value)s of an item at a time."),
        },
    )


class CartUpdateForm(_CartLineForm):
    quantity = _line_quantity_field()


class CartLinesForm(forms.Form):
    """Every line's quantity at once (``quantity-<variant id>``), as the cart page posts them.

    Only the cart's own lines are fields, so a posted variant that is not in the
    cart is ignored; a line left out of the post keeps its quantity.
    """

    def __init__(self, data, *, variant_ids: Iterable[int]) -> None:
        super().__init__(data)
        for variant_id in variant_ids:
            self.fields[f"quantity-{variant_id}"] = _line_quantity_field(required=False)

    def quantities(self) -> dict[int, int]:
        """The posted quantities by variant id (valid form only)."""
        return {
            int(name.removeprefix("quantity-")): quantity
            for name, quantity in self.cleaned_data.items()
            if quantity is not None
        }

    def error_text(self) -> str:
        """All errors as one sentence for the messages framework, each said once."""
        return " ".join(dict.fromkeys(str(error) for errors in self.errors.values() for error in errors))


class CouponForm(forms.Form):
    """A coupon code as typed: spaces around it go; promotions.codes makes it canonical."""

    code = forms.CharField(
        label=_("Coupon code"),
        max_length=CODE_MAX_LENGTH,
        error_messages={
            "required": _("Enter a coupon code."),
            "max_length": _("That is longer than any of our codes. Please check it and try again."),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def error_text(self) -> str:
        """All errors as one sentence for the messages framework."""
        return " ".join(str(error) for errors in self.errors.values() for error in errors)
