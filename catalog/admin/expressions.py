"""Subqueries over each product's active variants, for the product list's filters."""

from django.db.models import Exists, OuterRef, QuerySet

from catalog.models import LOW_STOCK_THRESHOLD, Variant


def active_variants() -> QuerySet[Variant]:
    """The active variants of the product in the outer query."""
    return Variant.objects.filter(product=OuterRef("pk"), is_active=True)


def in_stock_exists() -> Exists:
    """True where an active variant of the product has stock."""
    return Exists(active_variants().filter(stock__gt=0))


def low_stock_exists() -> Exists:
    """True where an active variant of the product has stock, but no more than LOW_STOCK_THRESHOLD."""
    return Exists(active_variants().filter(stock__gt=0, stock__lte=LOW_STOCK_THRESHOLD))
