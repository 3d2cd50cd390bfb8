from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.dashboard import dashboard_get, dashboard_period_starts
from orders.models import Order, OutboundEmail
from tests.factories import OrderFactory, ProductFactory, StaffUserFactory, VariantFactory
from tests.helpers import staff_login
from tests.orders.admin_helpers import order_in, staff_with

pytestmark = pytest.mark.django_db

# Wednesday 2025-03-05 10:00 in Shanghai (02:00 UTC); the week began Monday 2025-03-03.
NOW = datetime(2025, 3, 5, 2, 0, tzinfo=UTC)


def placed_at(order: Order, when: datetime) -> Order:
    Order.objects.filter(pk=order.pk).update(created_at=when)
    return order


@pytest.fixture
def shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


def test_day_and_week_start_at_local_midnight_on_monday(shanghai):
    today, week = dashboard_period_starts(now=NOW)

    assert today == datetime(2025, 3, 4, 16, 0, tzinfo=UTC)  # 2025-03-05 00:00 in Shanghai
    assert week == datetime(2025, 3, 2, 16, 0, tzinfo=UTC)  # Monday 2025-03-03 00:00 in Shanghai


def test_counts_and_revenue_of_today_and_this_week(shanghai):
    paid = {"grand_total": Decimal("31.99"), "payment_status": "paid"}
    placed_at(OrderFactory(**paid), datetime(2025, 3, 4, 16, 30, tzinfo=UTC))  # today 00:30
    placed_at(OrderFactory(**paid), datetime(2025, 3, 4, 15, 59, tzinfo=UTC))  # yesterday
    placed_at(OrderFactory(**paid), datetime(2025, 3, 2, 16, 1, tzinfo=UTC))  # Monday
    placed_at(OrderFactory(**paid), datetime(2025, 3, 2, 15, 59, tzinfo=UTC))  # last Sunday
    cancelled = OrderFactory(cancelled_at=NOW, **paid)
    placed_at(cancelled, datetime(2025, 3, 5, 1, 0, tzinfo=UTC))  # today, cancelled

    dashboard = dashboard_get(now=NOW)

    assert (dashboard.today_count, dashboard.today_revenue) == (2, Decimal("31.99"))
    assert (dashboard.week_count, dashboard.week_revenue) == (4, Decimal("95.97"))


def test_revenue_counts_paid_money_only(shanghai):
    for status in ("unpaid", "paid", "refunded"):
        placed_at(
            OrderFactory(payment_status=status),
            datetime(2025, 3, 4, 17, 0, tzinfo=UTC),
        )

    dashboard = dashboard_get(now=NOW)

    assert (dashboard.today_count, dashboard.today_revenue) == (3, Decimal("31.99"))


def test_revenue_is_zero_without_orders(shanghai):
    dashboard = dashboard_get(now=NOW)

    assert (dashboard.today_count, dashboard.today_revenue, dashboard.week_revenue) == (
        0,
        Decimal("0"),
        Decimal("0"),
    )


def test_work_queues_low_stock_and_failed_emails():
    order_in(Order.Status.PENDING_PAYMENT)
    order_in(Order.Status.PENDING_PAYMENT)
    order_in(Order.Status.AWAITING_SHIPMENT)
    order_in(Order.Status.AWAITING_SHIPMENT, payment_status="unpaid", payment_method="cod")
    order_in(Order.Status.SHIPPED)
    order_in(Order.Status.CANCELLED)
    empty = VariantFactory(stock=0, sku="LOW-0")
    low = VariantFactory(stock=5, sku="LOW-5")
    VariantFactory(stock=6)
    VariantFactory(stock=1, is_active=False)
    VariantFactory(stock=1, product=ProductFactory(is_active=False))
    order = OrderFactory()
    OutboundEmail.objects.create(
        order=order, kind="paid", to_email="a@example.com", language="en", status="failed"
    )
    OutboundEmail.objects.create(
        order=order, kind="paid", to_email="a@example.com", language="en", status="sent"
    )

    dashboard = dashboard_get()

    assert dashboard.awaiting_payment_count == 3  # the two above and the plain OrderFactory order
    assert dashboard.to_ship_count == 2
    assert [variant.sku for variant in dashboard.low_stock_variants] == [empty.sku, low.sku]
    assert dashboard.failed_email_count == 1


def test_low_stock_shows_the_ten_lowest():
    for stock in range(12):
        VariantFactory(stock=stock % 6)

    dashboard = dashboard_get()

    assert [variant.stock for variant in dashboard.low_stock_variants] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_dashboard_takes_three_queries(django_assert_num_queries):
    for _ in range(3):
        VariantFactory(stock=1)
        OrderFactory()

    with django_assert_num_queries(3):
        dashboard_get()


def test_the_admin_index_shows_the_dashboard_with_links(client, django_assert_max_num_queries):
    staff_login(client, StaffUserFactory())
    order_in(Order.Status.AWAITING_SHIPMENT)
    variant = VariantFactory(stock=2, sku="TEA-LOW", product__name="Sencha")

    with django_assert_max_num_queries(10):
        response = client.get(reverse("admin:index"))

    page = response.content.decode()
    changelist = reverse("admin:orders_order_changelist")
    assert response.status_code == 200
    assert f'href="{changelist}?to_ship=1"' in page
    assert f'href="{changelist}?status=pending_payment"' in page
    assert f'href="{reverse("admin:orders_outboundemail_changelist")}?status__exact=failed"' in page
    assert f'href="{reverse("admin:catalog_product_change", args=[variant.product_id])}">Sencha</a>' in page
    assert '<span class="shop-dashboard-value" data-stat="to-ship">1</span>' in page
    assert 'id="content-main"' in page and "app-orders" in page  # Django's app list is still there


def test_the_links_lead_to_the_filtered_lists(client):
    staff_login(client, StaffUserFactory())
    to_ship = order_in(Order.Status.AWAITING_SHIPMENT)
    order_in(Order.Status.SHIPPED)
    OutboundEmail.objects.create(kind="paid", to_email="a@example.com", language="en", status="failed")
    OutboundEmail.objects.create(kind="paid", to_email="b@example.com", language="en", status="sent")

    orders = client.get(reverse("admin:orders_order_changelist"), {"to_ship": "1"})
    emails = client.get(reverse("admin:orders_outboundemail_changelist"), {"status__exact": "failed"})

    assert [order.number for order in orders.context["cl"].result_list] == [to_ship.number]
    assert [email.to_email for email in emails.context["cl"].result_list] == ["a@example.com"]


def test_staff_without_order_permission_see_no_dashboard(client):
    staff_login(client, staff_with())

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "shop-dashboard" not in response.content.decode()


def test_an_order_placed_just_before_local_midnight_counts_for_that_day(shanghai):
    now = timezone.now()
    local_midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    placed_at(OrderFactory(), local_midnight - timedelta(minutes=1))
    placed_at(OrderFactory(), local_midnight + timedelta(minutes=1))

    dashboard = dashboard_get(now=local_midnight + timedelta(minutes=2))

    assert dashboard.today_count == 1
