"""The catalogue revision kept in each process: no query on a warm page, and never a stale one.

These tests commit for real (another connection must see the changes, and NOTIFY is sent only
at commit), and each stops its listener before the test database is dropped.
"""

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import CatalogRevision
from catalog.revision import (
    revision_forget,
    revision_generation,
    revision_held,
    revision_keep,
    revision_listener_stop,
)
from catalog.revision import revision_listening as listening
from catalog.revision_read import CatalogRevisionRead, catalog_revision
from tests.catalog.test_scheduled_changes import SALE_TEXT, db_now, teapot_on_sale_from, wait_until
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db(transaction=True)

# How long a test waits for the listener to connect or for a notification to arrive.
PATIENCE_SECONDS = 5.0


def eventually(check: Callable[[], bool]) -> bool:
    """Whether ``check()`` comes true within PATIENCE_SECONDS."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


@pytest.fixture
def listener(settings):
    """The listener on, started by the first request, and stopped before the database goes."""
    settings.CATALOG_REVISION_LISTEN = True
    revision_listener_stop()
    # A transactional test database is flushed between tests, taking the revision row with it.
    CatalogRevision.objects.get_or_create(pk=1)
    yield
    revision_listener_stop()


def listening_warm(client, path: str) -> None:
    """Start the listener, wait for it, and leave ``path`` warm with the revision held."""
    client.get(path)
    assert eventually(listening)
    client.get(path)
    client.get(path)


def queries_of(client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        html = client.get(path).content.decode()
    return len(queries), html


def another_connection_sets_price(variant_id: int, price: str) -> None:
    """Commit a price change and a revision bump from outside this process's Django connection."""
    params = {**connection.get_connection_params(), "autocommit": True}
    with psycopg.Connection.connect(**params) as other, other.transaction():
        other.execute("UPDATE catalog_variant SET price = %s WHERE id = %s", [price, variant_id])
        other.execute("UPDATE catalog_catalogrevision SET number = number + 1 WHERE id = 1")


def test_a_warm_page_costs_no_query_while_the_listener_listens(client, listener):
    VariantFactory(product=ProductFactory(slug="sencha"), price=Decimal("20.00"))
    for path in ("/", "/products/", "/products/sencha/"):
        listening_warm(client, path)

        count, html = queries_of(client, path)

        assert count == 0
        assert "¥20.00" in html


def test_a_price_change_committed_by_another_connection_shows_once_notified(client, listener):
    variant = VariantFactory(product=ProductFactory(slug="sencha"), price=Decimal("20.00"))
    listening_warm(client, "/products/sencha/")

    another_connection_sets_price(variant.pk, "26.80")

    assert eventually(lambda: "¥26.80" in client.get("/products/sencha/").content.decode())
    assert queries_of(client, "/products/sencha/")[0] == 0  # held again after one read


def test_this_process_sees_its_own_change_at_once(client, listener):
    variant = VariantFactory(product=ProductFactory(slug="sencha"), price=Decimal("20.00"))
    listening_warm(client, "/products/sencha/")

    variant.price = Decimal("21.30")
    variant.save()  # bumps the revision after commit, in this process

    assert "¥21.30" in client.get("/products/sencha/").content.decode()


def test_a_scheduled_sale_shows_the_instant_it_starts_with_no_notification(client, listener):
    starts = db_now() + timedelta(seconds=2)
    teapot_on_sale_from(starts)
    listening_warm(client, "/products/teapot/")
    before_count, before = queries_of(client, "/products/teapot/")
    generation = revision_generation()

    wait_until(starts)
    notified = revision_generation() != generation
    after = client.get("/products/teapot/").content.decode()

    assert before_count == 0
    assert SALE_TEXT not in before
    # Nothing told the listener: this process's clock passed the next change, so it read the revision.
    assert not notified
    assert SALE_TEXT in after


def test_without_the_listener_every_warm_page_reads_the_revision(client, settings):
    settings.CATALOG_REVISION_LISTEN = False
    CatalogRevision.objects.get_or_create(pk=1)
    VariantFactory(product=ProductFactory(slug="sencha"), price=Decimal("20.00"))
    client.get("/products/sencha/")

    assert queries_of(client, "/products/sencha/")[0] == 1
    assert not listening()


def test_a_lost_listener_falls_back_to_a_query_per_page_and_reconnects(client, listener):
    variant = VariantFactory(product=ProductFactory(slug="sencha"), price=Decimal("20.00"))
    listening_warm(client, "/products/sencha/")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE query = 'LISTEN catalog_revision' AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone() is not None
    assert eventually(lambda: not listening())
    # A change made while nobody listens is read from the database, not missed.
    another_connection_sets_price(variant.pk, "24.10")

    html = client.get("/products/sencha/").content.decode()
    count = queries_of(client, "/products/sencha/")[0]  # before the listener's first retry, a second away

    assert "¥24.10" in html
    assert count == 1
    assert eventually(listening)
    client.get("/products/sencha/")
    assert queries_of(client, "/products/sencha/")[0] == 0


def test_a_read_started_before_a_notification_is_not_kept(client, listener):
    listening_warm(client, "/")
    revision_forget()
    generation = revision_generation()
    read = catalog_revision()
    revision_forget()  # a change arrives while the read was on its way

    revision_keep(read, generation)

    with CaptureQueriesContext(connection) as queries:
        catalog_revision()
    assert len(queries) == 1


def test_a_page_in_a_transaction_never_uses_the_held_revision(client, listener):
    listening_warm(client, "/")

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        catalog_revision()
    assert len(queries) == 1


def kept_while_listening(client, *, db_ahead: timedelta, next_change_in: timedelta | None) -> datetime:
    """Keep a read whose database clock is ``db_ahead`` of this process's; return this process's time."""
    listening_warm(client, "/")
    local = timezone.now()
    read = CatalogRevisionRead(
        number=1,
        passed=0,
        moment=local + db_ahead,
        next_change=None if next_change_in is None else local + db_ahead + next_change_in,
    )
    revision_keep(read, revision_generation(), now=local)
    return local


def test_a_held_revision_is_stamped_with_the_databases_clock_not_the_hosts(client, listener):
    local = kept_while_listening(client, db_ahead=timedelta(minutes=7), next_change_in=None)

    held = revision_held(now=local + timedelta(seconds=3))

    assert held.moment == local + timedelta(minutes=7, seconds=3)


def test_a_scheduled_change_passed_by_the_databases_clock_ends_the_held_revision_on_a_slow_host(
    client, listener
):
    # The host's clock is an hour behind the database's; the sale starts ten seconds after the read.
    local = kept_while_listening(client, db_ahead=timedelta(hours=1), next_change_in=timedelta(seconds=10))

    assert revision_held(now=local + timedelta(seconds=9)) is not None
    assert revision_held(now=local + timedelta(seconds=10)) is None


def test_a_scheduled_change_is_not_taken_as_passed_early_on_a_fast_host(client, listener):
    local = kept_while_listening(client, db_ahead=-timedelta(hours=1), next_change_in=timedelta(seconds=10))

    assert revision_held(now=local + timedelta(seconds=9)) is not None


def test_a_held_revision_is_read_again_once_older_than_the_cap(client, listener, settings):
    settings.CATALOG_REVISION_HELD_SECONDS = 30
    listening_warm(client, "/")
    kept = time.monotonic()

    fresh = revision_held(monotonic=kept + 29)
    stale = revision_held(monotonic=kept + 31)

    assert fresh is not None
    assert stale is None


def test_a_page_reads_the_revision_again_after_the_cap_with_no_notification(client, listener, settings):
    # A listener whose link died silently still looks connected: the cap alone bounds how stale a page is.
    settings.CATALOG_REVISION_HELD_SECONDS = 0.5
    VariantFactory(product=ProductFactory(slug="sencha"), price=Decimal("20.00"))
    listening_warm(client, "/products/sencha/")
    generation = revision_generation()
    held_count = queries_of(client, "/products/sencha/")[0]

    time.sleep(0.6)
    capped_count = queries_of(client, "/products/sencha/")[0]
    held_again_count = queries_of(client, "/products/sencha/")[0]

    assert revision_generation() == generation  # nothing was notified
    assert (held_count, capped_count, held_again_count) == (0, 1, 0)
