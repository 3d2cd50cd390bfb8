"""What the back-in-stock email says: a template triple rendered in the shopper's language.

Templates: ``templates/catalog/emails/back_in_stock.subject.txt|.txt|.html``.
Building never sends; ``catalog.tasks.send_back_in_stock_email`` does.
"""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation

from catalog.models import BackInStockRequest
from shop.mail import email_build_stoppable

UNSUBSCRIBE_SALT = "catalog.back_in_stock.unsubscribe"
_TEMPLATE = "catalog/emails/back_in_stock"


def back_in_stock_unsubscribe_token(*, stock_request: BackInStockRequest) -> str:
    """The signed token of the unsubscribe link in a back-in-stock email (it does not expire)."""
    return signing.dumps(stock_request.pk, salt=UNSUBSCRIBE_SALT)


def back_in_stock_unsubscribe_url(*, stock_request: BackInStockRequest) -> str:
    """The absolute unsubscribe link of a request's email."""
    token = back_in_stock_unsubscribe_token(stock_request=stock_request)
    return settings.SITE_URL + reverse("catalog:back_in_stock_unsubscribe", kwargs={"token": token})


def back_in_stock_email_build(*, stock_request: BackInStockRequest) -> EmailMultiAlternatives:
    """The "back in stock" email of one request, in the language the shopper asked in."""
    variant = stock_request.variant
    with translation.override(stock_request.language):
        context = {
            "product_name": variant.product.name,
            "options_label": variant.options_label,
            "product_url": settings.SITE_URL + variant.product.get_absolute_url(),
        }
    return email_build_stoppable(
        templates=_TEMPLATE,
        context=context,
        language=stock_request.language,
        to=[stock_request.email],
        unsubscribe_url=back_in_stock_unsubscribe_url(stock_request=stock_request),
    )
