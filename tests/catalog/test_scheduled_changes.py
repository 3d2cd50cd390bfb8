"""Pages that change at a set time with no save: the schedule, the cache keys, the fold, the clock."""

import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test import RequestFactory
from django.utils import timezone

from catalog.cache import product_page, request_revision
from catalog.cache.base import cache_key, cache_seconds, request_moment
from catalog.models import CatalogRevision, CatalogScheduledChange, Variant
from catalog.services import catalog_schedule_fold, catalog_schedule_set
from tests.catalog.test_caching import WARM_QUERIES
from tests.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.helpers import run_together

pytestmark = pytest.mark.django_db

# How far ahead a boundary is set when a test waits for it: time enough to render the pages
# before it on a busy machine, short enough to wait for.
AHEAD = timedelta(seconds=2)
SALE_TEXT = '¥149.00 <del class="price-was"><span class="visually-hidden">was</span> ¥199.00</del>'


def db_now() -> datetime:
    """The database's clock, which decides when a scheduled change has passed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        return cursor.fetchone()[0]


def wait_until(moment: datetime) -> None:
    """Sleep until the database's clock has passed ``moment``."""
    while (left := (moment - db_now()).total_seconds()) >= 0:
        time.sleep(left + 0.05)


def revision_number() -> int:
    return CatalogRevision.objects.get(pk=1).number


def moments(source: str) -> list[datetime]:
    return list(
        CatalogScheduledChange.objects.filter(source=source).order_by("at").values_list("at", flat=True)
    )


def storefront_request(path: str = "/products/teapot/"):
    """A fresh request, as another web process would serve it (nothing memoized)."""
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    request.session = SessionStore()
    return request


def teapot_on_sale_from(starts: datetime, ends: datetime | None = None) -> Variant:
    """A ¥199.00 teapot (in the teaware category) on sale for ¥149.00 from ``starts``."""
    product = ProductFactory(name="Yixing Teapot", slug="teapot", category=CategoryFactory(slug="teaware"))
    return VariantFactory(
        product=product,
        price=Decimal("199.00"),
        sale_price=Decimal("149.00"),
        sale_starts_at=starts,
        sale_ends_at=ends,
        stock=5,
    )


# The schedule -----------------------------------------------------------------------------------


def test_a_source_replaces_its_own_future_moments_and_leaves_other_sources_alone():
    now = timezone.now()
    first, second, third = (now + timedelta(days=days) for days in (1, 2, 3))
    catalog_schedule_set(source="promotions.campaign:1", moments=[first, second])
    catalog_schedule_set(source="promotions.campaign:2", moments=[first])

    catalog_schedule_set(source="promotions.campaign:1", moments=[second, third, third])

    assert moments("promotions.campaign:1") == [second, third]
    assert moments("promotions.campaign:2") == [first]


def test_moments_already_passed_are_not_scheduled_and_passed_rows_wait_for_the_fold():
    now = timezone.now()
    passed = CatalogScheduledChange.objects.create(
        source="promotions.campaign:1", at=now - timedelta(hours=1)
    )

    catalog_schedule_set(source="promotions.campaign:1", moments=[now - timedelta(minutes=1)])
    catalog_schedule_set(source="promotions.campaign:1", moments=[])

    # Removing a passed row would lower the passed count, and bring an older cache key back.
    assert moments("promotions.campaign:1") == [passed.at]


def test_a_moment_that_passed_during_the_callers_transaction_is_kept_for_the_fold():
    with transaction.atomic():
        began = db_now()
        during = began + timedelta(milliseconds=100)
        wait_until(during)
        catalog_schedule_set(source="catalog.variant:1", moments=[began - timedelta(seconds=1), during])

        # Kept though passed: what the transaction wrote earlier was priced as before it.
        assert moments("catalog.variant:1") == [during]


@pytest.mark.parametrize(
    ("source", "when"),
    [
        pytest.param("", datetime(2030, 1, 1, tzinfo=UTC), id="no-source"),
        pytest.param("x" * 101, datetime(2030, 1, 1, tzinfo=UTC), id="source-too-long"),
        pytest.param("promotions.campaign:1", datetime(2030, 1, 1), id="naive-datetime"),
    ],
)
def test_a_bad_schedule_is_refused_and_nothing_changes(source, when):
    catalog_schedule_set(source="promotions.campaign:1", moments=[datetime(2029, 1, 1, tzinfo=UTC)])

    with pytest.raises(ValueError):
        catalog_schedule_set(source=source, moments=[when])

    assert list(CatalogScheduledChange.objects.values_list("source", "at")) == [
        ("promotions.campaign:1", datetime(2029, 1, 1, tzinfo=UTC))
    ]


# Cache keys change the moment a scheduled change passes ------------------------------------------


def test_the_cache_key_changes_when_a_sale_starts_without_any_save():
    starts = db_now() + AHEAD
    teapot_on_sale_from(starts)
    before_request = storefront_request()
    before = cache_key(before_request, "product", "teapot")
    number_before = revision_number()

    wait_until(starts)
    after_request = storefront_request()
    after = cache_key(after_request, "product", "teapot")

    assert before != after
    assert revision_number() == number_before  # no save bumped it
    assert request_revision(before_request).number == request_revision(after_request).number
    assert (request_revision(before_request).passed, request_revision(after_request).passed) == (0, 1)


def test_the_cache_key_changes_at_a_moment_a_higher_app_scheduled():
    when = db_now() + AHEAD
    catalog_schedule_set(source="promotions.campaign:7", moments=[when])
    before = cache_key(storefront_request("/"), "home")

    wait_until(when)
    after = cache_key(storefront_request("/"), "home")

    assert before != after


def test_cached_product_page_and_listing_switch_to_the_sale_price_when_it_starts(client):
    starts = db_now() + AHEAD
    teapot_on_sale_from(starts)
    number = revision_number()
    urls = ["/products/teapot/", "/products/", "/category/teaware/", "/"]
    for url in urls:
        client.get(url)  # cached now

    warm = {url: client.get(url).content.decode() for url in urls}
    wait_until(starts)
    fresh = {url: client.get(url).content.decode() for url in urls}

    assert revision_number() == number
    for url in ["/products/teapot/", "/products/", "/category/teaware/"]:
        assert "¥199.00" in warm[url] and SALE_TEXT not in warm[url], url
        assert SALE_TEXT in fresh[url], url


def test_cached_pages_go_back_to_the_price_when_the_sale_ends(client):
    now = db_now()
    teapot_on_sale_from(now - timedelta(hours=1), ends=now + AHEAD)
    assert SALE_TEXT in client.get("/products/teapot/").content.decode()

    wait_until(now + AHEAD)
    page = client.get("/products/teapot/").content.decode()

    assert SALE_TEXT not in page
    assert '<p class="price price-large" data-product-price>¥199.00</p>' in page


def test_a_page_is_priced_as_at_the_moment_its_key_was_read():
    # A request that read its key just before the sale started builds its page after: the page
    # must show what that key stands for (the price), or it would store a sale under the old key.
    starts = db_now() + AHEAD
    teapot_on_sale_from(starts)
    slow = storefront_request()
    request_revision(slow)

    wait_until(starts)
    late = product_page(request=slow, slug="teapot").content.decode()
    fresh = product_page(request=storefront_request(), slug="teapot").content.decode()

    assert request_moment(slow) < starts
    assert SALE_TEXT not in late
    assert SALE_TEXT in fresh


def test_a_warm_page_still_costs_one_query_with_changes_scheduled(client, django_assert_num_queries):
    soon = timezone.now() + timedelta(hours=1)
    teapot_on_sale_from(soon, ends=soon + timedelta(hours=1))
    catalog_schedule_set(source="promotions.campaign:1", moments=[soon + timedelta(minutes=30)])
    client.get("/products/teapot/")
    client.get("/products/")

    with django_assert_num_queries(WARM_QUERIES):
        product = client.get("/products/teapot/")
    with django_assert_num_queries(WARM_QUERIES):
        listing = client.get("/products/")

    assert product.status_code == listing.status_code == 200


def test_cache_entries_end_by_the_next_scheduled_change(settings):
    settings.CATALOG_CACHE_SECONDS = 600
    moment = db_now()
    far = storefront_request()
    request_revision(far)  # read before the change was scheduled
    catalog_schedule_set(source="promotions.campaign:1", moments=[moment + timedelta(seconds=90)])
    near = storefront_request()

    assert cache_seconds(far) == 600
    assert 89 <= cache_seconds(near) <= 90


def test_the_revision_read_is_one_query_and_carries_the_database_clock(django_assert_num_queries):
    request = storefront_request()
    before = db_now()

    with django_assert_num_queries(1):
        revision = request_revision(request)
        request_revision(request)

    assert before <= revision.moment <= db_now()
    assert revision.next_change is None


# Folding passed changes into the revision (real transactions, several connections) ----------------


@pytest.mark.django_db(transaction=True)
def test_the_first_request_after_a_change_folds_it_into_the_revision(client, django_assert_num_queries):
    # A transactional test database is flushed between tests, taking the revision row with it.
    CatalogRevision.objects.get_or_create(pk=1)
    starts = db_now() + AHEAD
    teapot_on_sale_from(starts)
    client.get("/products/teapot/")
    number = revision_number()

    wait_until(starts)
    first = client.get("/products/teapot/").content.decode()
    with django_assert_num_queries(WARM_QUERIES):
        second = client.get("/products/teapot/").content.decode()

    assert SALE_TEXT in first
    assert SALE_TEXT in second
    assert revision_number() == number + 1
    assert not CatalogScheduledChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_folds_bump_the_revision_once():
    CatalogRevision.objects.get_or_create(pk=1)
    now = timezone.now()
    for number in range(3):
        CatalogScheduledChange.objects.create(source=f"promotions.campaign:{number}", at=now)
    later = now + timedelta(days=1)
    CatalogScheduledChange.objects.create(source="promotions.campaign:9", at=later)
    number = revision_number()

    results = run_together(*[catalog_schedule_fold for _ in range(6)])

    folded = [result for result in results if result is not None]
    assert len(folded) == 1
    assert folded[0][0] == revision_number() == number + 1
    assert folded[0][2] == later
    assert list(CatalogScheduledChange.objects.values_list("at", flat=True)) == [later]


@pytest.mark.django_db(transaction=True)
def test_a_fold_that_cannot_take_the_revision_row_still_serves_the_page(client):
    CatalogRevision.objects.get_or_create(pk=1)
    teapot_on_sale_from(db_now() - timedelta(hours=1))
    CatalogScheduledChange.objects.create(source="promotions.campaign:1", at=timezone.now())
    number = revision_number()
    locked, release = threading.Event(), threading.Event()

    def hold_the_revision_row() -> None:
        with transaction.atomic():
            CatalogRevision.objects.select_for_update().get(pk=1)
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=run_together, args=(hold_the_revision_row,))
    holder.start()
    locked.wait(10)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    try:
        response = client.get("/products/teapot/")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
        release.set()
        holder.join()

    assert response.status_code == 200
    assert SALE_TEXT in response.content.decode()
    assert revision_number() == number
    assert CatalogScheduledChange.objects.filter(source="promotions.campaign:1").exists()


def test_folding_inside_a_transaction_is_refused():
    with pytest.raises(TransactionManagementError):
        catalog_schedule_fold()


def test_inside_a_transaction_the_count_alone_keeps_the_keys_right():
    # The test runs inside a transaction: requests see the passed change and do not fold it.
    passed = CatalogScheduledChange.objects.create(source="promotions.campaign:1", at=timezone.now())
    number = revision_number()

    revision = request_revision(storefront_request())

    assert (revision.number, revision.passed) == (number, 1)
    assert CatalogScheduledChange.objects.filter(pk=passed.pk).exists()
