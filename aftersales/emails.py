"""What after-sales emails say: one template triple for every step, in the order's language.

Templates: ``templates/aftersales/emails/request_update.subject.txt|.txt|.html``. They are
sent as order emails (``orders.tasks.send_order_emails``), so their delivery shows with
the order's other mail and is retried the same way.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import translation
from django.utils.translation import pgettext

from aftersales.models import AfterSalesRequest
from orders.models import Order
from shop.mail import email_build

# The step of an email sent when a gateway refused a refund (the request is back where it was).
REFUND_FAILED = "refund_failed"


def request_email_build(
    *, order: Order, to_email: str, language: str, detail: Mapping[str, Any]
) -> EmailMultiAlternatives:
    """The email telling the customer a request reached ``detail["status"]``.

    The state, its step and the refund amount are those recorded when the email was queued;
    the request's lines and texts are read now.
    """
    request = (
        AfterSalesRequest.objects.prefetch_related("lines__order_line", "lines__exchange_variant")
        .select_related("order")
        .get(pk=detail["request_id"], order=order)
    )
    status = detail.get("status", request.status)
    step = detail.get("step", "")
    amount = detail.get("amount") or request.refund_amount
    event = request.events.filter(to_status=status).order_by("-created_at", "-id").first()
    with translation.override(language):
        context = {
            "order": order,
            "request": request,
            "status": status,
            "step": step,
            "amount": Decimal(amount) if amount else None,
            "status_label": (
                pgettext("after-sales status", "Refund not completed")
                if step == REFUND_FAILED
                else AfterSalesRequest.Status(status).label
            ),
            "note": event.note if event is not None else "",
            "lines": list(request.lines.all()),
            "order_url": order.get_absolute_access_url(),
            "shop_name": settings.SHOP_NAME,
            "support_email": settings.SUPPORT_EMAIL,
            "site_url": settings.SITE_URL,
        }
        return email_build(
            templates="aftersales/emails/request_update",
            context=context,
            language=language,
            to=[to_email],
            reply_to=[settings.SUPPORT_EMAIL],
            headers={"Content-Language": language},
        )
