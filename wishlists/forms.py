"""The wishlist's forms: which product, and whether to email about it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wishlists.session import MAX_PRODUCT_ID


class WishlistProductForm(forms.Form):
    """A product to save on or take off the wishlist, by id (the product page's and the list's buttons)."""

    product = forms.IntegerField(min_value=1, max_value=MAX_PRODUCT_ID)

    def error_text(self) -> str:
        return str(_("Sorry, we could not tell which product you meant. Please try again from its page."))


class WishlistNotifyForm(WishlistProductForm):
    """Emails about one saved product: on ("1") or off ("0")."""

    notify = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")

    def error_text(self) -> str:
        if "product" in self.errors:
            return super().error_text()
        return str(
            _("Sorry, we could not tell whether you want these emails. Please press the button again.")
        )
