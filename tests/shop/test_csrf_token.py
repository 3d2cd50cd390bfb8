"""The CSRF token on cached pages: Django's own token, accepted by its middleware, from one random read."""

import re

import pytest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_TOKEN_LENGTH, _unmask_cipher_token
from django.test import Client, RequestFactory

from shop.csrf import csrf_token_get

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_a_cached_pages_token_and_cookie_pass_django_csrf_checks():
    client = Client(enforce_csrf_checks=True)
    client.get("/products/")  # the first visit fills the cache
    response = client.get("/products/")
    token = TOKEN.search(response.content.decode()).group(1)

    accepted = client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": token}
    )
    forged = Client(enforce_csrf_checks=True)
    forged.cookies = client.cookies
    refused = forged.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": "a" * CSRF_TOKEN_LENGTH}
    )

    assert "csrftoken" in response.cookies
    assert accepted.status_code == 302
    assert refused.status_code == 403


def test_the_token_masks_the_visitors_secret_and_a_new_secret_is_kept_for_the_cookie():
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = "s" * 32

    kept = csrf_token_get(request)
    fresh_request = RequestFactory().get("/")
    fresh = csrf_token_get(fresh_request)

    assert _unmask_cipher_token(kept) == "s" * 32
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert _unmask_cipher_token(fresh) == fresh_request.META["CSRF_COOKIE"]
    assert fresh_request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert len(kept) == len(fresh) == CSRF_TOKEN_LENGTH
    assert set(kept + fresh) <= set(CSRF_ALLOWED_CHARS)


def test_every_character_of_the_alphabet_turns_up_and_tokens_differ():
    tokens = [csrf_token_get(RequestFactory().get("/")) for _ in range(300)]

    assert len(set(tokens)) == len(tokens)
    assert set("".join(tokens)) == set(CSRF_ALLOWED_CHARS)
