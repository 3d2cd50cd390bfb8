"""Reads of the session cart: one query for the variants, one for their first images."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone

from catalog.cache import recently_viewed_cards_get, recommended_cards_get
from catalog.models import ProductImage, Variant
from shop.money import line_total

SESSION_KEY = "cart"
MAX_VARIANT_ID = 2**63 - 1


def cart_quantities_get(*, session: Mapping[str, Any]) -> dict[int, int]:
    """The cart as ``{variant_id: quantity}``, ignoring anything malformed in the session."""
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, dict):
        return {}
    quantities: dict[int, int] = {}
    for key, value in raw.items():
        try:
            variant_id, quantity = int(key), int(value)
        except (TypeError, ValueError):
            continue
        if 0 < variant_id <= MAX_VARIANT_ID and quantity > 0:
            quantities[variant_id] = quantity
    return quantities


def cart_count_get(*, session: Mapping[str, Any]) -> int:
    """Number of items in the cart, read from the session alone (no query)."""
    return sum(cart_quantities_get(session=session).values())


@dataclass(frozen=True)
class CartLine:
    """One variant in the cart, priced from today's catalogue as at ``priced_at`` (sale prices included)."""

    PROBLEM_UNAVAILABLE = "unavailable"
    PROBLEM_SOLD_OUT = "sold_out"
    PROBLEM_SHORT = "short"

    variant: Variant
    quantity: int
    thumbnail: ProductImage | None
    priced_at: datetime = field(default_factory=timezone.now)

    @property
    def variant_id(self) -> int:
        return self.variant.pk

    @property
    def product(self):
        return self.variant.product

    @property
    def name(self) -> str:
        return self.variant.product.name

    @property
    def options_label(self) -> str:
        return self.variant.options_label

    @property
    def unit_price(self) -> Decimal:
        """What one unit costs: the sale price while the variant's sale is on, else its price."""
        return self.variant.price_at(self.priced_at)

    @property
    def regular_unit_price(self) -> Decimal:
        """The price without the sale, shown struck through while one is on."""
        return self.variant.regular_price

    @property
    def on_sale(self) -> bool:
        return self.variant.is_on_sale_at(self.priced_at)

    @property
    def line_total(self) -> Decimal:
        return line_total(self.unit_price, self.quantity)

    @property
    def stock(self) -> int:
        return self.variant.stock

    @property
    def problem(self) -> str:
        """Why this line cannot be bought as it is, or "" when it can."""
        if not (self.variant.is_active and self.variant.product.is_active):
            return self.PROBLEM_UNAVAILABLE
        if self.variant.stock <= 0:
            return self.PROBLEM_SOLD_OUT
        if self.quantity > self.variant.stock:
            return self.PROBLEM_SHORT
        return ""

    @property
    def available(self) -> bool:
        return not self.problem

    @property
    def purchasable(self) -> bool:
        """Counted in the subtotal: it can be bought, perhaps in a smaller quantity."""
        return self.problem in ("", self.PROBLEM_SHORT)

    @property
    def thumbnail_url(self) -> str:
        if self.thumbnail is None:
            return ""
        if self.thumbnail.thumbnail_small:
            return self.thumbnail.thumbnail_small.url
        return self.thumbnail.image.url if self.thumbnail.image else ""


@dataclass(frozen=True)
class Cart:
    """The shopper's cart: lines in the order they were added, with totals."""

    lines: tuple[CartLine, ...]
    missing_variant_ids: tuple[int, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self) -> Decimal:
        # Line totals are already rounded; the sum is never re-rounded (docs/architecture.md, 'Money').
        return sum((line.line_total for line in self.lines if line.purchasable), Decimal("0.00"))

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)

    @property
    def problem_lines(self) -> list[CartLine]:
        return [line for line in self.lines if line.problem]

    def line_for(self, variant_id: int) -> CartLine | None:
        return next((line for line in self.lines if line.variant_id == variant_id), None)


def cart_get(*, session: Mapping[str, Any], with_thumbnails: bool = True) -> Cart:
    """The cart with today's prices and stock: two queries however many lines it has.

    Every line is priced as at one moment, now: a sale price while its sale
    is on. Without thumbnails (checkout shows none) it is one query. Variants
    deleted since they were added are left out and listed in
    ``missing_variant_ids`` so the caller may prune them.
    """
    quantities = cart_quantities_get(session=session)
    if not quantities:
        return Cart(lines=())
    priced_at = timezone.now()
    # The product's wide text columns (its description, its search vector) are never shown
    # in a cart: left unread, every cart read and checkout transfers and parses less.
    variants = (
        Variant.objects.filter(pk__in=quantities)
        .select_related("product")
        .defer("product__description", "product__search_vector")
    )
    if with_thumbnails:
        first_images = (
            ProductImage.objects.order_by("product_id", "position", "id")
            .distinct("product_id")
            # width and height too: the image field reads them when a row loads,
            # and deferring them would cost two more queries per line.
            .only("id", "product_id", "image", "width", "height", "thumbnail_small", "alt_text")
        )
        variants = variants.prefetch_related(
            Prefetch("product__images", queryset=first_images, to_attr="first_images")
        )
    found = variants.in_bulk()
    lines = tuple(
        CartLine(
            variant=found[variant_id],
            quantity=quantity,
            thumbnail=next(iter(found[variant_id].product.first_images), None) if with_thumbnails else None,
            priced_at=priced_at,
        )
        for variant_id, quantity in quantities.items()
        if variant_id in found
    )
    missing = tuple(variant_id for variant_id in quantities if variant_id not in found)
    return Cart(lines=lines, missing_variant_ids=missing)


# Suggestions under the cart ---------------------------------------------------------------------

CART_SUGGESTION_COUNT = 6


@dataclass(frozen=True)
class CartSuggestions:
    """Product cards for the cart page: bought with its contents, and recently viewed."""

    also_bought: list[dict]
    recently_viewed: list[dict]


def cart_suggestions_get(*, request: HttpRequest, cart: Cart) -> CartSuggestions:
    """What to suggest under the cart; nothing already in it, nothing hidden or sold out.

    ``also_bought``: products bought together with the cart's products in paid
    orders (staff pins first, hides left out), else bestsellers of their
    categories; one query. ``recently_viewed``: the shopper's recently viewed
    products; usually no query (cards are cached per catalogue revision).
    """
    product_ids = list(dict.fromkeys(line.variant.product_id for line in cart.lines))
    return CartSuggestions(
        also_bought=recommended_cards_get(
            request=request, product_ids=product_ids, limit=CART_SUGGESTION_COUNT
        ),
        recently_viewed=recently_viewed_cards_get(request=request, exclude_ids=product_ids),
    )
