"""Helpers for the cart and orders tests: carts, checkout details, the task worker, SMTP."""

import uuid
from decimal import Decimal

from cart.selectors import Cart, cart_get
from catalog.models import Variant
from orders.models import Order
from orders.selectors import shipping_method_list
from orders.services import CheckoutData, order_place
from tests.factories import ShippingMethodFactory
from tests.helpers import LocalSmtpServer, free_port, run_tasks, use_smtp  # noqa: F401 (the area's tests import them from here)


def cart_with(*items: tuple[Variant, int]) -> Cart:
    """A cart holding these variants and quantities, read as the cart page reads it."""
    return cart_get(session={"cart": {str(variant.pk): quantity for variant, quantity in items}})


def standard_shipping():
    return ShippingMethodFactory(
        code="standard", name="Standard", price=Decimal("12.00"), free_above=Decimal("199.00")
    )


def checkout_data(**overrides) -> CheckoutData:
    values = {
        "email": "ann@example.com",
        "full_name": "Ann Lee",
        "phone": "13800138000",
        "country": "CN",
        "province": "Zhejiang",
        "city": "Hangzhou",
        "postal_code": "310000",
        "address_line1": "18 West Lake Road",
        "address_line2": "",
        "note": "",
        "payment_method": "bank_transfer",
        "user": None,
        "language": "en",
    }
    values.update(overrides)
    if "shipping_method" not in values:
        values["shipping_method"] = standard_shipping()
    # As the checkout form reads it: with whether it is priced by zone.
    values["shipping_method"] = shipping_method_list().get(pk=values["shipping_method"].pk)
    return CheckoutData(**values)


def checkout_post(*, shipping, token, **overrides) -> dict:
    """The fields a shopper submits on the checkout page."""
    data = {
        "email": "ann@example.com",
        "full_name": "Ann Lee",
        "phone": "138 0013 8000",
        "country": "CN",
        # 浙江省 杭州市 西湖区
        "province_code": "33",
        "city_code": "3301",
        "district_code": "330106",
        "postal_code": "310000",
        "address_line1": "18 West Lake Road",
        "address_line2": "",
        "shipping_method": str(shipping.pk),
        "payment_method": "bank_transfer",
        "note": "",
        "checkout_token": str(token),
    }
    data.update(overrides)
    return data


def place(*items: tuple[Variant, int], coupon_code: str = "", **checkout) -> Order:
    """Place an order for the items with the default checkout details (and ``coupon_code``)."""
    checkout_details = checkout_data(coupon_code=coupon_code, **checkout)
    return order_place(cart=cart_with(*items), checkout=checkout_details, token=uuid.uuid4())
