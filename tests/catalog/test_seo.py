import html
import json
import re
from decimal import Decimal

import pytest
from django.test import override_settings

from catalog.services import product_image_create
from tests.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.images import image_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "https://shop.example.com"


def canonical_of(response) -> str:
    return html.unescape(
        re.search(r'<link rel="canonical" href="([^"]*)">', response.content.decode()).group(1)
    )


def json_ld_of(response) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(found.group(1))


def test_home_canonical_is_the_site_root(client):
    response = client.get("/?utm_source=mail")

    assert canonical_of(response) == "https://shop.example.com/"


def test_product_list_canonical_drops_sort_and_junk_but_keeps_filters_and_page(client, settings):
    settings.CATALOG_PAGE_SIZE = 1
    for name in ["Green tea", "Green mug", "Green pot"]:
        VariantFactory(product=ProductFactory(name=name), price=Decimal("30.00"))

    response = client.get("/products/?sort=-price&utm_campaign=x&q=green&min_price=10&in_stock=1&page=2")

    assert canonical_of(response) == (
        "https://shop.example.com/products/?q=green&min_price=10.00&in_stock=1&page=2"
    )


def test_product_list_canonical_of_the_first_page_has_no_page_param(client):
    response = client.get("/products/?page=1&sort=name")

    assert canonical_of(response) == "https://shop.example.com/products/"


def test_category_canonical_is_the_category_url(client):
    CategoryFactory(slug="tea")

    response = client.get("/category/tea/?sort=newest&fbclid=abc")

    assert canonical_of(response) == "https://shop.example.com/category/tea/"


def test_product_canonical_is_its_absolute_url(client):
    VariantFactory(product=ProductFactory(slug="sencha"))

    response = client.get("/products/sencha/?ref=newsletter")

    assert canonical_of(response) == "https://shop.example.com/products/sencha/"


def test_pages_have_titles_and_meta_descriptions(client):
    tea = CategoryFactory(name="Tea", slug="tea", description="Leaves from the best gardens.")
    VariantFactory(
        product=ProductFactory(name="Sencha", slug="sencha", category=tea, description="Grassy and sweet.")
    )

    category = client.get("/category/tea/").content.decode()
    product = client.get("/products/sencha/").content.decode()
    listing = client.get("/products/").content.decode()

    assert "<title>Tea | Maple &amp; Pine</title>" in category
    assert '<meta name="description" content="Leaves from the best gardens.">' in category
    assert "<title>Sencha | Maple &amp; Pine</title>" in product
    assert '<meta name="description" content="Grassy and sweet.">' in product
    assert "<title>All products | Maple &amp; Pine</title>" in listing


@override_settings(CATALOG_PAGE_SIZE=1)
def test_later_pages_say_their_page_number_in_the_title(client):
    VariantFactory(product=ProductFactory(name="A"))
    VariantFactory(product=ProductFactory(name="B"))

    response = client.get("/products/?page=2")

    assert "<title>All products (page 2) | Maple &amp; Pine</title>" in response.content.decode()


def test_product_json_ld_describes_the_product_and_its_offer(client, settings):
    settings.SHOP_CURRENCY = "CNY"
    product = ProductFactory(name="Sencha", slug="sencha", description="Grassy & sweet </script>")
    VariantFactory(product=product, sku="SEN-1", price=Decimal("42.50"), stock=4)

    response = client.get("/products/sencha/")

    assert "Grassy &amp; sweet </script>" not in response.content.decode().split("<body", 1)[0]
    assert json_ld_of(response) == {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "Sencha",
        "description": "Grassy & sweet </script>",
        "sku": "SEN-1",
        "url": "https://shop.example.com/products/sencha/",
        "offers": {
            "@type": "Offer",
            "sku": "SEN-1",
            "price": "42.50",
            "priceCurrency": "CNY",
            "availability": "https://schema.org/InStock",
            "url": "https://shop.example.com/products/sencha/",
        },
    }


def test_product_json_ld_lists_one_offer_per_variant_with_availability(client):
    product = ProductFactory(slug="oolong")
    VariantFactory(product=product, sku="OOL-S", price=Decimal("10.00"), stock=0)
    VariantFactory(product=product, sku="OOL-L", price=Decimal("18.00"), stock=5)

    offers = json_ld_of(client.get("/products/oolong/"))["offers"]

    assert [(offer["sku"], offer["price"], offer["availability"]) for offer in offers] == [
        ("OOL-S", "10.00", "https://schema.org/OutOfStock"),
        ("OOL-L", "18.00", "https://schema.org/InStock"),
    ]


def test_product_page_shows_large_thumbnails_and_json_ld_links_the_original_photos(client):
    product = ProductFactory(name="Sencha", slug="sencha")
    VariantFactory(product=product)
    photo = product_image_create(
        product=product, data=image_bytes(size=(1200, 900)), filename="sencha.jpg", alt_text="A cup of sencha"
    )

    response = client.get("/products/sencha/")

    body = response.content.decode()
    assert f'<img src="{photo.thumbnail_large.url}" alt="A cup of sencha"' in body
    assert json_ld_of(response)["image"] == [f"https://shop.example.com{photo.image.url}"]


def test_product_card_uses_the_small_thumbnail(client):
    product = ProductFactory(name="Sencha", slug="sencha")
    VariantFactory(product=product)
    photo = product_image_create(product=product, data=image_bytes(size=(1200, 900)), filename="sencha.jpg")

    body = client.get("/products/").content.decode()

    assert f'<img src="{photo.thumbnail_small.url}" alt="Sencha"' in body


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")

    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()
