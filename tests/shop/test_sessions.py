"""The session store: Django's database sessions, read and written with one statement each."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from shop.sessions import SessionStore
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def test_a_saved_session_reads_back_in_one_query(django_assert_num_queries):
    store = SessionStore()
    store["cart"] = {"7": 2}
    store.save()

    with django_assert_num_queries(1):
        again = SessionStore(session_key=store.session_key)
        cart = again["cart"]

    assert cart == {"7": 2}


def test_changing_a_session_saves_it_in_one_update(django_assert_num_queries):
    store = SessionStore()
    store["cart"] = {"7": 2}
    store.save()
    again = SessionStore(session_key=store.session_key)
    again["cart"] = {"7": 3}

    with django_assert_num_queries(1) as captured:
        again.save()

    assert captured.captured_queries[0]["sql"].startswith('UPDATE "django_session"')
    assert SessionStore(session_key=store.session_key)["cart"] == {"7": 3}


def test_an_expired_session_reads_as_empty_and_gets_a_new_key_on_save():
    store = SessionStore()
    store["cart"] = {"7": 2}
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    again = SessionStore(session_key=store.session_key)
    data = dict(again.items())
    again["cart"] = {"8": 1}
    again.save()

    assert data == {}
    assert again.session_key != store.session_key
    assert SessionStore(session_key=again.session_key)["cart"] == {"8": 1}


def test_saving_a_session_deleted_meanwhile_raises_update_error():
    store = SessionStore()
    store["cart"] = {"7": 2}
    store.save()
    stale = SessionStore(session_key=store.session_key)
    stale["cart"] = {"7": 5}
    store.delete()

    with pytest.raises(UpdateError):
        stale.save()

    assert not Session.objects.exists()


def test_a_new_session_is_created_with_its_data():
    store = SessionStore()
    store["cart"] = {"7": 1}

    store.save()

    assert Session.objects.get(session_key=store.session_key).get_decoded() == {"cart": {"7": 1}}


def test_a_new_session_is_created_with_one_insert(django_assert_num_queries):
    store = SessionStore()
    store["cart"] = {"7": 1}

    with django_assert_num_queries(1) as captured:
        store.save()

    assert captured.captured_queries[0]["sql"].startswith('INSERT INTO "django_session"')
    assert SessionStore(session_key=store.session_key)["cart"] == {"7": 1}


class _TakenKeyFirst(SessionStore):
    """A store whose first key drawn is one already in use, as a rare collision would be."""

    def __init__(self, taken: str) -> None:
        super().__init__()
        self._keys = [taken]

    @property
    def key_salt(self) -> str:
        # The salt is named after the class: sign as the shop's store does.
        return SessionStore().key_salt

    def _get_new_session_key(self) -> str:
        return self._keys.pop() if self._keys else super()._get_new_session_key()


def test_a_new_session_whose_key_is_taken_gets_another_and_leaves_the_other_alone():
    other = SessionStore()
    other["cart"] = {"7": 2}
    other.save()
    store = _TakenKeyFirst(taken=other.session_key)
    store["cart"] = {"8": 1}

    store.save()

    assert store.session_key != other.session_key
    assert SessionStore(session_key=store.session_key)["cart"] == {"8": 1}
    assert SessionStore(session_key=other.session_key)["cart"] == {"7": 2}


def test_a_shopper_keeps_the_cart_across_requests(client):
    variant = VariantFactory(stock=5)

    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})

    assert client.session["cart"] == {str(variant.pk): 3}
    assert Session.objects.count() == 1
