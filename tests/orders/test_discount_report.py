"""The discounts report: orders, discount given and revenue per coupon and promotion, by the shop's days."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderDiscount
from orders.selectors import discount_report_list
from tests.factories import CouponFactory, OrderFactory, PromotionFactory, StaffUserFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db

D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORT = reverse("admin:orders_order_discount_report")


def discounted_order(
    *, placed: datetime, coupon=None, promotion=None, amount="10.00", shipping="0.00", **fields
):
    """An order of ¥100.00 + ¥12.00 shipping placed at ``placed``, with one discount."""
    order = OrderFactory(
        subtotal=D("100.00"),
        discount_total=D(amount),
        shipping_total=D("12.00"),
        shipping_discount=D(shipping),
        grand_total=D("112.00") - D(amount) - D(shipping),
        **fields,
    )
    Order.objects.filter(pk=order.pk).update(created_at=placed)
    OrderDiscount.objects.create(
        order=order,
        source="coupon" if coupon is not None else "promotion",
        coupon=coupon,
        promotion=promotion,
        label=coupon.code if coupon is not None else promotion.name,
        amount=D(amount),
        shipping_amount=D(shipping),
    )
    return order


def test_each_coupon_and_promotion_gets_its_orders_discount_and_paid_revenue(django_assert_num_queries):
    noon = datetime(2026, 11, 11, 12, 0, tzinfo=SHANGHAI)
    save10 = CouponFactory(code="SAVE10")
    shipfree = CouponFactory(code="SHIPFREE")
    holiday = PromotionFactory(name="Holiday")
    paid = {"payment_status": Order.PaymentStatus.PAID}
    discounted_order(placed=noon, coupon=save10, amount="10.00", **paid)  # revenue 102.00
    discounted_order(placed=noon, coupon=save10, amount="15.00", **paid)  # revenue 97.00
    discounted_order(placed=noon, coupon=save10, amount="5.00")  # unpaid: no revenue
    discounted_order(placed=noon, coupon=save10, amount="7.00", cancelled_at=noon)  # left out
    discounted_order(placed=noon, coupon=save10, amount="9.00", payment_status=Order.PaymentStatus.REFUNDED)
    discounted_order(placed=noon, coupon=shipfree, amount="0.00", shipping="12.00", **paid)  # revenue 100.00
    discounted_order(placed=noon, promotion=holiday, amount="20.00", **paid)  # revenue 92.00
    start, end = datetime(2026, 11, 1, tzinfo=SHANGHAI), datetime(2026, 12, 1, tzinfo=SHANGHAI)

    with django_assert_num_queries(1):
        rows = discount_report_list(start=start, end=end)

    assert [
        (
            row.title,
            row.orders,
            row.goods_discount,
            row.shipping_discount,
            row.discount,
            row.paid_orders,
            row.revenue,
        )
        for row in rows
    ] == [
        ("Coupon SAVE10", 4, D("39.00"), D("0.00"), D("39.00"), 2, D("199.00")),
        ("Holiday", 1, D("20.00"), D("0.00"), D("20.00"), 1, D("92.00")),
        ("Coupon SHIPFREE", 1, D("0.00"), D("12.00"), D("12.00"), 1, D("100.00")),
    ]


def test_a_renamed_promotion_keeps_one_row_and_deleted_ones_keep_theirs():
    noon = datetime(2026, 11, 11, 12, 0, tzinfo=SHANGHAI)
    holiday = PromotionFactory(name="Holiday")
    discounted_order(placed=noon, promotion=holiday)
    holiday.name = "Holiday 2026"
    holiday.save()
    discounted_order(placed=noon, promotion=holiday)
    for code in ["GONE1", "GONE2"]:
        gone = CouponFactory(code=code)
        discounted_order(placed=noon, coupon=gone)
        gone.delete()

    rows = discount_report_list(start=noon - timedelta(days=1), end=noon + timedelta(days=1))

    assert sorted((row.title, row.orders, row.promotion_id) for row in rows) == [
        ("Coupon GONE1", 1, None),
        ("Coupon GONE2", 1, None),
        ("Holiday / Holiday 2026", 2, holiday.pk),
    ]


@pytest.fixture
def viewer(client):
    """Staff who may view orders, and nothing more."""
    staff = StaffUserFactory(is_superuser=False)
    staff.user_permissions.add(Permission.objects.get(codename="view_order"))
    staff_login(client, staff)
    return staff


def test_the_days_are_the_shops_days_from_midnight_to_midnight(client, viewer):
    coupon = CouponFactory(code="DOUBLE11")
    first = datetime(2026, 11, 11, 0, 0, tzinfo=SHANGHAI)
    for placed in [
        first - timedelta(seconds=1),  # 10 November in Shanghai
        first,
        first + timedelta(days=1) - timedelta(seconds=1),
        first + timedelta(days=1),  # 12 November
    ]:
        discounted_order(placed=placed, coupon=coupon, payment_status=Order.PaymentStatus.PAID)

    response = client.get(REPORT, {"start": "2026-11-11", "end": "2026-11-11"})

    assert response.status_code == 200
    [row] = response.context["rows"]
    assert (row.orders, row.revenue) == (2, D("204.00"))
    page = response.content.decode()
    assert "Coupon DOUBLE11" in page
    assert "¥204.00" in page


def test_by_default_the_report_covers_the_last_thirty_days_including_today(client, viewer, monkeypatch):
    now = datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI)
    monkeypatch.setattr(timezone, "now", lambda: now)
    coupon = CouponFactory(code="MONTH")
    discounted_order(placed=datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI), coupon=coupon)
    discounted_order(placed=datetime(2026, 10, 31, 23, 59, tzinfo=SHANGHAI), coupon=coupon)
    discounted_order(placed=now, coupon=coupon)

    response = client.get(REPORT)

    assert response.context["form"].cleaned_data["start"] == date(2026, 11, 1)
    assert [row.orders for row in response.context["rows"]] == [2]


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2026-11-12", "end": "2026-11-11"},
        {"start": "not a date"},
        {"end": "2026-13-01"},
        # Days beyond any shop's, where the arithmetic on them would overflow.
        {"end": "9999-12-31"},
        {"end": "0001-01-03"},
        {"start": "0001-01-01", "end": "0001-01-02"},
    ],
)
def test_bad_dates_are_explained_with_a_400(client, viewer, query):
    response = client.get(REPORT, query)

    assert response.status_code == 400
    assert "Please correct the errors below." in response.content.decode()


def test_only_staff_who_may_view_orders_see_the_report(client):
    staff = StaffUserFactory(is_superuser=False)
    staff.user_permissions.add(Permission.objects.get(codename="view_product"))
    staff_login(client, staff)

    assert client.get(REPORT).status_code == 403


def test_the_report_is_linked_from_the_order_list_and_the_dashboard_and_speaks_chinese(client, viewer):
    order_list = client.get(reverse("admin:orders_order_changelist")).content.decode()
    dashboard = client.get(reverse("admin:index")).content.decode()
    chinese = client.get(REPORT, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert REPORT in order_list
    assert REPORT in dashboard
    assert "优惠报表" in chinese
