from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from benchmarks.checkout import (
    CheckoutLoop,
    checkout_coupon_prepare,
    checkout_products_prepare,
    checkout_queries,
    checkout_verify,
    shoppers_run,
)
from benchmarks.run import _arguments, sections
from benchmarks.shopper import (
    COUPON_AT_CHECKOUT,
    COUPON_IN_CART,
    Browser,
    ParseError,
    ShopperPlan,
    ShopperResult,
    checkout_once,
    input_choice,
    input_value,
    order_number_from_location,
    percentile,
    shopper_run,
)
from catalog.models import CatalogRevision, Variant
from orders.models import Order, OrderDiscount, OutboundEmail
from tests.factories import (
    CategoryFactory,
    OrderFactory,
    ProductFactory,
    ShippingMethodFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db

PRODUCT_PAGE = """
<form method="post" action="/i18n/setlang/">
  <input type="hidden" name="csrfmiddlewaretoken" value="AbC&amp;1">
</form>
<form class="add-to-cart form" method="post" action="/cart/add/">
  <input type="hidden" name="csrfmiddlewaretoken" value="AbC&amp;1">
  <input type="radio" name="variant" id="variant-7" value="7" disabled required>
  <input type="radio" name="variant" id="variant-8" value="8" required>
  <input type="radio" name="variant" id="variant-9" value="9" checked required>
  <input id="quantity" type="number" name="quantity" value="1" min="1">
</form>
"""

CHECKOUT_PAGE = """
<input type="hidden" name="csrfmiddlewaretoken" value="tok">
<input type="hidden" name="checkout_token" value="0d9e4a1c-51c2-4a43-9b4e-2a5e8f2c6b11">
<input type="radio" name="shipping_method" value="3" id="id_shipping_method_0">
<input type="radio" name="shipping_method" value="4" id="id_shipping_method_1">
"""


@pytest.fixture
def shop():
    """A buyable product on the live server: active category, one variant with ten in stock."""
    ShippingMethodFactory(code="standard", name="Standard", price=Decimal("12.00"))
    variant = VariantFactory(product=ProductFactory(category=CategoryFactory()), stock=10)
    return variant


def live_port(live_server) -> tuple[str, int]:
    address = urlsplit(live_server.url)
    return address.hostname, address.port


def test_input_value_reads_the_csrf_token_unescaped():
    assert input_value(PRODUCT_PAGE, "csrfmiddlewaretoken") == "AbC&1"
    assert input_value(CHECKOUT_PAGE, "checkout_token") == "0d9e4a1c-51c2-4a43-9b4e-2a5e8f2c6b11"


def test_input_value_without_the_field_raises_parse_error():
    with pytest.raises(ParseError):
        input_value("<p>No form here.</p>", "csrfmiddlewaretoken")


def test_input_choice_takes_the_checked_radio_and_skips_disabled_ones():
    assert input_choice(PRODUCT_PAGE, "variant") == "9"
    assert input_choice(PRODUCT_PAGE.replace(" checked", ""), "variant") == "8"
    assert input_choice(CHECKOUT_PAGE, "shipping_method") == "3"


def test_input_choice_takes_a_hidden_input():
    page = '<input type="hidden" name="variant" value="42">'

    assert input_choice(page, "variant") == "42"


def test_input_choice_with_only_disabled_options_raises_parse_error():
    page = '<input type="radio" name="variant" value="7" disabled>'

    with pytest.raises(ParseError):
        input_choice(page, "variant")


def test_order_number_comes_from_a_relative_or_absolute_order_url():
    assert order_number_from_location("/orders/MP7KQ2XH9A/?token=abc") == "MP7KQ2XH9A"
    assert order_number_from_location("http://127.0.0.1:8000/orders/MP23/") == "MP23"


@pytest.mark.parametrize("location", ["/cart/", "", "/orders/"])
def test_a_redirect_elsewhere_is_not_an_order(location):
    with pytest.raises(ParseError):
        order_number_from_location(location)


def test_percentile_is_nearest_rank():
    values = [float(value) for value in range(100, 0, -1)]

    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.5], 99) == 7.5
    assert percentile([1.0, 2.0, 3.0], 50) == 2.0
    assert percentile([], 50) is None


def test_merge_adds_counts_and_times_and_keeps_the_longest_run():
    first = ShopperResult(checkouts=2, placed=3, place_ms=[1.0, 2.0], step_ms={"place": [1.0]}, seconds=5.0)
    first.errors["confirm"] += 1
    first.first_errors["confirm"] = "answered 404, expected 200"
    second = ShopperResult(checkouts=1, placed=1, place_ms=[3.0], step_ms={"place": [2.0]}, seconds=6.0)

    merged = ShopperResult.merge([first, second])

    assert (merged.checkouts, merged.placed, merged.error_count, merged.seconds) == (3, 4, 1, 6.0)
    assert merged.place_ms == [1.0, 2.0, 3.0]
    assert merged.step_ms == {"place": [1.0, 2.0]}
    assert merged.first_errors == {"confirm": "answered 404, expected 200"}


def test_prepare_stocks_only_visible_products_and_invalidates_cached_pages(
    django_capture_on_commit_callbacks,
):
    buyable = VariantFactory(stock=3)
    VariantFactory(stock=4, product=ProductFactory(category=CategoryFactory(is_active=False)))
    VariantFactory(stock=0)
    revision = CatalogRevision.objects.get(pk=1).number

    with django_capture_on_commit_callbacks(execute=True):
        stocked = checkout_products_prepare(count=50, stock=1000)

    assert stocked.paths == (buyable.product.get_absolute_url(),)
    assert stocked.stock_before == {buyable.pk: 1000}
    assert Variant.objects.get(pk=buyable.pk).stock == 1000
    assert CatalogRevision.objects.get(pk=1).number == revision + 1


def test_checkout_queries_counts_each_step_of_one_real_checkout(shop):
    queries = checkout_queries(
        product_path=shop.product.get_absolute_url(), email="q@example.com", loop=CheckoutLoop(name="plain")
    )

    assert list(queries) == ["product", "add", "checkout", "place", "confirm"]
    assert all(count > 0 for count in queries.values())
    assert Order.objects.get().email == "q@example.com"


def test_checkout_queries_stops_at_a_page_without_the_form():
    queries = checkout_queries(
        product_path="/products/no-such-product/", email="q@example.com", loop=CheckoutLoop(name="plain")
    )

    assert list(queries) == ["product"]
    assert not Order.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_one_shopper_loop_places_one_order_through_the_live_server(live_server, shop):
    stocked = checkout_products_prepare(count=50, stock=100)
    host, port = live_port(live_server)
    plan = ShopperPlan(
        port=port,
        host=host,
        product_paths=stocked.paths,
        email="bench-test-0@example.com",
        duration=60,
        loops=1,
    )

    result = shopper_run(plan)

    assert (result.checkouts, result.placed, result.error_count) == (1, 1, 0)
    assert len(result.place_ms) == 1
    assert sorted(result.step_ms) == ["add", "checkout", "confirm", "place", "product"]
    order = Order.objects.get()
    assert order.email == "bench-test-0@example.com"
    assert order.payment_method == "cod"
    assert Variant.objects.get(pk=shop.pk).stock == 99
    verification = checkout_verify(email_prefix="bench-test-", placed=1, stock_before=stocked.stock_before)
    assert (verification.orders, verification.units_ordered, verification.emails_queued) == (1, 1, 1)
    assert verification.orders_match and verification.stock_matches
    assert OutboundEmail.objects.get(kind=OutboundEmail.Kind.CONFIRMATION).status == "queued"


@pytest.mark.django_db(transaction=True)
def test_warm_up_loops_are_checked_and_counted_for_the_database_check_but_not_timed(live_server, shop):
    host, port = live_port(live_server)
    plan = ShopperPlan(
        port=port,
        host=host,
        product_paths=(shop.product.get_absolute_url(),),
        email="bench-test-0@example.com",
        duration=60,
        warmup=60,
        loops=1,  # spent in the warm-up
    )

    result = shopper_run(plan)

    assert (result.placed_in_warmup, result.placed, result.checkouts, result.error_count) == (1, 0, 0, 0)
    assert result.place_ms == [] and result.loop_ms == [] and result.step_ms == {}
    assert Order.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_shoppers_in_separate_processes_each_place_their_order(live_server, shop):
    host, port = live_port(live_server)
    plans = [
        ShopperPlan(
            port=port,
            host=host,
            product_paths=(shop.product.get_absolute_url(),),
            email=f"bench-test-{number}@example.com",
            duration=60,
            loops=1,
        )
        for number in range(2)
    ]

    result = shoppers_run(plans)

    assert (result.checkouts, result.placed, result.error_count) == (2, 2, 0)
    assert sorted(Order.objects.values_list("email", flat=True)) == [
        "bench-test-0@example.com",
        "bench-test-1@example.com",
    ]
    assert Variant.objects.get(pk=shop.pk).stock == 8


@pytest.mark.django_db(transaction=True)
def test_checkout_once_keeps_the_guest_session_in_the_cookie_jar(live_server, shop):
    host, port = live_port(live_server)
    browser = Browser(port, host=host)
    result = ShopperResult()

    try:
        number = checkout_once(
            browser, product_path=shop.product.get_absolute_url(), email="ann@example.com", result=result
        )
    finally:
        browser.close()

    assert Order.objects.get().number == number
    assert {"sessionid", "csrftoken"} <= set(browser.cookies)


@pytest.mark.django_db(transaction=True)
def test_a_missing_product_page_counts_an_error_and_places_nothing(live_server, shop):
    host, port = live_port(live_server)
    plan = ShopperPlan(
        port=port,
        host=host,
        product_paths=("/products/no-such-product/",),
        email="x@example.com",
        duration=60,
        loops=2,
    )

    result = shopper_run(plan)

    assert (result.checkouts, result.placed) == (0, 0)
    assert dict(result.errors) == {"product": 2}
    assert result.first_errors["product"] == "answered 404, expected 200"
    assert not Order.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_sold_out_product_stops_the_loop_at_checkout_without_an_order(live_server, shop):
    host, port = live_port(live_server)
    Variant.objects.filter(pk=shop.pk).update(stock=1)
    plan = ShopperPlan(
        port=port,
        host=host,
        product_paths=(shop.product.get_absolute_url(),),
        email="x@example.com",
        duration=60,
        loops=2,
    )

    result = shopper_run(plan)

    assert (result.checkouts, result.placed) == (1, 1)
    assert dict(result.errors) == {"checkout": 1}
    assert result.first_errors["checkout"] == "answered 302 to /cart/, expected 200"
    assert Order.objects.count() == 1


def test_the_bench_runs_every_section_unless_told_otherwise():
    assert [section.__name__ for section in sections()] == [
        "recommendations_section",
        "catalogue_section",
        "cold_section",
        "checkout_section",
        "aftersales_section",
        "admin_section",
    ]
    assert [section.__name__ for section in sections(_arguments(["--sections", "checkout"]))] == [
        "checkout_section"
    ]


@pytest.mark.parametrize(
    "argv", [["--shoppers", "0"], ["--checkout-duration", "0"], ["--sections", "cart"], ["--shoppers", "x"]]
)
def test_the_checkout_options_refuse_bad_values(argv):
    with pytest.raises(SystemExit):
        _arguments(argv)


def test_checkout_verify_counts_the_orders_with_the_coupon(shop):
    coupon = checkout_coupon_prepare(code="BENCH-TEST")
    discounted = OrderFactory(email="bench-run-0@example.com")
    OrderFactory(email="bench-run-1@example.com")
    OrderDiscount.objects.create(order=discounted, source="coupon", coupon=coupon, label=coupon.code)

    verification = checkout_verify(
        email_prefix="bench-run-", placed=2, stock_before={}, coupon_code="BENCH-TEST"
    )

    assert (verification.orders, verification.discounted) == (2, 1)
    assert not verification.orders_match
    assert checkout_coupon_prepare(code="BENCH-TEST") == coupon  # once per run


@pytest.mark.parametrize(
    ("coupon_at", "steps"),
    [
        (COUPON_AT_CHECKOUT, ["add", "checkout", "confirm", "place", "product"]),
        (COUPON_IN_CART, ["add", "checkout", "confirm", "coupon", "place", "product"]),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_one_shopper_loop_with_a_coupon_places_a_discounted_order(live_server, shop, coupon_at, steps):
    stocked = checkout_products_prepare(count=50, stock=100)
    coupon = checkout_coupon_prepare(code="BENCH-LIVE")
    host, port = live_port(live_server)
    plan = ShopperPlan(
        port=port,
        host=host,
        product_paths=stocked.paths,
        email="bench-test-0@example.com",
        duration=60,
        loops=1,
        coupon_code=coupon.code,
        coupon_at=coupon_at,
    )

    result = shopper_run(plan)

    assert (result.checkouts, result.placed, result.error_count) == (1, 1, 0), result.first_errors
    assert sorted(result.step_ms) == steps
    assert Order.objects.get().discounts.get().coupon == coupon


@pytest.mark.parametrize("coupon_at", [COUPON_AT_CHECKOUT, COUPON_IN_CART])
def test_checkout_queries_uses_the_loops_code_where_the_loop_does(shop, coupon_at):
    coupon = checkout_coupon_prepare(code="BENCH-Q")
    loop = CheckoutLoop(name="coupon", coupon_code=coupon.code, coupon_at=coupon_at)

    queries = checkout_queries(product_path=shop.product.get_absolute_url(), email="q@example.com", loop=loop)

    assert ("coupon" in queries) is (coupon_at == COUPON_IN_CART)
    assert Order.objects.get().discounts.get().coupon == coupon
