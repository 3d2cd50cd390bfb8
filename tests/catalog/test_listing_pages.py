"""Listing pages beyond the numbered ones: keyset cursors, the last page, the capped count."""

import base64
import json
import re
from decimal import Decimal
from html import unescape

import pytest

from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seven(settings):
    settings.CATALOG_PAGE_SIZE = 2
    settings.CATALOG_PAGE_NUMBER_LIMIT = 2
    for n in range(7):
        VariantFactory(product=ProductFactory(name=f"Tea {n}"), price=Decimal(50 - n), stock=1)


def names(html: str) -> list[str]:
    return re.findall(r'<span class="product-card-name">(.*?)</span>', html)


def link(html: str, attribute: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" {attribute}', html)
    return unescape(found.group(1)) if found else None


@pytest.mark.parametrize("sort", ["", "price", "-price", "newest"])
def test_following_next_links_reaches_every_product_once_and_the_last_page_matches(client, seven, sort):
    url = f"/products/?sort={sort}" if sort else "/products/"
    seen: list[str] = []
    while url:
        html = client.get(url).content.decode()
        seen += names(html)
        url = link(html, 'rel="next"')
    last = client.get(link(client.get("/products/?sort=" + sort).content.decode(), 'data-page="last"'))

    assert sorted(seen) == [f"Tea {n}" for n in range(7)]
    assert len(set(seen)) == 7
    assert names(last.content.decode()) == seen[-2:]
    assert "More than 4 products" in client.get("/products/").content.decode()


def test_previous_from_the_last_page_goes_back_in_order(client, seven):
    last = client.get("/products/?page=last").content.decode()
    previous = client.get(link(last, 'rel="prev"')).content.decode()

    assert names(previous) + names(last) == ["Tea 3", "Tea 4", "Tea 5", "Tea 6"]


@pytest.mark.parametrize("cursor", ["junk", "W10", "WyJwcmljZSIsWzEsMiwzXV0", "%00", "a" * 2000])
def test_a_malformed_cursor_is_ignored_with_a_note(client, seven, cursor):
    response = client.get("/products/", {"after": cursor})

    assert response.status_code == 200
    assert names(response.content.decode()) == ["Tea 0", "Tea 1"]


def test_the_pager_beyond_the_numbered_pages_speaks_chinese(client, seven):
    html = client.get("/products/?page=last", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "第一页" in html
    assert "上一页" in html
    assert "超过 4 件商品" in html
    assert "First page" not in html


def crafted(sort: str, key: list) -> str:
    raw = json.dumps([sort, key]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("newest", ["2024-02-30T00:00:00+00:00", 1]),
        ("newest", ["2024-02-01T00:00:00+99:00", 1]),
        ("newest", ["2024-02-01T25:00:00+00:00", 1]),
        ("newest", ["0001-01-01T00:00:00+23:00", 1]),
        ("newest", ["2024-02-01T00:00:00+00:00", 2**63]),
        ("newest", ["2024-02-01T00:00:00+00:00", 0]),
        ("newest", ["2024-02-01T00:00:00+00:00", True]),
        ("name", ["\ud800", 1]),
        ("name", ["Tea \udfff", 1]),
        ("price", ["1E-20000", "a", 1]),
        ("price", ["1E+20000", "a", 1]),
        ("price", ["1.005", "a", 1]),
        ("price", ["-1", "a", 1]),
        ("price", ["10", "\ud800", 1]),
        ("-price", ["NaN", "a", 1]),
    ],
)
def test_a_crafted_cursor_is_ignored_with_a_note(client, seven, sort, key):
    response = client.get("/products/", {"sort": sort, "after": crafted(sort, key)})
    html = response.content.decode()

    assert response.status_code == 200
    assert "Some filters were not valid and have been ignored: Next page" in html
    assert len(names(html)) == 2


def test_a_cursor_price_with_a_wide_exponent_is_read_as_two_places(client, seven):
    response = client.get("/products/", {"sort": "price", "after": crafted("price", ["0E+9999", "Tea", 1])})

    assert response.status_code == 200
    assert "have been ignored" not in response.content.decode()
    assert len(names(response.content.decode())) == 2
