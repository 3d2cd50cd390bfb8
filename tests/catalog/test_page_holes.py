"""Cached pages are stored cut at their holes, as bytes, and every hole is filled per request."""

import re

import pytest
from django.test import Client, RequestFactory

from catalog.cache.base import holes_fill, page_holes, page_split
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_a_split_page_keeps_its_text_byte_for_byte_and_names_its_holes_in_order():
    holes = page_holes()
    html = f"<p>绿茶 ¥12</p>{holes['links']}<form>{holes['csrf']}</form>{holes['next']}{holes['csrf']}"

    segments, names = page_split(html)

    assert names == ("links", "csrf", "next", "csrf")
    assert b"".join(segments) == "<p>绿茶 ¥12</p><form></form>".encode()
    assert page_split("no holes at all") == ((b"no holes at all",), ())


def test_filling_puts_each_requests_values_in_every_hole_and_leaves_the_rest_as_it_was():
    holes = page_holes()
    page = page_split(
        f"<h1>茶</h1>{holes['csrf']}|{holes['next']}|{holes['recent']}|{holes['csrf']}{holes['messages']}"
    )
    request = RequestFactory().get("/products/?sort=price&lang=zh-hans")

    filled = holes_fill(page, request, recent="<aside>seen</aside>").decode()

    token = filled.split("</h1>", 1)[1].split("|", 1)[0]
    assert filled == f"<h1>茶</h1>{token}|/products/?sort=price|<aside>seen</aside>|{token}"
    assert len(token) == 64
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert not any(marker in filled for marker in holes.values())


def test_two_visitors_of_one_cached_page_get_different_tokens_and_no_hole_marker():
    VariantFactory(product=ProductFactory(slug="sencha"))
    Client().get("/products/")  # fills the cache

    first = Client().get("/products/").content.decode()
    second = Client().get("/products/").content.decode()

    first_tokens = set(TOKEN.findall(first))
    second_tokens = set(TOKEN.findall(second))
    assert len(first_tokens) == len(second_tokens) == 1
    assert first_tokens != second_tokens
    assert not any(marker in first + second for marker in page_holes().values())
