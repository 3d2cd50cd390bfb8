"""Cached pages are stored cut at their holes, as bytes, and every hole is filled per request."""

import re

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from catalog.cache.base import holes_fill, page_holes, page_split
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_a_split_page_keeps_its_text_byte_for_byte_and_names_its_holes_in_order():
    holes = page_holes()
    html = f"<p>绿茶 ¥12</p>{holes['links']}<form>{holes['csrf']}</form>{holes['next']}{holes['csrf']}"

    page = page_split(html)

    assert page.holes == ("links", "csrf", "next", "csrf")
    assert b"".join(page.segments) == "<p>绿茶 ¥12</p><form></form>".encode()
    assert page_split("no holes at all")[:2] == ((b"no holes at all",), ())


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


def header_links(page: str) -> str:
    return page.split('<nav class="header-links"', 1)[1].split("</nav>", 1)[0]


def test_a_visitor_without_a_session_gets_the_links_stored_with_the_page_as_a_fresh_render_would_be():
    VariantFactory(product=ProductFactory(slug="sencha"))
    Client().get("/products/sencha/")  # fills the cache, with the guest links
    with_session = Client()
    with_session.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"

    guest = Client().get("/products/sencha/").content.decode()
    rendered = with_session.get("/products/sencha/").content.decode()

    assert header_links(guest) == header_links(rendered)
    assert reverse("account:login") in header_links(guest)
    assert reverse("cart:detail") in header_links(guest)


def test_guest_links_are_stored_in_the_pages_language():
    VariantFactory(product=ProductFactory(slug="sencha"))
    Client().get("/products/sencha/?lang=zh-hans")

    page = Client().get("/products/sencha/?lang=zh-hans").content.decode()

    assert "登录" in header_links(page)
