import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from orders.selectors import order_status_filter
from tests.factories import OrderFactory, StaffUserFactory, UserFactory
from tests.helpers import staff_login
from tests.orders.admin_helpers import order_in, order_with_line

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:orders_order_changelist")


@pytest.fixture
def staff_client(client):
    staff_login(client, StaffUserFactory())
    return client


def listed_numbers(response) -> set[str]:
    return {order.number for order in response.context["cl"].result_list}


def test_the_list_shows_number_customer_total_payment_method_and_status(staff_client):
    order = OrderFactory(full_name="Chen Wei", email="chen@example.com", payment_method="cod")

    response = staff_client.get(CHANGELIST)

    page = response.content.decode()
    assert response.status_code == 200
    assert order.number in page
    assert "Chen Wei" in page and "chen@example.com" in page
    assert "¥31.99" in page
    assert "Cash on delivery" in page
    assert '<span class="status-badge order-badge-awaiting_shipment">Awaiting shipment</span>' in page
    # The badge's shape is site-wide, its colours the orders admin's.
    assert "css/admin_badges.css" in page and "css/orders_admin.css" in page


def test_the_list_shows_the_date_in_the_shop_time_zone(staff_client, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    order = OrderFactory()
    Order.objects.filter(pk=order.pk).update(created_at=datetime(2025, 3, 1, 20, 30, tzinfo=UTC))

    response = staff_client.get(CHANGELIST)

    assert "2 Mar 2025 04:30" in response.content.decode()


# Queries of our own (the estimate, the count of a small list, the rows) plus what the
# session, user and sign-in middleware read; the room above covers the latter.
@pytest.mark.parametrize("count", [3, 30])
def test_the_change_list_takes_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries, count):
    for _ in range(count):
        order_with_line(payment_method="cod")

    with django_assert_max_num_queries(10):
        response = staff_client.get(CHANGELIST)

    assert len(response.context["cl"].result_list) == count


def test_ten_times_the_orders_take_the_same_queries(staff_client):
    for _ in range(3):
        order_with_line(payment_method="cod")
    with CaptureQueriesContext(connection) as few:
        staff_client.get(CHANGELIST)
    for _ in range(27):
        order_with_line(payment_method="cod")

    with CaptureQueriesContext(connection) as many:
        staff_client.get(CHANGELIST)

    assert len(many) == len(few)


@pytest.mark.parametrize("status", Order.Status.values)
def test_the_status_filter_matches_the_status_a_shopper_reads(staff_client, status):
    orders = {each: order_in(each) for each in Order.Status.values}
    cod_awaiting = order_in(Order.Status.AWAITING_SHIPMENT, payment_status="unpaid", payment_method="cod")
    cod_pending = order_in(Order.Status.PENDING_PAYMENT, payment_method="cod", fulfilment_status="delivered")

    response = staff_client.get(CHANGELIST, {"status": status})

    expected = {orders[status].number}
    expected |= {cod_awaiting.number} if status == Order.Status.AWAITING_SHIPMENT else set()
    expected |= {cod_pending.number} if status == Order.Status.PENDING_PAYMENT else set()
    assert listed_numbers(response) == expected


def test_the_database_status_filter_agrees_with_display_status_for_every_state():
    combos = itertools.product(
        Order.PaymentStatus.values,
        Order.FulfilmentStatus.values,
        [None, timezone.now()],
        ["bank_transfer", "cod"],
    )
    for payment, fulfilment, cancelled_at, method in combos:
        OrderFactory(
            payment_status=payment,
            fulfilment_status=fulfilment,
            cancelled_at=cancelled_at,
            payment_method=method,
        )

    for status in Order.Status.values:
        by_query = set(Order.objects.filter(order_status_filter(status=status)).values_list("pk", flat=True))
        by_python = {order.pk for order in Order.objects.all() if order.display_status == status}
        assert by_query == by_python, status


def test_to_ship_lists_paid_and_cash_on_delivery_orders_not_yet_shipped(staff_client):
    paid = order_in(Order.Status.AWAITING_SHIPMENT)
    cod = order_in(Order.Status.AWAITING_SHIPMENT, payment_status="unpaid", payment_method="cod")
    order_in(Order.Status.PENDING_PAYMENT)
    order_in(Order.Status.SHIPPED)
    order_in(Order.Status.CANCELLED, payment_method="cod")
    order_in(Order.Status.REFUNDED, payment_method="cod")

    response = staff_client.get(CHANGELIST, {"to_ship": "1"})

    assert listed_numbers(response) == {paid.number, cod.number}


def test_to_ship_lists_partly_shipped_orders_as_the_dashboard_counts_them(staff_client):
    partly = order_in(Order.Status.PARTLY_SHIPPED)
    order_in(Order.Status.SHIPPED)

    response = staff_client.get(CHANGELIST, {"to_ship": "1"})

    assert listed_numbers(response) == {partly.number}


def test_filters_by_payment_method_cancelled_and_payment_status(staff_client):
    cod = OrderFactory(payment_method="cod")
    cancelled = order_in(Order.Status.CANCELLED)
    paid = order_in(Order.Status.AWAITING_SHIPMENT)

    by_method = staff_client.get(CHANGELIST, {"payment": "cod"})
    by_cancelled = staff_client.get(CHANGELIST, {"cancelled": "yes"})
    not_cancelled = staff_client.get(CHANGELIST, {"cancelled": "no"})
    by_payment = staff_client.get(CHANGELIST, {"payment_status__exact": "paid"})

    assert listed_numbers(by_method) == {cod.number}
    assert listed_numbers(by_cancelled) == {cancelled.number}
    assert listed_numbers(not_cancelled) == {cod.number, paid.number}
    assert listed_numbers(by_payment) == {paid.number}


def test_filters_by_date(staff_client):
    recent = OrderFactory()
    old = OrderFactory()
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))

    week_ago = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=6)

    response = staff_client.get(CHANGELIST, {"created_at__gte": str(week_ago)})

    assert listed_numbers(response) == {recent.number}


@pytest.mark.parametrize("term", ["number", "email", "phone"])
def test_search_by_exact_number_email_and_phone(staff_client, term):
    wanted = OrderFactory(email="Lena.Hoffmann@Example.com", phone="+8613912345678")
    OrderFactory(email="other@example.com", phone="+8613800138000")
    query = {"number": wanted.number.lower(), "email": "lena.hoffmann@EXAMPLE.com", "phone": "139 1234 5678"}[
        term
    ]

    response = staff_client.get(CHANGELIST, {"q": query})

    assert listed_numbers(response) == {wanted.number}


def test_search_does_not_match_part_of_an_email(staff_client):
    OrderFactory(email="lena.hoffmann@example.com")

    response = staff_client.get(CHANGELIST, {"q": "hoffmann"})

    assert listed_numbers(response) == set()


def test_the_month_filter_lists_orders_placed_in_that_month(staff_client):
    recent = OrderFactory()
    Order.objects.filter(pk=OrderFactory().pk).update(created_at=timezone.now() - timedelta(days=400))
    month = timezone.localtime(recent.created_at).strftime("%Y-%m")

    response = staff_client.get(CHANGELIST, {"month": month})

    assert listed_numbers(response) == {recent.number}


@pytest.mark.parametrize("month", ["2026-13", "x", "99999999999999999999-1"])
def test_a_bad_month_lists_every_order(staff_client, month):
    order = OrderFactory()

    response = staff_client.get(CHANGELIST, {"month": month})

    assert response.status_code == 200
    assert listed_numbers(response) == {order.number}


def test_unknown_filter_values_give_a_page_not_an_error(staff_client):
    order = OrderFactory()

    response = staff_client.get(CHANGELIST, {"status": "nonsense", "to_ship": "<script>", "payment": "x"})

    assert response.status_code == 200
    assert listed_numbers(response) == set()
    assert order.number not in response.content.decode()


def test_a_bad_date_in_the_query_string_is_a_redirect_not_a_500(staff_client):
    response = staff_client.get(CHANGELIST, {"created_at__gte": "not-a-date"})

    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}?e=1"


def test_the_list_links_to_the_to_ship_queue_and_the_csv_export(staff_client):
    response = staff_client.get(CHANGELIST, {"q": "MP"})

    page = response.content.decode()
    assert f'href="{CHANGELIST}?to_ship=1"' in page
    assert f'href="{reverse("admin:orders_order_export")}?q=MP"' in page


def test_non_staff_get_the_admin_login(client):
    client.force_login(UserFactory())

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_cannot_add_or_delete_orders(staff_client):
    order = OrderFactory()

    add = staff_client.get(reverse("admin:orders_order_add"))
    delete = staff_client.get(reverse("admin:orders_order_delete", args=[order.pk]))

    assert add.status_code == 403
    assert delete.status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()


@pytest.mark.parametrize("active_zone", ["Asia/Shanghai", "America/New_York"])
def test_the_month_filter_cuts_months_at_midnight_in_the_shop_time_zone(staff_client, settings, active_zone):
    settings.TIME_ZONE = "Asia/Shanghai"
    # 31 March 23:59 and 1 April 00:30 in Shanghai, both still 31 March in UTC.
    last_of_march, first_of_april = OrderFactory(), OrderFactory()
    Order.objects.filter(pk=last_of_march.pk).update(created_at=datetime(2025, 3, 31, 15, 59, tzinfo=UTC))
    Order.objects.filter(pk=first_of_april.pk).update(created_at=datetime(2025, 3, 31, 16, 30, tzinfo=UTC))

    with timezone.override(active_zone):
        march = staff_client.get(CHANGELIST, {"month": "2025-03"})
        april = staff_client.get(CHANGELIST, {"month": "2025-04"})

    assert listed_numbers(march) == {last_of_march.number}
    assert listed_numbers(april) == {first_of_april.number}
