"""Flash messages: Django's cookie-then-session storage, made only for requests that use it."""

import secrets

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpResponse
from django.test import RequestFactory

from shop.messages import LazyFallbackStorage

pytestmark = pytest.mark.django_db


def storage_for(request) -> LazyFallbackStorage:
    request.session = SessionBase()
    request._messages = LazyFallbackStorage(request)
    return request._messages


def test_a_first_visit_reads_no_messages_makes_no_store_and_sets_no_cookie():
    request = RequestFactory().get("/")
    storage = storage_for(request)
    response = HttpResponse()

    assert list(get_messages(request)) == []
    storage.update(response)

    assert "storages" not in storage.__dict__
    assert response.cookies == {}


def test_a_message_added_goes_to_the_cookie_and_the_next_request_reads_it_once():
    first = RequestFactory().get("/")
    storage_for(first)
    messages.success(first, "Added to your cart.")
    response = HttpResponse()
    first._messages.update(response)
    cookie = response.cookies["messages"].value

    second = RequestFactory().get("/", HTTP_COOKIE=f"messages={cookie}")
    storage = storage_for(second)
    shown = [str(message) for message in get_messages(second)]
    emptied = HttpResponse()
    storage.update(emptied)

    assert shown == ["Added to your cart."]
    assert emptied.cookies["messages"]["max-age"] == 0  # read once: the cookie is removed


def test_messages_the_cookie_has_no_room_for_wait_in_the_session_and_are_all_read_next_time():
    session = SessionBase()
    first = RequestFactory().get("/")
    first.session = session
    first._messages = LazyFallbackStorage(first)
    # About 4 KB that compresses little: over the cookie's 2 KB.
    texts = [f"Message {number}: {secrets.token_urlsafe(300)}" for number in range(10)]
    for text in texts:
        messages.info(first, text)
    response = HttpResponse()
    first._messages.update(response)
    cookie = response.cookies["messages"].value

    second = RequestFactory().get("/", HTTP_COOKIE=f"messages={cookie}")
    second.session = session
    second._messages = LazyFallbackStorage(second)

    assert "_messages" in session
    assert [str(message) for message in get_messages(second)] == texts
