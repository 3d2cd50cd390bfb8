"""Wishlists: the products a customer keeps for later, and the emails saying one is back or cheaper."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Product


class WishlistItem(models.Model):
    """One product on a customer's wishlist, and what its emails compare the product with."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="wishlist_items",
        db_index=False,  # the (user, product) constraint's index serves every read by customer
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="wishlist_items"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    # The product's lowest price when it was saved: the page says when it is cheaper now.
    added_price = models.DecimalField(_("price when added"), max_digits=12, decimal_places=2, null=True)
    # Emails (wishlists.notices): off until the customer asks. What the customer last knew, so
    # each change is told once: the lowest price they were told of, and whether it was in stock.
    notify = models.BooleanField(_("email when back in stock or cheaper"), default=False)
    language = models.CharField(_("language"), max_length=16, default=settings.LANGUAGE_CODE)
    seen_price = models.DecimalField(_("lowest price told"), max_digits=12, decimal_places=2, null=True)
    seen_in_stock = models.BooleanField(_("in stock when told"), default=False)

    class Meta:
        verbose_name = _("wishlist item")
        verbose_name_plural = _("wishlist items")
        ordering = ["-added_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="wishlists_item_unique"),
            models.CheckConstraint(condition=Q(added_price__gte=0), name="wishlists_item_added_price_valid"),
            models.CheckConstraint(condition=Q(seen_price__gte=0), name="wishlists_item_seen_price_valid"),
        ]
        indexes = [
            # The notices job reads only the items whose customers asked for emails.
            models.Index(fields=["product"], name="wishlists_item_notify", condition=Q(notify=True)),
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.user})"


class WishlistNotice(models.Model):
    """One email to a customer about the wished-for products that came back or got cheaper."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="wishlist_notices",
    )
    language = models.CharField(_("language"), max_length=16, default=settings.LANGUAGE_CODE)
    # [{"product": id, "back_in_stock": bool, "was_price": "12.00" or None, "price": "9.00"}]:
    # what changed, as the job saw it; the email re-reads names and links.
    entries = models.JSONField(_("what changed"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("email sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("wishlist email")
        verbose_name_plural = _("wishlist emails")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.created_at:%Y-%m-%d %H:%M})"


class WishedProduct(Product):
    """Products customers keep on their wishlists, counted per product: what to restock or promote."""

    class Meta:
        proxy = True
        verbose_name = _("wished-for product")
        verbose_name_plural = _("wished-for products")
