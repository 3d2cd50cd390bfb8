"""The product page's chosen option: ``?variant=`` shows its price, stock and photo; bad ids show none."""

import json
import re
from decimal import Decimal

import pytest

from catalog.services import product_image_create
from tests.factories import ProductFactory, VariantFactory, longjing_in_three_weights
from tests.images import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def longjing():
    return longjing_in_three_weights()


def headline(response) -> tuple[str, str | None]:
    """The headline price and stock line under the product's name (None when the stock line is hidden)."""
    info = response.content.decode().split('<div class="product-info">', 1)[1]
    price = re.search(r'<p class="price price-large" data-product-price>([^<]*)</p>', info).group(1)
    stock = re.search(r'<p class="stock[^"]*" data-product-stock( hidden)?>([^<]*)</p>', info)
    return price, None if stock.group(1) else stock.group(2)


def checked_ids(response) -> list[int]:
    return [
        int(pk)
        for pk in re.findall(
            r'name="variant" id="variant-\d+" value="(\d+)" checked', response.content.decode()
        )
    ]


def choice_data(response) -> dict:
    """What the page hands its script (the ``product-choice`` JSON)."""
    html = response.content.decode()
    return json.loads(
        html.split('<script id="product-choice" type="application/json">', 1)[1].split("</script>")[0]
    )


def main_photo(response) -> str:
    return re.search(r'<a href="([^"]+)" data-product-photo>', response.content.decode()).group(1)


def test_without_a_choice_the_headline_says_from_and_the_first_option_in_stock_is_checked(client, longjing):
    response = client.get("/products/longjing/")

    assert response.status_code == 200
    assert headline(response) == ("From ¥349.00", None)
    assert checked_ids(response) == [longjing["small"].pk]
    assert choice_data(response)["chosen"] is None


def test_a_chosen_option_shows_its_price_and_stock_and_is_the_one_checked(client, longjing):
    medium = longjing["medium"]

    response = client.get(f"/products/longjing/?variant={medium.pk}")

    assert response.status_code == 200
    assert headline(response) == ("¥1,298.00", "Only 3 left")
    assert checked_ids(response) == [medium.pk]
    assert '<span class="price" data-product-price>¥1,298.00</span>' in response.content.decode()
    assert choice_data(response)["chosen"] == medium.pk


def test_a_chosen_option_in_chinese_shows_the_same_amount_and_a_translated_stock_line(client, longjing):
    medium = longjing["medium"]

    response = client.get(f"/products/longjing/?variant={medium.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert headline(response) == ("¥1,298.00", "仅剩 3 件")


def test_a_chosen_option_that_is_sold_out_is_shown_unchecked_and_offered_for_back_in_stock(client, longjing):
    large = longjing["large"]

    response = client.get(f"/products/longjing/?variant={large.pk}")

    html = response.content.decode()
    assert response.status_code == 200
    assert headline(response) == ("¥1,539.00", "Out of stock")
    assert checked_ids(response) == []
    assert f'<option value="{large.pk}" selected>Weight: 250 g</option>' in html


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_scripts_data_carries_each_option_formatted_and_translated_by_the_server(
    client, longjing, language
):
    texts = {
        "en": ("In stock", "Only 3 left", "Out of stock"),
        "zh-hans": ("有货", "仅剩 3 件", "缺货"),
    }[language]

    data = choice_data(client.get("/products/longjing/", HTTP_ACCEPT_LANGUAGE=language))

    assert data["checked"] == longjing["small"].pk
    assert {
        int(pk): (variant["price"], variant["stock"]["state"], variant["stock"]["text"])
        for pk, variant in data["variants"].items()
    } == {
        longjing["small"].pk: ("¥349.00", "in", texts[0]),
        longjing["medium"].pk: ("¥1,298.00", "low", texts[1]),
        longjing["large"].pk: ("¥1,539.00", "out", texts[2]),
    }


def test_a_chosen_option_with_a_photo_of_its_own_shows_that_photo_first(client, longjing):
    product, medium = longjing["product"], longjing["medium"]
    general = product_image_create(product=product, data=image_bytes(size=(40, 40)), filename="tin.jpg")
    own = product_image_create(
        product=product, data=image_bytes(size=(40, 40)), filename="medium.jpg", position=1
    )
    own.variant = medium
    own.save()

    plain = client.get("/products/longjing/")
    chosen = client.get(f"/products/longjing/?variant={medium.pk}")
    other = client.get(f"/products/longjing/?variant={longjing['small'].pk}")

    assert main_photo(plain) == general.image.url
    assert main_photo(chosen) == own.image.url
    assert main_photo(other) == general.image.url
    assert choice_data(plain)["variants"][str(medium.pk)]["image"] == {
        "url": own.thumbnail_large.url,
        "full_url": own.image.url,
        "alt": "West Lake Longjing",
    }
    assert choice_data(plain)["variants"][str(longjing["small"].pk)]["image"] is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        "0",
        "-3",
        "1.5",
        "1e3",
        "99999999999999999999999",
        "unknown",
        "other product",
        "inactive",
    ],
)
def test_a_variant_that_is_no_option_of_the_product_shows_the_page_without_a_choice(client, longjing, value):
    stranger = VariantFactory(price=Decimal("5.00"))
    withdrawn = VariantFactory(product=longjing["product"], price=Decimal("9.00"), is_active=False)
    value = {
        "unknown": str(stranger.pk + 1000),
        "other product": str(stranger.pk),
        "inactive": str(withdrawn.pk),
    }.get(value, value)

    response = client.get("/products/longjing/", {"variant": value})

    assert response.status_code == 200
    assert headline(response) == ("From ¥349.00", None)
    assert checked_ids(response) == [longjing["small"].pk]
    assert choice_data(response)["chosen"] is None


def test_made_up_variant_ids_cost_no_page_of_their_own(client, longjing, django_assert_num_queries):
    client.get("/products/longjing/")

    with django_assert_num_queries(1):  # the catalogue revision: the plain page comes from the cache
        response = client.get("/products/longjing/?variant=424242")

    assert headline(response) == ("From ¥349.00", None)


def test_a_chosen_option_page_is_cached_like_the_plain_one(client, longjing, django_assert_num_queries):
    url = f"/products/longjing/?variant={longjing['medium'].pk}"
    client.get(url)

    with django_assert_num_queries(1):
        response = client.get(url)

    assert headline(response) == ("¥1,298.00", "Only 3 left")


def test_a_product_in_stock_has_a_live_button_in_its_buy_bar(client, longjing):
    html = client.get("/products/longjing/").content.decode()

    bar = html.split('<div class="buy-bar">', 1)[1].split("</div>", 1)[0]
    assert '<span class="price" data-product-price>From ¥349.00</span>' in bar
    assert '<button class="button button-large" type="submit">Add to cart</button>' in bar
    assert "#back-in-stock" not in bar


def test_a_sold_out_products_buy_bar_leads_to_the_back_in_stock_form_instead(client):
    VariantFactory(product=ProductFactory(slug="gone"), price=Decimal("20.00"), stock=0)

    html = client.get("/products/gone/").content.decode()
    chinese = client.get("/products/gone/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    bar = html.split('<div class="buy-bar">', 1)[1].split("</div>", 1)[0]
    assert 'type="submit" disabled>Add to cart</button>' in bar
    assert '<a class="button button-large buy-bar-notify" href="#back-in-stock">Notify me</a>' in bar
    assert '<section class="back-in-stock" id="back-in-stock"' in html
    assert 'href="#back-in-stock">到货提醒</a>' in chinese
