"""Checkout input: every field validated here, nothing written.

The forms live in ``checkout`` (the checkout form and what it keeps of a draft), ``shipping``
(the shipping method choice, labelled with each method's price, and the totals with each) and
``fapiao`` (the fapiao fields and their rules, the order page's fapiao form); import them from here.
"""

from orders.forms.checkout import CheckoutForm
from orders.forms.fapiao import FapiaoFieldsForm, FapiaoForm
from orders.forms.shipping import ShippingMethodChoiceField, ShippingTotal

__all__ = [
    "CheckoutForm",
    "FapiaoFieldsForm",
    "FapiaoForm",
    "ShippingMethodChoiceField",
    "ShippingTotal",
]
