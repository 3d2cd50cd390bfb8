"""What the wishlist email says: a template triple rendered in the customer's language.

Templates: ``templates/wishlists/emails/wishlist_notice.subject.txt|.txt|.html``.
Building never sends; ``wishlists.tasks.send_wishlist_notice`` does.
"""

from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from catalog.models import Product
from shop.mail import email_build_stoppable
from shop.money import format_money
from wishlists.models import WishlistItem, WishlistNotice

UNSUBSCRIBE_SALT = "wishlists.notice.unsubscribe"
_TEMPLATE = "wishlists/emails/wishlist_notice"


def wishlist_unsubscribe_token(*, user_id: int) -> str:
    """The signed token of the link that stops a customer's wishlist emails (it does not expire)."""
    return signing.dumps(user_id, salt=UNSUBSCRIBE_SALT)


def wishlist_unsubscribe_user_id(*, token: str) -> int | None:
    """The customer a stop link was made for, or None for a link that was not."""
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None


def _price_text(amount: Decimal, *, varies: bool) -> str:
    price = format_money(amount)
    return gettext("from %(price)s") % {"price": price} if varies else price


def wishlist_notice_email_build(*, notice: WishlistNotice) -> EmailMultiAlternatives | None:
    """The email of one notice, in its language; None when nothing in it is still to be told.

    An entry is told only while its product is still on the customer's list with emails on and
    still shown by the shop: a customer who stopped the emails after the notice was queued, or
    removed the product, gets nothing about it.
    """
    wanted = [entry["product"] for entry in notice.entries]
    still_on = set(
        WishlistItem.objects.filter(
            user_id=notice.user_id, notify=True, product_id__in=wanted, product__is_active=True
        ).values_list("product_id", flat=True)
    )
    products = Product.objects.in_bulk(list(still_on))
    with translation.override(notice.language):
        lines = [
            {
                "name": products[entry["product"]].name,
                "url": settings.SITE_URL + products[entry["product"]].get_absolute_url(),
                "back_in_stock": entry["back_in_stock"],
                "was_price": format_money(Decimal(entry["was_price"])) if entry["was_price"] else None,
                "price": _price_text(Decimal(entry["price"]), varies=entry.get("price_varies", False)),
            }
            for entry in notice.entries
            if entry["product"] in products
        ]
    if not lines:
        return None
    token = wishlist_unsubscribe_token(user_id=notice.user_id)
    return email_build_stoppable(
        templates=_TEMPLATE,
        context={"lines": lines, "wishlist_url": settings.SITE_URL + reverse("wishlists:detail")},
        language=notice.language,
        to=[notice.user.email],
        unsubscribe_url=settings.SITE_URL + reverse("wishlists:unsubscribe", kwargs={"token": token}),
    )
