"""Recommendations counted from paid orders, the demo orders, and the bestsellers report."""

import uuid
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from catalog.models import Product, ProductPopularity, ProductRecommendation, Variant
from orders.demo_orders import demo_order_number, demo_orders_seed
from orders.models import Order, OrderLine
from orders.recommendations import recommendations_compute
from orders.services import order_mark_paid, order_place
from tests.factories import (
    CategoryFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    StaffUserFactory,
    VariantFactory,
)
from tests.helpers import staff_login
from tests.orders.helpers import cart_with, checkout_data

pytestmark = pytest.mark.django_db

PAID = Order.PaymentStatus.PAID


def products(*names: str) -> list[Product]:
    category = CategoryFactory()
    made = []
    for name in names:
        product = ProductFactory(name=name, category=category)
        VariantFactory(product=product, stock=50)
        made.append(product)
    return made


def order(*items, payment_status=PAID, days_ago: float = 1, **fields) -> Order:
    """An order of ``items`` (products, or (variant, quantity) pairs), placed ``days_ago``."""
    made = OrderFactory(payment_status=payment_status, **fields)
    for item in items:
        variant, quantity = item if isinstance(item, tuple) else (item.variants.first(), 1)
        OrderLineFactory(order=made, variant=variant, quantity=quantity)
    Order.objects.filter(pk=made.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return made


def ranking() -> dict[str, list[tuple[str, int]]]:
    """Stored recommendations as ``{product name: [(recommended name, score), ...]}`` in rank order."""
    rows = ProductRecommendation.objects.select_related("product", "recommended").order_by(
        "product__name", "rank"
    )
    found: dict[str, list[tuple[str, int]]] = {}
    for row in rows:
        found.setdefault(row.product.name, []).append((row.recommended.name, row.score))
    return found


# Counting ---------------------------------------------------------------------------------------


def test_co_purchases_are_counted_over_paid_orders_only():
    tea, cup, pot, tray = products("Tea", "Cup", "Pot", "Tray")
    order(tea, cup)
    order(tea, cup)
    order(tea, pot)
    for _ in range(3):
        order(tea, tray, payment_status=Order.PaymentStatus.UNPAID)
    order(tea, tray, payment_status=Order.PaymentStatus.REFUNDED)
    order(tea, tray, cancelled_at=timezone.now())

    result = recommendations_compute()

    assert ranking() == {
        "Cup": [("Tea", 2)],
        "Pot": [("Tea", 1)],
        "Tea": [("Cup", 2), ("Pot", 1)],
    }
    assert (result.pairs, result.products) == (4, 3)


def test_a_product_counts_once_per_order_whatever_its_variants_and_quantities():
    tea, cup = products("Tea", "Cup")
    large = VariantFactory(product=tea)
    order((tea.variants.first(), 3), (large, 2), cup)

    recommendations_compute()

    assert ranking() == {"Cup": [("Tea", 1)], "Tea": [("Cup", 1)]}


def test_ties_go_to_the_more_widely_bought_product_then_the_lower_id():
    tea, first, second, third, other = products("Tea", "First", "Second", "Third", "Other")
    order(tea, third, second, first)
    order(second, other)

    recommendations_compute()

    assert ranking()["Tea"] == [("Second", 1), ("First", 1), ("Third", 1)]


def test_only_the_top_ones_and_pairs_with_enough_shared_orders_are_kept():
    tea, cup, pot, tray = products("Tea", "Cup", "Pot", "Tray")
    for _ in range(3):
        order(tea, cup)
    for _ in range(2):
        order(tea, pot)
    order(tea, tray)

    recommendations_compute(top=2, min_orders=2)

    assert ranking()["Tea"] == [("Cup", 3), ("Pot", 2)]
    assert "Tray" not in ranking()


def test_bestsellers_count_units_of_paid_orders_of_the_last_days():
    tea, cup = products("Tea", "Cup")
    order((tea.variants.first(), 3), days_ago=2)
    order(tea, cup, days_ago=10)
    order((cup.variants.first(), 7), days_ago=40)
    order((cup.variants.first(), 9), payment_status=Order.PaymentStatus.UNPAID)

    recommendations_compute(bestseller_days=30)

    assert set(ProductPopularity.objects.values_list("product__name", "units_sold", "order_count")) == {
        ("Tea", 4, 2),
        ("Cup", 1, 1),
    }


def test_lines_of_deleted_variants_are_left_out():
    tea, cup = products("Tea", "Cup")
    gone = VariantFactory()
    order(tea, cup, (gone, 1))
    gone.delete()

    recommendations_compute()

    assert ranking() == {"Cup": [("Tea", 1)], "Tea": [("Cup", 1)]}


def test_a_rerun_replaces_what_was_stored():
    tea, cup, pot = products("Tea", "Cup", "Pot")
    first = order(tea, cup)
    recommendations_compute()
    Order.objects.filter(pk=first.pk).update(payment_status=Order.PaymentStatus.REFUNDED)
    order(tea, pot)

    recommendations_compute()

    assert ranking() == {"Pot": [("Tea", 1)], "Tea": [("Pot", 1)]}


def test_bad_limits_are_refused():
    with pytest.raises(ValueError):
        recommendations_compute(top=0)


def test_the_product_page_shows_what_shoppers_bought_together(client, django_capture_on_commit_callbacks):
    tea, cup, pot = products("Sencha", "Celadon cup", "Iron pot")
    for items in ([(tea.variants.first(), 1), (cup.variants.first(), 1)], [(tea.variants.first(), 1)]):
        placed = order_place(cart=cart_with(*items), checkout=checkout_data(), token=uuid.uuid4())
        order_mark_paid(order=placed)
    order_place(
        cart=cart_with((tea.variants.first(), 1), (pot.variants.first(), 1)),
        checkout=checkout_data(),
        token=uuid.uuid4(),
    )
    client.get(tea.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        recommendations_compute()
    html = client.get(tea.get_absolute_url()).content.decode()

    shown = html.split('id="recommendations-heading"', 1)[1].split("</section>", 1)[0]
    assert "Customers who bought this also bought" in shown
    assert shown.index("Celadon cup") < shown.index("Iron pot")  # bought together first, then the category


# The command ------------------------------------------------------------------------------------


def test_compute_recommendations_command_reports_what_it_stored():
    tea, cup = products("Tea", "Cup")
    order(tea, cup)
    out = StringIO()

    call_command("compute_recommendations", "--top", "5", "--days", "30", stdout=out)

    assert "Recommendations: 2 for 2 products; bestsellers: 2 products;" in out.getvalue()


@pytest.mark.parametrize("arguments", [["--top", "0"], ["--days", "abc"], ["--min-orders", "-1"]])
def test_compute_recommendations_command_refuses_bad_options(arguments):
    with pytest.raises(CommandError):
        call_command("compute_recommendations", *arguments)


# Demo orders ------------------------------------------------------------------------------------


def test_demo_orders_are_paid_deterministic_idempotent_and_take_no_stock():
    items = products(*(f"Tea {number}" for number in range(12)))
    stock_before = sorted(Variant.objects.values_list("pk", "stock"))

    first = demo_orders_seed(orders=40)
    lines_of_seven = list(
        OrderLine.objects.filter(order__number=demo_order_number(7)).values_list("variant", "quantity")
    )
    second = demo_orders_seed(orders=40)
    Order.objects.filter(number=demo_order_number(7)).delete()
    demo_orders_seed(orders=40)

    assert (first.orders_created, second.orders_created) == (40, 0)
    assert first.lines_created == OrderLine.objects.count() >= 40
    assert set(Order.objects.values_list("payment_status", flat=True)) == {PAID}
    assert Order.objects.filter(number__startswith="DEMO").count() == 40
    assert lines_of_seven == list(
        OrderLine.objects.filter(order__number=demo_order_number(7)).values_list("variant", "quantity")
    )
    assert sorted(Variant.objects.values_list("pk", "stock")) == stock_before
    assert DBTaskResult.objects.count() == 0
    assert all(order.grand_total == order.subtotal + order.shipping_total for order in Order.objects.all())
    assert {line.variant.product_id for line in OrderLine.objects.select_related("variant")} <= {
        item.pk for item in items
    }


def test_seed_demo_orders_command_adds_orders_then_computes_recommendations():
    products(*(f"Tea {number}" for number in range(12)))
    out = StringIO()

    call_command("seed_demo_orders", "--orders", "60", stdout=out)

    assert "Demo orders: 60 (60 new," in out.getvalue()
    assert ProductRecommendation.objects.exists()
    assert ProductPopularity.objects.exists()


def test_seed_demo_orders_without_products_does_nothing():
    result = demo_orders_seed(orders=10)

    assert result.orders_created == 0
    assert Order.objects.count() == 0


def test_seed_demo_orders_refuses_a_bad_count():
    with pytest.raises(CommandError):
        call_command("seed_demo_orders", "--orders", "many")


# The bestsellers report -------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    staff_login(client, StaffUserFactory())
    return client


def report_rows(html: str) -> list[tuple[str, str, str]]:
    """(product, units, revenue) per row of the report."""
    rows = []
    for row in html.split('<td class="field-units">')[1:]:
        units = row.split("</td>", 1)[0]
        revenue = row.split('<td class="field-revenue">', 1)[1].split("</td>", 1)[0]
        rows.append((units, revenue))
    names = [chunk.split("</", 1)[0].rsplit(">", 1)[-1] for chunk in html.split('class="field-name"')[1:]]
    return [(name, units, revenue) for name, (units, revenue) in zip(names, rows, strict=True)]


def test_bestsellers_report_by_period_counts_units_and_revenue_of_paid_orders(staff_client):
    tea, cup = products("Tea", "Cup")
    Variant.objects.filter(product=tea).update(price=Decimal("10.00"))
    Variant.objects.filter(product=cup).update(price=Decimal("4.50"))
    tea.refresh_from_db()
    cup.refresh_from_db()
    order((tea.variants.first(), 2), days_ago=3)
    order((cup.variants.first(), 3), days_ago=3)
    order((cup.variants.first(), 4), days_ago=20)
    order((tea.variants.first(), 5), days_ago=80)
    order((tea.variants.first(), 50), payment_status=Order.PaymentStatus.UNPAID, days_ago=1)
    url = reverse("admin:catalog_bestsellerproduct_changelist")

    week = staff_client.get(url, {"period": "7"}).content.decode()
    month = staff_client.get(url).content.decode()
    quarter = staff_client.get(url, {"period": "90"}).content.decode()
    bogus = staff_client.get(url, {"period": "x"})

    assert report_rows(week) == [("Cup", "3", "¥13.50"), ("Tea", "2", "¥20.00")]
    assert report_rows(month) == [("Cup", "7", "¥31.50"), ("Tea", "2", "¥20.00")]
    assert report_rows(quarter) == [("Tea", "7", "¥70.00"), ("Cup", "7", "¥31.50")]
    assert bogus.status_code == 200
    assert report_rows(bogus.content.decode()) == report_rows(month)


def test_bestsellers_report_is_read_only(staff_client):
    assert staff_client.get(reverse("admin:catalog_bestsellerproduct_add")).status_code == 403
