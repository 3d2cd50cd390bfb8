"""Helpers for the wishlist tests: a product for sale, and its price and stock changed as the admin does."""

from decimal import Decimal

from catalog.models import Product, Variant
from tests.factories import ProductFactory, VariantFactory


def tea(*, name: str = "Silver Needle", price: str = "88.00", stock: int = 5) -> Product:
    """A visible product with one variant, read back so the database's listed price and stock flag show."""
    product = ProductFactory(name=name)
    VariantFactory(product=product, price=Decimal(price), stock=stock)
    return Product.objects.get(pk=product.pk)


def variant_set(product: Product, *, price: str | None = None, stock: int | None = None) -> None:
    """Change the product's one variant with a model save, as the admin does."""
    variant = Variant.objects.get(product=product)
    if price is not None:
        variant.price = Decimal(price)
    if stock is not None:
        variant.stock = stock
    variant.save()
