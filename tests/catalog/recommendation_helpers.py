"""Helpers for the recommendation tests: products, precomputed rows, reading the product cards."""

from decimal import Decimal

from django.utils.text import slugify

from catalog.recommendations_build import product_recommendations_replace
from tests.factories import ProductFactory, VariantFactory


def product(name: str, *, category, stock: int = 10, **fields):
    """A visible product with one variant (in stock unless told otherwise)."""
    made = ProductFactory(name=name, slug=slugify(name), category=category, **fields)
    VariantFactory(product=made, stock=stock, price=Decimal("10.00"))
    return made


def recommend(pairs: dict, popularity: dict | None = None) -> None:
    """Store precomputed rows: ``{product: [recommended, ...]}`` in rank order; ``{product: units}``."""
    rows = [
        (source.pk, target.pk, rank, 10 - rank)
        for source, targets in pairs.items()
        for rank, target in enumerate(targets, start=1)
    ]
    sales = [(item.pk, units, units) for item, units in (popularity or {}).items()]
    product_recommendations_replace(pairs=rows, popularity=sales)


def section(html: str, heading_id: str) -> str:
    """The HTML of the section with this heading id, or "" when the page has none."""
    if f'id="{heading_id}"' not in html:
        return ""
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def names(html: str) -> list[str]:
    """The product card names in this HTML, in page order."""
    chunks = html.split('<span class="product-card-name">')[1:]
    return [chunk.split("</span>", 1)[0] for chunk in chunks]


def recommended_on(client, item) -> list[str]:
    """The names the product page of ``item`` recommends."""
    html = client.get(item.get_absolute_url()).content.decode()
    return names(section(html, "recommendations-heading"))
