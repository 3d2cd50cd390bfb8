"""The catalogue's part of a customer's data export and account erasure: back-in-stock requests.

Registered in CatalogConfig.ready().
"""

from typing import Any

from django.db.models import Q, QuerySet

from catalog.models import BackInStockRequest
from shop.models import User
from shop.privacy import PrivacyPart, privacy_value


def _requests_of(user: User) -> QuerySet[BackInStockRequest]:
    # Requests made while signed in, and those made from the address once the account proved it
    # reads mail there: anyone may type any address into the form.
    mine = Q(user=user)
    if user.email_verified_at is not None:
        mine |= Q(email=user.email_canonical)
    return BackInStockRequest.objects.filter(mine)


def back_in_stock_privacy_export(user: User) -> list[dict[str, Any]]:
    """The customer's back-in-stock requests: which variant, its state, when."""
    return [
        {
            "sku": request.variant.sku,
            "product": request.variant.product.name,
            "status": request.status,
            "created_at": privacy_value(request.created_at),
        }
        for request in _requests_of(user).select_related("variant__product").order_by("created_at", "id")
    ]


def back_in_stock_privacy_erase(user: User) -> None:
    """Delete the customer's back-in-stock requests."""
    _requests_of(user).delete()


CATALOG_PRIVACY_PART = PrivacyPart(
    key="back_in_stock_requests", export=back_in_stock_privacy_export, erase=back_in_stock_privacy_erase
)
