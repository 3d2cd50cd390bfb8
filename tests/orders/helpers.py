"""Helpers for the cart and orders tests: carts, checkout details, the task worker, SMTP."""

import signal
import socket
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from django.core.management import call_command

from cart.selectors import Cart, cart_get
from catalog.models import Variant
from orders.services import CheckoutData
from tests.factories import ShippingMethodFactory


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
    return CheckoutData(**values)


def checkout_post(*, shipping, token, **overrides) -> dict:
    """The fields a shopper submits on the checkout page."""
    data = {
        "email": "ann@example.com",
        "full_name": "Ann Lee",
        "phone": "138 0013 8000",
        "country": "CN",
        "province": "Zhejiang",
        "city": "Hangzhou",
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


def run_tasks() -> None:
    """Run every task that is due with the real worker, then return (batch mode)."""
    handled = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {signum: signal.getsignal(signum) for signum in handled}
    try:
        call_command(
            "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", verbosity=0
        )
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalSmtpServer:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def use_smtp(settings, port: int) -> None:
    """Send mail through Django's SMTP backend to 127.0.0.1:port."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
