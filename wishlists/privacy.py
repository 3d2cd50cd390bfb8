"""Wishlists' part of a customer's data export and account erasure. Registered in WishlistsConfig.ready()."""

from typing import Any

from shop.models import User
from shop.privacy import PrivacyPart, privacy_value
from wishlists.models import WishlistItem, WishlistNotice


def wishlist_privacy_export(user: User) -> dict[str, Any]:
    """The products the customer keeps, whether they asked for emails, and the emails sent."""
    items = WishlistItem.objects.filter(user=user).select_related("product").order_by("added_at", "id")
    notices = WishlistNotice.objects.filter(user=user).order_by("created_at", "id")
    return {
        "items": [
            {
                "product": item.product.name,
                "added_at": privacy_value(item.added_at),
                "added_price": privacy_value(item.added_price),
                "emails": item.notify,
            }
            for item in items
        ],
        "emails": [
            {"created_at": privacy_value(notice.created_at), "sent_at": privacy_value(notice.sent_at)}
            for notice in notices
        ],
    }


def wishlist_privacy_erase(user: User) -> None:
    """Delete the customer's wishlist and its emails."""
    WishlistNotice.objects.filter(user=user).delete()
    WishlistItem.objects.filter(user=user).delete()


WISHLIST_PRIVACY_PART = PrivacyPart(
    key="wishlist", export=wishlist_privacy_export, erase=wishlist_privacy_erase
)
