"""The storefront's product page: variant choice, stock state, add-to-cart form, 404 for hidden products."""

from decimal import Decimal

import pytest

from tests.catalog.storefront_helpers import product_with_variant
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_product_page_shows_variant_choice_with_price_and_stock_state(client):
    tea = CategoryFactory(name="Tea", slug="tea")
    product = ProductFactory(
        name="Silver Needle", slug="silver-needle", category=tea, description="Delicate buds."
    )
    small = VariantFactory(product=product, options={"Size": "50 g"}, price=Decimal("45.00"), stock=20)
    large = VariantFactory(product=product, options={"Size": "100 g"}, price=Decimal("85.00"), stock=3)
    empty = VariantFactory(product=product, options={"Size": "250 g"}, price=Decimal("199.00"), stock=0)

    response = client.get("/products/silver-needle/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="product-name">Silver Needle</h1>' in html
    assert "From ¥45.00" in html
    assert "Delicate buds." in html
    assert f'id="variant-{small.pk}" value="{small.pk}" checked required' in html
    assert f'id="variant-{empty.pk}" value="{empty.pk}" disabled required' in html
    assert "Size: 100 g" in html
    assert "¥85.00" in html
    assert "Only 3 left" in html
    assert "Out of stock" in html
    assert f'value="{large.pk}"' in html


def test_product_page_has_an_add_to_cart_form_posting_variant_and_quantity(client):
    product = product_with_variant(name="Pu-erh", slug="pu-erh", price="66.00", stock=9)
    variant = product.variants.get()

    response = client.get("/products/pu-erh/")

    html = response.content.decode()
    assert '<form class="add-to-cart form" method="post" action="/cart/add/">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'<input type="hidden" name="variant" value="{variant.pk}">' in html
    assert 'name="quantity" value="1" min="1"' in html
    assert "In stock" in html


def test_product_page_says_only_n_left_for_low_stock(client):
    product_with_variant(name="Rare oolong", slug="rare-oolong", stock=2)

    response = client.get("/products/rare-oolong/")

    assert "Only 2 left" in response.content.decode()


def test_product_page_disables_add_to_cart_when_out_of_stock(client):
    product_with_variant(name="Gone", slug="gone", stock=0)

    response = client.get("/products/gone/")

    html = response.content.decode()
    assert "Out of stock" in html
    assert 'type="submit" disabled>Add to cart' in html


def test_product_page_shows_breadcrumbs_down_to_the_product(client):
    tea = CategoryFactory(name="Tea", slug="tea")
    green = CategoryFactory(name="Green", slug="green", parent=tea)
    product_with_variant(name="Sencha", slug="sencha", category=green)

    response = client.get("/products/sencha/")

    html = response.content.decode()
    assert '<a href="/category/tea/">Tea</a>' in html
    assert '<a href="/category/green/">Green</a>' in html
    assert '<span aria-current="page">Sencha</span>' in html


def test_product_page_without_photos_shows_a_placeholder_with_alt_text(client):
    product_with_variant(name="Plain box", slug="plain-box")

    response = client.get("/products/plain-box/")

    assert '<img src="/static/img/placeholder.svg" alt="Plain box"' in response.content.decode()


@pytest.mark.parametrize(
    "state", ["inactive", "inactive category", "inactive grandparent", "no active variant"]
)
def test_product_page_is_404_for_hidden_products(client, state):
    grandparent = CategoryFactory(is_active=state != "inactive grandparent")
    parent = CategoryFactory(parent=grandparent)
    category = CategoryFactory(parent=parent, is_active=state != "inactive category")
    product = ProductFactory(slug="hidden", category=category, is_active=state != "inactive")
    VariantFactory(product=product, is_active=state != "no active variant")

    response = client.get("/products/hidden/")

    assert response.status_code == 404


def test_product_page_is_404_for_an_unknown_slug(client):
    response = client.get("/products/no-such-thing/")

    assert response.status_code == 404
