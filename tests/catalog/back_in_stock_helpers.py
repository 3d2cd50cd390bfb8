"""Helpers for the back-in-stock tests: a sold-out variant, asking to be told, restocking."""

from catalog.back_in_stock import back_in_stock_request_create
from catalog.models import BackInStockRequest, Variant
from tests.factories import ProductFactory, VariantFactory

WAITING = BackInStockRequest.Status.PENDING
NOTIFIED = BackInStockRequest.Status.NOTIFIED


def sold_out_variant(**product_fields) -> Variant:
    """The only variant of "Silver Needle", sold out."""
    product = ProductFactory(name="Silver Needle", slug="silver-needle", **product_fields)
    return VariantFactory(product=product, sku="SN-100", options={"Size": "100 g"}, stock=0)


def ask(email: str, variant: Variant, *, language: str = "en") -> BackInStockRequest:
    """Ask through the service to be emailed when the variant is back in stock."""
    stock_request, _created = back_in_stock_request_create(
        variant_id=variant.pk, email=email, language=language
    )
    return stock_request


def restock(variant: Variant, stock: int) -> None:
    """Set the stock with a model save, as the admin does, so the signals see it."""
    variant.stock = stock
    variant.save()
