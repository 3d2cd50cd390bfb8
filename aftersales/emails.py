"""What after-sales emails say: one template triple for every step, in the order's language.

Templates: ``templates/aftersales/emails/request_update.subject.txt|.txt|.html``. They are
sent as order emails (``orders.tasks.send_order_emails``), so their delivery shows with
the order's other mail and is retried the same way.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import translation

from aftersales.models import AfterSalesRequest
from orders.models import Order
from shop.mail import email_build


def request_email_build(
    *, order: Order, to_email: str, language: str, detail: Mapping[str, Any]
) -> EmailMultiAlternatives:
    """The email telling the customer a request reached ``detail["status"]`` (what it says is re-read now)."""
    request = (
        AfterSalesRequest.objects.prefetch_related("lines__order_line", "lines__exchange_variant")
        .select_related("order")
        .get(pk=detail["request_id"], order=order)
    )
    status = detail.get("status", request.status)
    event = request.events.filter(to_status=status).order_by("-created_at", "-id").first()
    with translation.override(language):
        context = {
            "order": order,
            "request": request,
            "status": status,
            "status_label": AfterSalesRequest.Status(status).label,
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
