"""Taking and returning stock: all or nothing, in ascending variant id order, notices included."""

import re

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from catalog.exceptions import InsufficientStock
from catalog.models import BackInStockRequest, CatalogRevision, Variant
from catalog.stock import stock_return, stock_take
from tests.catalog.back_in_stock_helpers import NOTIFIED, WAITING, ask, sold_out_variant
from tests.factories import ProductFactory, VariantFactory
from tests.helpers import run_together


def stocks(*variants: Variant) -> list[int]:
    return list(
        Variant.objects.filter(pk__in=[v.pk for v in variants]).order_by("pk").values_list("stock", flat=True)
    )


def updated_variant_ids(captured: CaptureQueriesContext) -> list[int]:
    """The ids of the variants updated, in the order the statements ran."""
    updates = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('UPDATE "catalog_variant"')
    ]
    return [int(re.search(r'"catalog_variant"\."id" = (\d+)', sql).group(1)) for sql in updates]


def statements_in_order(captured: CaptureQueriesContext) -> list[str]:
    """What each statement did, in order: "lock products" or "update variants" (others left out)."""
    kinds = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql.startswith('SELECT "catalog_product"') and sql.endswith("FOR NO KEY UPDATE"):
            kinds.append("lock products")
        elif sql.startswith('UPDATE "catalog_variant"'):
            kinds.append("update variants")
    return kinds


def revision() -> int:
    return CatalogRevision.objects.get(pk=1).number


# Taking stock -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_take_lowers_each_variant_and_returns_them_with_their_product():
    shirt = VariantFactory(stock=10, product=ProductFactory(name="Linen Shirt"))
    mug = VariantFactory(stock=3)

    with transaction.atomic():
        variants = stock_take(quantities={shirt.pk: 2, mug.pk: 3})

    assert stocks(shirt, mug) == [8, 0]
    assert sorted(variants) == [shirt.pk, mug.pk]
    assert (variants[shirt.pk].stock, variants[mug.pk].stock) == (8, 0)
    assert variants[shirt.pk].product.name == "Linen Shirt"


@pytest.mark.django_db
def test_take_updates_the_variants_in_ascending_id_order_whatever_order_they_are_asked_in():
    first, second, third = (VariantFactory(stock=50) for _ in range(3))

    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        stock_take(quantities={third.pk: 1, first.pk: 1, second.pk: 1})

    assert updated_variant_ids(captured) == [first.pk, second.pk, third.pk]


@pytest.mark.django_db
def test_a_short_variant_rolls_back_the_whole_take_and_says_how_many_are_left():
    plenty = VariantFactory(stock=10)
    short = VariantFactory(stock=1)  # a higher id: the plenty one is already taken when it fails

    with pytest.raises(InsufficientStock) as raised, transaction.atomic():
        stock_take(quantities={plenty.pk: 2, short.pk: 3})

    assert (raised.value.variant_id, raised.value.available) == (short.pk, 1)
    assert stocks(plenty, short) == [10, 1]


@pytest.mark.django_db
@pytest.mark.parametrize("withdraw", ["variant", "product", "deleted"])
def test_a_variant_no_longer_sold_is_refused_with_none_available_and_nothing_taken(withdraw):
    plenty = VariantFactory(stock=10)
    withdrawn = VariantFactory(stock=10)
    withdrawn_id = withdrawn.pk
    if withdraw == "variant":
        Variant.objects.filter(pk=withdrawn_id).update(is_active=False)
    elif withdraw == "product":
        withdrawn.product.is_active = False
        withdrawn.product.save()
    else:
        withdrawn.delete()

    with pytest.raises(InsufficientStock) as raised, transaction.atomic():
        stock_take(quantities={plenty.pk: 1, withdrawn_id: 1})

    assert (raised.value.variant_id, raised.value.available) == (withdrawn_id, 0)
    assert stocks(plenty) == [10]
    assert list(Variant.objects.filter(pk=withdrawn_id).values_list("stock", flat=True)) == (
        [] if withdraw == "deleted" else [10]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -2])
def test_take_refuses_a_quantity_below_one_before_writing(quantity):
    variant = VariantFactory(stock=10)
    other = VariantFactory(stock=10)

    with pytest.raises(ValueError), transaction.atomic():
        stock_take(quantities={variant.pk: 1, other.pk: quantity})

    assert stocks(variant, other) == [10, 10]


@pytest.mark.django_db
@pytest.mark.parametrize(("stock", "bumped"), [(7, True), (8, False)])
def test_take_bumps_the_catalogue_revision_when_a_variant_falls_to_low_stock(
    stock, bumped, django_capture_on_commit_callbacks
):
    variant = VariantFactory(stock=stock)
    before = revision()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        stock_take(quantities={variant.pk: 2})

    assert revision() == before + (1 if bumped else 0)


@pytest.mark.django_db
def test_take_costs_one_product_lock_and_one_update_per_variant(django_assert_num_queries):
    variants = [VariantFactory(stock=10) for _ in range(3)]

    # The updates return the variants and the lock their products: no read after them.
    with transaction.atomic(), django_assert_num_queries(4):
        taken = stock_take(quantities={variant.pk: 1 for variant in variants})

    assert {pk: (variant.stock, variant.product.name) for pk, variant in taken.items()} == {
        variant.pk: (9, variant.product.name) for variant in variants
    }


# Returning stock --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_return_adds_the_units_in_ascending_id_order_and_bumps_the_revision(
    django_capture_on_commit_callbacks,
):
    first, second = VariantFactory(stock=0), VariantFactory(stock=4)
    before = revision()

    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as captured,
        transaction.atomic(),
    ):
        stock_return(quantities={second.pk: 3, first.pk: 2})

    assert stocks(first, second) == [2, 7]
    assert updated_variant_ids(captured) == [first.pk, second.pk]
    assert revision() == before + 1


@pytest.mark.django_db
def test_return_enqueues_the_back_in_stock_email_of_a_waiting_shopper_in_the_transaction():
    variant = sold_out_variant()
    waiting = ask("ann@example.com", variant)
    elsewhere = ask("lee@example.com", VariantFactory(stock=0))

    with transaction.atomic():
        stock_return(quantities={variant.pk: 1})

    statuses = dict(BackInStockRequest.objects.values_list("pk", "status"))
    task = DBTaskResult.objects.get(task_path="catalog.tasks.send_back_in_stock_email")
    assert statuses == {waiting.pk: NOTIFIED, elsewhere.pk: WAITING}
    assert task.args_kwargs["kwargs"]["request_id"] == waiting.pk


@pytest.mark.django_db
def test_a_rolled_back_return_leaves_stock_requests_and_queue_as_they_were():
    variant = sold_out_variant()
    ask("ann@example.com", variant)

    with pytest.raises(RuntimeError), transaction.atomic():
        stock_return(quantities={variant.pk: 2})
        raise RuntimeError("the caller's change failed")

    assert stocks(variant) == [0]
    assert BackInStockRequest.objects.get().status == WAITING
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_return_refuses_a_quantity_below_one_before_writing():
    variant = VariantFactory(stock=1)

    with pytest.raises(ValueError), transaction.atomic():
        stock_return(quantities={variant.pk: 0})

    assert stocks(variant) == [1]


# Transactions and real concurrency --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("service", [stock_take, stock_return], ids=["take", "return"])
def test_stock_moves_only_inside_the_callers_transaction(service):
    variant = VariantFactory(stock=5)

    with pytest.raises(TransactionManagementError):
        service(quantities={variant.pk: 1})

    assert stocks(variant) == [5]


@pytest.mark.django_db(transaction=True)
def test_two_takes_of_the_last_unit_sell_it_once():
    variant = VariantFactory(stock=1)

    def take() -> str:
        try:
            with transaction.atomic():
                stock_take(quantities={variant.pk: 1})
        except InsufficientStock as short:
            return f"refused, {short.available} left"
        return "sold"

    outcomes = run_together(take, take)

    assert sorted(outcomes) == ["refused, 0 left", "sold"]
    assert stocks(variant) == [0]


# Lock order: products, then variants -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("service", [stock_take, stock_return])
def test_stock_movements_lock_the_products_in_one_query_before_any_variant(service):
    teapot, mug = ProductFactory(), ProductFactory()
    small, large = VariantFactory(product=mug, stock=1), VariantFactory(product=teapot, stock=5)
    lone = VariantFactory(product=mug, stock=1)

    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        service(quantities={lone.pk: 1, large.pk: 1, small.pk: 1})

    assert statements_in_order(captured) == ["lock products"] + ["update variants"] * 3
    lock = next(q["sql"] for q in captured.captured_queries if q["sql"].endswith("FOR NO KEY UPDATE"))
    assert re.search(
        r'^SELECT "catalog_product"\."id", .* ORDER BY "catalog_product"\."id" ASC FOR NO KEY UPDATE$', lock
    )
    # The rows come back for the snapshot, without the wide text columns.
    assert "search_vector" not in lock
    assert "description" not in lock


@pytest.mark.django_db(transaction=True)
def test_two_checkouts_sharing_a_product_whose_variants_sell_out_both_succeed():
    """T1 buys a and b, T2 buys b and c; a and c sell out, so the trigger rewrites their product."""
    teapot = ProductFactory()
    first = VariantFactory(product=teapot, stock=1)
    shared = VariantFactory(stock=10)
    last = VariantFactory(product=teapot, stock=1)

    def buy(*variants: Variant):
        def take() -> str:
            with transaction.atomic():
                stock_take(quantities={variant.pk: 1 for variant in variants})
            return "sold"

        return take

    for _ in range(5):
        Variant.objects.filter(pk__in=[first.pk, last.pk]).update(stock=1)
        assert run_together(buy(first, shared), buy(shared, last)) == ["sold", "sold"]
    assert stocks(first, shared, last) == [0, 0, 0]
