"""Helpers for the storefront tests: a product with one variant, the names a product grid shows."""

from decimal import Decimal

from tests.factories import ProductFactory, VariantFactory


def product_with_variant(*, price: str = "19.99", stock: int = 10, sku: str | None = None, **product_fields):
    """A product with one variant at this price and stock (and this SKU when given)."""
    product = ProductFactory(**product_fields)
    variant_fields = {"product": product, "price": Decimal(price), "stock": stock}
    if sku:
        variant_fields["sku"] = sku
    VariantFactory(**variant_fields)
    return product


def listed_names(response) -> list[str]:
    """Product names in the order the page's grid shows them."""
    chunks = response.content.decode().split('<span class="product-card-name">')[1:]
    return [chunk.split("</span>", 1)[0] for chunk in chunks]
