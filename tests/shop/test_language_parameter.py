"""A page's address per language: ``?lang=`` and the hreflang links."""

import re

import pytest
from django.conf import settings as django_settings

from tests.factories import ProductFactory, VariantFactory

pytestmark = [pytest.mark.django_db]

SITE = "https://shop.example.com"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def alternates_of(response) -> dict[str, str]:
    links = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', response.content.decode())
    return {hreflang: href.replace("&amp;", "&") for hreflang, href in links}


def test_lang_shows_the_chinese_page_without_setting_the_cookie(client):
    response = client.get("/?lang=zh-hans", HTTP_ACCEPT_LANGUAGE="en")

    assert '<html lang="zh-hans">' in response.content.decode()
    assert django_settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_lang_applies_to_that_request_only(client):
    client.get("/?lang=zh-hans")

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert '<html lang="en">' in response.content.decode()


@pytest.mark.parametrize("value", ["klingon", "zh", "", "x" * 500])
def test_an_unknown_lang_is_ignored(client, value):
    response = client.get(f"/?lang={value}", HTTP_ACCEPT_LANGUAGE="zh-CN")

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_a_cached_page_is_served_from_the_cache_in_each_language(client, django_assert_num_queries):
    client.get("/?lang=zh-hans")
    client.get("/?lang=en")

    with django_assert_num_queries(1):
        chinese = client.get("/?lang=zh-hans")
    with django_assert_num_queries(1):
        english = client.get("/?lang=en")

    assert '<html lang="zh-hans">' in chinese.content.decode()
    assert '<html lang="en">' in english.content.decode()


def test_pages_link_their_address_in_each_language(client):
    VariantFactory(product=ProductFactory(slug="sencha"))

    home = client.get("/")
    product = client.get("/products/sencha/?lang=zh-hans")

    assert alternates_of(home) == {
        "en": f"{SITE}/?lang=en",
        "zh-Hans": f"{SITE}/?lang=zh-hans",
        "x-default": f"{SITE}/",
    }
    assert alternates_of(product) == {
        "en": f"{SITE}/products/sencha/?lang=en",
        "zh-Hans": f"{SITE}/products/sencha/?lang=zh-hans",
        "x-default": f"{SITE}/products/sencha/",
    }


def test_the_language_switch_returns_to_the_page_without_its_lang(client):
    response = client.get("/products/?q=tea&lang=zh-hans")

    assert '<input name="next" type="hidden" value="/products/?q=tea">' in response.content.decode()


def canonical_of(response) -> str:
    found = re.search(r'<link rel="canonical" href="([^"]*)">', response.content.decode())
    return found.group(1).replace("&amp;", "&")


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("/", "/"),
        ("/products/?page=2&sort=price", "/products/?page=2"),
        ("/products/sencha/", "/products/sencha/"),
    ],
)
def test_each_language_address_is_its_own_canonical_and_the_plain_one_the_default(
    client, settings, path, canonical
):
    settings.CATALOG_PAGE_SIZE = 1
    for slug in ["sencha", "matcha", "genmaicha"]:
        VariantFactory(product=ProductFactory(slug=slug))
    joiner = "&" if "?" in path else "?"
    separator = "&" if "?" in canonical else "?"

    plain = client.get(path)
    english = client.get(f"{path}{joiner}lang=en")
    chinese = client.get(f"{path}{joiner}lang=zh-hans")
    plain_again = client.get(path)  # after the ?lang= pages were cached

    assert canonical_of(plain) == canonical_of(plain_again) == f"{SITE}{canonical}"
    assert canonical_of(english) == f"{SITE}{canonical}{separator}lang=en"
    assert canonical_of(chinese) == f"{SITE}{canonical}{separator}lang=zh-hans"
    assert alternates_of(chinese) == alternates_of(plain)


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "language"),
    [
        ("", None, "zh-CN,zh;q=0.9", "zh-hans"),
        ("", "zh-hans", "en", "zh-hans"),
        ("", "en", "zh-CN", "en"),
        ("?lang=en", "zh-hans", "zh-CN", "en"),
        ("", None, "", "en"),
    ],
)
def test_the_language_comes_from_lang_then_cookie_then_browser_and_is_named_in_the_headers(
    client, query, cookie, accept, language
):
    if cookie is not None:
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = cookie

    response = client.get(f"/products/{query}", HTTP_ACCEPT_LANGUAGE=accept)

    assert f'<html lang="{language}">' in response.content.decode()
    assert response.headers["Content-Language"] == language
    assert "Accept-Language" in response.headers["Vary"]
