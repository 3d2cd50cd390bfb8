"""What each order email says: a template triple rendered in the recipient's language.

Templates: ``templates/orders/emails/<name>.subject.txt|.txt|.html``.
Building never sends; ``orders.tasks.send_order_emails`` does.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from orders.models import Order, OutboundEmail
from orders.selectors import fapiao_request_get, order_shipment_list, payment_instructions_get
from shop.identity import email_canonical
from shop.mail import email_build

EMAIL_TEMPLATES = {
    OutboundEmail.Kind.CONFIRMATION: "orders/emails/order_confirmation",
    OutboundEmail.Kind.PAID: "orders/emails/order_paid",
    OutboundEmail.Kind.SHIPPED: "orders/emails/order_shipped",
    OutboundEmail.Kind.CANCELLED: "orders/emails/order_cancelled",
    OutboundEmail.Kind.REFUNDED: "orders/emails/order_refunded",
    OutboundEmail.Kind.STAFF_NEW_ORDER: "orders/emails/staff_new_order",
    OutboundEmail.Kind.FAPIAO_ISSUED: "orders/emails/fapiao_issued",
}


# Builders of the email kinds a higher app writes (after-sales updates): they receive the order,
# the recipient, the language and the email's ``detail``, and return the message.
OrderEmailBuilder = Callable[..., EmailMultiAlternatives]
_builders: dict[str, OrderEmailBuilder] = {}


def order_email_builder_register(*, kind: str, builder: OrderEmailBuilder) -> None:
    """Build emails of ``kind`` with ``builder(order=, to_email=, language=, detail=)``; call from ready()."""
    _builders[kind] = builder


def _admin_url(order: Order) -> str:
    # The orders admin may not be registered; the staff notice then links nowhere.
    try:
        return settings.SITE_URL + reverse("admin:orders_order_change", args=[order.pk])
    except NoReverseMatch:
        return ""


def order_email_build(
    *, order: Order, kind: str, to_email: str, language: str, detail: Mapping[str, Any] | None = None
) -> EmailMultiAlternatives:
    """The email of this kind about this order, rendered in ``language``."""
    if kind in _builders:
        return _builders[kind](order=order, to_email=to_email, language=language, detail=detail or {})
    prefix = EMAIL_TEMPLATES[kind]
    with translation.override(language):
        context = {
            "order": order,
            "lines": list(order.lines.all()),
            "discounts": list(order.discounts.all()) if order.has_discounts else [],
            "order_url": order.get_absolute_access_url(),
            "payment": payment_instructions_get(order=order, online=True),
            "shop_name": settings.SHOP_NAME,
            "support_email": settings.SUPPORT_EMAIL,
            "site_url": settings.SITE_URL,
        }
        if kind == OutboundEmail.Kind.SHIPPED:
            context["shipments"] = order_shipment_list(order=order)
        if kind == OutboundEmail.Kind.STAFF_NEW_ORDER:
            context["admin_url"] = _admin_url(order)
        attached = None
        if kind == OutboundEmail.Kind.FAPIAO_ISSUED:
            context["fapiao"] = fapiao = fapiao_request_get(order=order)
            if email_canonical(to_email) == order.email_canonical:
                # The customer: linked, not attached; the PDF is served only to the holder of
                # the order's link, which this email is anyway.
                download = reverse("orders:fapiao_download", args=[order.number])
                context["fapiao_url"] = (
                    f"{settings.SITE_URL}{download}?token={order.access_token}"
                    if fapiao and fapiao.pdf
                    else ""
                )
            else:
                # Someone else (a company's accountant): the order's link would open the whole
                # order, its address and its payment; they get the PDF itself and no link.
                context["order_url"] = ""
                attached = fapiao.pdf if fapiao and fapiao.pdf else None
                context["fapiao_attached"] = attached is not None
    message = email_build(
        templates=prefix,
        context=context,
        language=language,
        to=[to_email],
        reply_to=[settings.SUPPORT_EMAIL],
        headers={"Content-Language": language},
    )
    if attached is not None:
        with attached.open("rb") as pdf:
            message.attach(f"fapiao-{order.number}.pdf", pdf.read(), "application/pdf")
    return message
