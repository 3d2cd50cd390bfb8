"""How after-sales hooks into the apps below it: the settled-refund signal, the email builder."""

from aftersales.emails import request_email_build
from aftersales.services import refund_settled_receive
from orders.emails import order_email_builder_register
from orders.models import OutboundEmail
from payments.models import Refund
from payments.signals import refund_settled


def _refund_settled(sender: type[Refund], refund: Refund, **kwargs: object) -> None:
    refund_settled_receive(refund=refund)


def connect() -> None:
    """Connect the receivers and register the builder of after-sales emails (from AppConfig.ready)."""
    refund_settled.connect(_refund_settled, sender=Refund, dispatch_uid="aftersales.refund_settled")
    order_email_builder_register(kind=OutboundEmail.Kind.AFTER_SALES, builder=request_email_build)
