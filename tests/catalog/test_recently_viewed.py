"""Recently viewed products: kept in the session, shown on product pages without a query per product."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.recently_viewed import RECENTLY_VIEWED_SESSION_KEY, recently_viewed_ids, recently_viewed_record
from tests.catalog.recommendation_helpers import names, product, section
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def with_session(client):
    client.session  # noqa: B018 (the test client starts a session and sets its cookie)
    return client


def test_recently_viewed_shows_what_the_shopper_viewed_latest_first(client):
    tea = CategoryFactory()
    sencha, matcha, oolong = (product(name, category=tea) for name in ("Sencha", "Matcha", "Oolong"))
    with_session(client)

    for item in (sencha, matcha, sencha, oolong):
        html = client.get(item.get_absolute_url()).content.decode()

    assert names(section(html, "recently-viewed-heading")) == ["Sencha", "Matcha"]
    assert client.session[RECENTLY_VIEWED_SESSION_KEY] == [oolong.pk, sencha.pk, matcha.pk]


def test_recently_viewed_is_not_kept_for_visitors_without_a_session(client):
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)

    client.get(sencha.get_absolute_url())
    html = client.get(matcha.get_absolute_url()).content.decode()

    assert 'id="recently-viewed-heading"' not in html
    assert settings.SESSION_COOKIE_NAME not in client.cookies


def test_recently_viewed_costs_no_query_per_product(client):
    tea = CategoryFactory()
    items = [product(f"Tea {number}", category=tea) for number in range(6)]
    target = product("Target", category=tea)
    with_session(client)
    for item in (items[0], target, items[0]):
        client.get(item.get_absolute_url())
    with CaptureQueriesContext(connection) as one_viewed:
        client.get(target.get_absolute_url())
    for item in [*items[1:], items[0]]:
        client.get(item.get_absolute_url())

    with CaptureQueriesContext(connection) as six_viewed:
        html = client.get(target.get_absolute_url()).content.decode()

    assert len(names(section(html, "recently-viewed-heading"))) == 6
    assert len(six_viewed) == len(one_viewed)


def test_a_shopper_views_a_cached_product_page_in_three_queries(client, django_assert_num_queries):
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    with_session(client)
    for item in (sencha, matcha, sencha):
        client.get(item.get_absolute_url())

    # The catalogue revision, the session, and the session saved with the new list.
    with django_assert_num_queries(3):
        html = client.get(matcha.get_absolute_url()).content.decode()

    assert names(section(html, "recently-viewed-heading")) == ["Sencha"]
    assert client.session[RECENTLY_VIEWED_SESSION_KEY] == [matcha.pk, sencha.pk]


def test_recently_viewed_leaves_out_products_hidden_since(client, django_capture_on_commit_callbacks):
    tea = CategoryFactory()
    sencha, matcha, oolong = (product(name, category=tea) for name in ("Sencha", "Matcha", "Oolong"))
    with_session(client)
    client.get(sencha.get_absolute_url())
    client.get(matcha.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        matcha.is_active = False
        matcha.save()
    html = client.get(oolong.get_absolute_url()).content.decode()

    assert names(section(html, "recently-viewed-heading")) == ["Sencha"]


def test_a_malformed_recently_viewed_list_in_the_session_is_ignored(client):
    item = product("Sencha", category=CategoryFactory())
    session = with_session(client).session
    session[RECENTLY_VIEWED_SESSION_KEY] = ["x", -3, True, None, 2**70, {"a": 1}]
    session.save()

    response = client.get(item.get_absolute_url())

    assert response.status_code == 200
    assert client.session[RECENTLY_VIEWED_SESSION_KEY] == [item.pk]


def test_recording_a_view_keeps_at_most_twelve_and_skips_a_repeat():
    session = {RECENTLY_VIEWED_SESSION_KEY: list(range(1, 13))}

    recently_viewed_record(session=session, product_id=7)
    recently_viewed_record(session=session, product_id=99)
    kept = session[RECENTLY_VIEWED_SESSION_KEY]
    recently_viewed_record(session=session, product_id=99)

    assert recently_viewed_ids(session=session) == [99, 7, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11]
    assert session[RECENTLY_VIEWED_SESSION_KEY] is kept
