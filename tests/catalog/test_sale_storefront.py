"""Sale prices on the storefront: cards, the product page and its script, listings' filters and sorts."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Variant
from tests.catalog.storefront_helpers import listed_names
from tests.factories import CategoryFactory, ProductFactory, VariantFactory, longjing_in_three_weights

pytestmark = pytest.mark.django_db

WAS = '<del class="price-was"><span class="visually-hidden">was</span> {}</del>'
WAS_CHINESE = '<del class="price-was"><span class="visually-hidden">原价</span> {}</del>'


def on_sale(variant: Variant, sale_price: str, *, starts=-1, ends=1) -> Variant:
    """Put ``variant`` on sale from ``starts`` to ``ends`` hours from now (None: open that side)."""
    now = timezone.now()
    variant.sale_price = Decimal(sale_price)
    variant.sale_starts_at = None if starts is None else now + timedelta(hours=starts)
    variant.sale_ends_at = None if ends is None else now + timedelta(hours=ends)
    variant.save()
    return variant


def card_of(html: str, name: str) -> str:
    """The product card of ``name`` on a listing page."""
    start = html.index(f'<span class="product-card-name">{name}</span>')
    return html[html.rindex('<li class="product-card">', 0, start) : html.index("</li>", start)]


def headline(response) -> str:
    info = response.content.decode().split('<div class="product-info">', 1)[1]
    return re.search(r'<p class="price price-large" data-product-price>(.*?)</p>', info).group(1)


def choice_data(response) -> dict:
    html = response.content.decode()
    return json.loads(
        html.split('<script id="product-choice" type="application/json">', 1)[1].split("</script>")[0]
    )


def structured_offers(response) -> list[dict]:
    html = response.content.decode()
    data = json.loads(html.split('<script type="application/ld+json">', 1)[1].split("</script>")[0])
    return data["offers"] if isinstance(data["offers"], list) else [data["offers"]]


@pytest.fixture
def teapot():
    """A ¥199.00 teapot on sale for ¥149.00 now, in a category of its own."""
    product = ProductFactory(name="Yixing Teapot", slug="teapot", category=CategoryFactory(slug="teaware"))
    return on_sale(VariantFactory(product=product, price=Decimal("199.00"), stock=5), "149.00")


# Cards ------------------------------------------------------------------------------------------


def test_a_card_shows_the_sale_price_with_the_price_struck_through_and_a_sale_badge(client, teapot):
    for url in ["/products/", "/category/teaware/", "/products/?q=teapot"]:
        card = card_of(client.get(url).content.decode(), "Yixing Teapot")

        assert f'<p class="product-card-price price">¥149.00 {WAS.format("¥199.00")}</p>' in card, url
        assert '<span class="badge badge-sale">Sale</span>' in card, url


def test_a_card_in_chinese_says_was_and_sale_in_chinese(client, teapot):
    card = card_of(client.get("/products/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode(), "Yixing Teapot")

    assert f"¥149.00 {WAS_CHINESE.format('¥199.00')}" in card
    assert '<span class="badge badge-sale">特价</span>' in card


def test_the_home_page_cards_show_the_sale(client, teapot):
    teapot.product.is_featured = True
    teapot.product.save()

    card = card_of(client.get("/").content.decode(), "Yixing Teapot")

    assert f"¥149.00 {WAS.format('¥199.00')}" in card


@pytest.mark.parametrize(
    ("starts", "ends"),
    [pytest.param(1, 2, id="not-started-yet"), pytest.param(-2, -1, id="over")],
)
def test_a_sale_outside_its_window_shows_nowhere(client, starts, ends):
    product = ProductFactory(name="Yixing Teapot", slug="teapot")
    on_sale(VariantFactory(product=product, price=Decimal("199.00")), "149.00", starts=starts, ends=ends)

    card = card_of(client.get("/products/").content.decode(), "Yixing Teapot")
    page = client.get("/products/teapot/")

    assert '<p class="product-card-price price">¥199.00</p>' in card
    assert "badge-sale" not in card
    assert headline(page) == "¥199.00"
    assert "price-was" not in page.content.decode()


def test_a_from_price_is_the_lowest_price_paid_and_strikes_the_lowest_regular_price(client):
    longjing = longjing_in_three_weights()
    # 50 g ¥349.00 as usual; 100 g ¥1,298.00 down to ¥299.00: the lowest price was ¥349.00, is ¥299.00.
    on_sale(longjing["medium"], "299.00")

    card = card_of(client.get("/products/").content.decode(), "West Lake Longjing")

    assert f"From ¥299.00 {WAS.format('¥349.00')}" in card


def test_a_sale_that_leaves_the_lowest_price_as_it_was_shows_the_badge_without_a_struck_price(client):
    longjing = longjing_in_three_weights()
    on_sale(longjing["large"], "1499.00")

    card = card_of(client.get("/products/").content.decode(), "West Lake Longjing")

    assert '<p class="product-card-price price">From ¥349.00</p>' in card
    assert '<span class="badge badge-sale">Sale</span>' in card


# The product page -------------------------------------------------------------------------------


def test_the_product_page_headline_and_option_rows_show_sale_prices(client):
    longjing = longjing_in_three_weights()
    on_sale(longjing["medium"], "999.00")

    response = client.get("/products/longjing/")

    html = response.content.decode()
    assert headline(response) == "From ¥349.00"
    assert f'<span class="variant-price">¥999.00 {WAS.format("¥1,298.00")}</span>' in html
    assert '<span class="variant-price">¥349.00</span>' in html


def test_a_product_with_one_option_on_sale_shows_it_in_the_headline_and_the_buy_bar(client, teapot):
    response = client.get("/products/teapot/")

    assert headline(response) == f"¥149.00 {WAS.format('¥199.00')}"
    assert f'<span class="price" data-product-price>¥149.00 {WAS.format("¥199.00")}</span>' in (
        response.content.decode()
    )


def test_a_chosen_option_on_sale_shows_its_sale_in_the_headline(client):
    longjing = longjing_in_three_weights()
    on_sale(longjing["medium"], "999.00")

    response = client.get(f"/products/longjing/?variant={longjing['medium'].pk}")

    assert headline(response) == f"¥999.00 {WAS.format('¥1,298.00')}"


def test_the_product_page_script_gets_sale_and_regular_prices_as_formatted_texts(client):
    longjing = longjing_in_three_weights()
    on_sale(longjing["medium"], "999.00")

    english = choice_data(client.get("/products/longjing/"))
    chinese = choice_data(client.get("/products/longjing/", HTTP_ACCEPT_LANGUAGE="zh-hans"))

    assert {int(pk): (variant["price"], variant["was"]) for pk, variant in english["variants"].items()} == {
        longjing["small"].pk: ("¥349.00", None),
        longjing["medium"].pk: ("¥999.00", "¥1,298.00"),
        longjing["large"].pk: ("¥1,539.00", None),
    }
    assert (english["was_label"], chinese["was_label"]) == ("was", "原价")


def test_search_engines_are_told_the_price_paid_and_until_when(client, teapot):
    ends = timezone.localtime(teapot.sale_ends_at).date().isoformat()

    offers = structured_offers(client.get("/products/teapot/"))

    assert [(offer["price"], offer.get("priceValidUntil")) for offer in offers] == [("149.00", ends)]


def test_recommendations_and_recently_viewed_cards_show_the_sale(client, teapot):
    other = VariantFactory(
        product=ProductFactory(name="Tea Tray", slug="tray", category=teapot.product.category)
    )
    client.session  # noqa: B018 (the test client starts a session: product pages remember what was viewed)
    client.get("/products/teapot/")

    html = client.get(f"/products/{other.product.slug}/").content.decode()

    assert (
        html.count(f"¥149.00 {WAS.format('¥199.00')}") == 2
    )  # also bought (the category) and recently viewed


# Listings: the price filters and sorts use the price paid -----------------------------------------


@pytest.fixture
def three_teapots(teapot):
    """Prices paid: the teapot ¥149.00 (on sale from ¥199.00), a kettle ¥160.00, a cup ¥120.00."""
    category = teapot.product.category
    VariantFactory(product=ProductFactory(name="Kettle", category=category), price=Decimal("160.00"))
    cup = VariantFactory(product=ProductFactory(name="Cup", category=category), price=Decimal("180.00"))
    on_sale(cup, "120.00", starts=None, ends=None)
    return teapot


def test_price_filters_use_the_price_paid(client, three_teapots):
    below = listed_names(client.get("/products/?max_price=150"))
    above = listed_names(client.get("/products/?min_price=150"))

    assert below == ["Cup", "Yixing Teapot"]
    assert above == ["Kettle"]


def test_price_sorts_use_the_price_paid(client, three_teapots):
    ascending = listed_names(client.get("/products/?sort=price"))
    descending = listed_names(client.get("/products/?sort=-price"))

    assert ascending == ["Cup", "Yixing Teapot", "Kettle"]
    assert descending == ["Kettle", "Yixing Teapot", "Cup"]


def test_once_the_sale_is_over_filters_and_sorts_use_the_price_again(client, three_teapots):
    on_sale(three_teapots, "149.00", starts=-2, ends=-1)

    assert listed_names(client.get("/products/?max_price=150")) == ["Cup"]
    assert listed_names(client.get("/products/?sort=price")) == ["Cup", "Kettle", "Yixing Teapot"]
