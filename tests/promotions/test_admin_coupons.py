"""The coupon admin: the form's canonical code and its checks, the list, search, filters, actions."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from promotions.models import Coupon
from promotions.services import coupon_use_take
from tests.factories import CategoryFactory, CouponFactory, ProductFactory, StaffUserFactory
from tests.helpers import staff_login
from tests.promotions.admin_helpers import (
    COUPON_ADD,
    COUPONS,
    coupon_change_url,
    coupon_post,
    staff_with,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff_login(client, StaffUserFactory())
    return client


def _errors(response, field: str) -> list[str]:
    return [str(error) for error in response.context["adminform"].form.errors.get(field, [])]


# The form: the code


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  spring-sale_26 ", "SPRING-SALE_26"),
        ("\uff53\uff41\uff56\uff45\uff12\uff10", "SAVE20"),  # full-width, as a Chinese input method types it
    ],
)
def test_a_code_is_stored_in_its_canonical_form(staff_client, typed, stored):
    response = staff_client.post(COUPON_ADD, coupon_post(code=typed))

    assert response.status_code == 302
    assert list(Coupon.objects.values_list("code", flat=True)) == [stored]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("SAVE 20", "A code may use only the letters A–Z, the digits 0–9, “-” and “_”, not “space”."),  # noqa: RUF001
        ("SAVE€20!", "A code may use only the letters A–Z, the digits 0–9, “-” and “_”, not “€”, “!”."),  # noqa: RUF001
        ("sav\u0131", "A code may use only the letters A–Z, the digits 0–9, “-” and “_”, not “\u0131”."),  # noqa: RUF001
        ("-SAVE", "A code cannot start with “-”: spreadsheets would read it as a formula."),
        ("X" * 41, "Ensure this value has at most 40 characters (it has 41)."),
    ],
)
def test_a_code_with_other_characters_is_refused_saying_which(staff_client, typed, message):
    response = staff_client.post(COUPON_ADD, coupon_post(code=typed))

    assert response.status_code == 200
    assert _errors(response, "code") == [message]
    assert not Coupon.objects.exists()


def test_a_code_taken_already_however_typed_is_refused(staff_client):
    CouponFactory(code="SAVE20")

    response = staff_client.post(COUPON_ADD, coupon_post(code="save20"))

    assert _errors(response, "code") == ["There is already a coupon with this code."]
    assert Coupon.objects.count() == 1


# The form: kind, value, limits and window


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"value": "0"}, "value", "A percentage off must be more than 0 and at most 100."),
        ({"value": "100.01"}, "value", "A percentage off must be more than 0 and at most 100."),
        ({"value": ""}, "value", "Enter the percentage off."),
        ({"kind": "fixed", "value": "0"}, "value", "An amount off must be more than 0."),
        ({"kind": "fixed", "value": "-5"}, "value", "An amount off must be more than 0."),
        ({"kind": "fixed", "value": ""}, "value", "Enter the amount off."),
        (
            {"kind": "free_shipping", "value": "5"},
            "value",
            "A free-shipping coupon has no value: leave it at 0.",
        ),
        (
            {"kind": "fixed", "value": "20", "max_discount": "10"},
            "max_discount",
            "Only a percentage coupon has a maximum discount: leave it empty.",
        ),
        ({"max_discount": "0"}, "max_discount", "A maximum discount must be more than 0."),
        ({"min_spend": "-1"}, "min_spend", "A minimum spend cannot be below 0."),
        ({"uses_total": "0"}, "uses_total", "At least 1; leave it empty for no limit."),
        ({"uses_per_customer": "0"}, "uses_per_customer", "At least 1; leave it empty for no limit."),
        (
            {
                "valid_from_0": "2026-12-08",
                "valid_from_1": "10:00",
                "valid_until_0": "2026-12-08",
                "valid_until_1": "10:00",
            },
            "valid_until",
            "The end must be after the start.",
        ),
        ({"value": "ten"}, "value", "Enter a number."),
        ({"categories": ["abc"]}, "categories", "“abc” is not a valid value."),
    ],
)
def test_each_rule_a_coupon_breaks_gets_its_own_message(staff_client, fields, field, message):
    response = staff_client.post(COUPON_ADD, coupon_post(**fields))

    assert response.status_code == 200
    assert _errors(response, field) == [message]
    assert not Coupon.objects.exists()


def test_a_free_shipping_coupon_may_leave_its_value_empty(staff_client):
    response = staff_client.post(COUPON_ADD, coupon_post(kind="free_shipping", value=""))

    assert response.status_code == 302
    assert Coupon.objects.get().value == Decimal("0.00")


def test_a_coupon_applies_to_the_categories_and_products_chosen(staff_client):
    tea, product = CategoryFactory(), ProductFactory()

    staff_client.post(COUPON_ADD, coupon_post(categories=[tea.pk], products=[product.pk]))

    coupon = Coupon.objects.get()
    assert list(coupon.categories.all()) == [tea]
    assert list(coupon.products.all()) == [product]


def test_the_window_is_read_in_the_shops_time_zone(staff_client, settings):
    settings.TIME_ZONE = "Asia/Shanghai"

    staff_client.post(COUPON_ADD, coupon_post(valid_until_0="2026-12-08", valid_until_1="00:00:00"))

    assert Coupon.objects.get().valid_until == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)


def test_the_use_count_is_shown_but_cannot_be_changed(staff_client):
    coupon = CouponFactory(uses_total=10, uses_count=3)

    page = staff_client.get(coupon_change_url(coupon)).content.decode()
    staff_client.post(
        coupon_change_url(coupon), coupon_post(code=coupon.code, uses_total="10", uses_count="0")
    )

    coupon.refresh_from_db()
    assert "3 / 10" in page
    assert 'name="uses_count"' not in page
    assert coupon.uses_count == 3


def test_the_limit_cannot_go_below_the_uses_taken(staff_client):
    coupon = CouponFactory(uses_total=10, uses_count=3)

    response = staff_client.post(coupon_change_url(coupon), coupon_post(code=coupon.code, uses_total="2"))

    coupon.refresh_from_db()
    assert _errors(response, "uses_total") == [
        "This coupon has been used 3 times already; the limit cannot be lower."
    ]
    assert coupon.uses_total == 10


@pytest.mark.django_db(transaction=True)
def test_a_limit_saved_while_a_checkout_takes_a_use_is_checked_against_that_use():
    coupon = CouponFactory(code="RACE", uses_total=10, uses_count=2)
    staff = StaffUserFactory()
    taken, saved = threading.Event(), []

    def checkout() -> None:
        try:
            with transaction.atomic():
                coupon_use_take(coupon=coupon, email_canonical="")  # 2 -> 3, row locked till commit
                taken.set()
                # Long enough for the admin's save to reach the row and wait on it.
                threading.Event().wait(0.5)
        finally:
            connection.close()

    def save() -> None:
        try:
            client = Client(raise_request_exception=False)
            staff_login(client, staff)
            taken.wait(5)
            saved.append(client.post(coupon_change_url(coupon), coupon_post(code="RACE", uses_total="2")))
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout), threading.Thread(target=save)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    coupon.refresh_from_db()
    assert saved[0].status_code == 200
    assert "This coupon has been used 3 times already" in saved[0].content.decode()
    assert (coupon.uses_count, coupon.uses_total) == (3, 10)


# The list


def test_the_list_shows_each_coupons_rules_in_a_row(staff_client, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    CouponFactory(
        code="SPRING10",
        campaign="Spring mailing",
        value=Decimal("12.50"),
        max_discount=Decimal("50.00"),
        min_spend=Decimal("199.00"),
        valid_from=datetime(2026, 3, 1, 16, 0, tzinfo=UTC),
        valid_until=datetime(2026, 3, 31, 16, 0, tzinfo=UTC),
        uses_total=10,
        uses_count=3,
        uses_per_customer=1,
    )

    page = staff_client.get(COUPONS).content.decode()

    assert "SPRING10" in page
    assert "Spring mailing" in page
    assert "12.5% off" in page
    assert "at most ¥50.00" in page
    assert "spend ¥199.00 or more" in page
    assert "1 per customer" in page
    assert "from 2 Mar 2026 00:00" in page
    assert "until 1 Apr 2026 00:00" in page
    assert "3 / 10" in page


def test_the_list_takes_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    for number in range(30):
        CouponFactory(code=f"CODE{number}", campaign=f"Campaign {number % 3}", uses_total=5)
    CouponFactory(code="FREE", kind=Coupon.Kind.FREE_SHIPPING, value=0)

    with django_assert_max_num_queries(12):
        response = staff_client.get(COUPONS)

    assert response.status_code == 200


@pytest.mark.parametrize("typed", ["spring10", "\uff53\uff50\uff52\uff49\uff4e\uff47", "ring1"])
def test_search_finds_a_code_however_it_is_typed(staff_client, typed):
    CouponFactory(code="SPRING10")
    CouponFactory(code="AUTUMN10")

    response = staff_client.get(COUPONS, {"q": typed})

    assert [coupon.code for coupon in response.context["cl"].result_list] == ["SPRING10"]


def test_search_finds_a_campaign_and_never_compares_codes_in_upper_case(
    staff_client, django_assert_max_num_queries
):
    CouponFactory(code="A1", campaign="双十一 Newsletter")
    CouponFactory(code="B2", campaign="Other")

    with connection.execute_wrapper(_refuse_upper):
        response = staff_client.get(COUPONS, {"q": "newsletter"})

    assert [coupon.code for coupon in response.context["cl"].result_list] == ["A1"]


def _refuse_upper(execute, sql, params, many, context):
    assert 'UPPER("promotions_coupon"."code"' not in sql
    return execute(sql, params, many, context)


def test_the_campaign_filter_lists_campaigns_and_coupons_without_one(staff_client):
    CouponFactory(code="A1", campaign="Spring")
    CouponFactory(code="B2", campaign="Autumn")
    CouponFactory(code="C3", campaign="")

    spring = staff_client.get(COUPONS, {"campaign": "Spring"})
    none = staff_client.get(COUPONS, {"campaign": "-"})

    assert [coupon.code for coupon in spring.context["cl"].result_list] == ["A1"]
    assert [coupon.code for coupon in none.context["cl"].result_list] == ["C3"]
    assert "Autumn" in spring.content.decode()


# Status: live, scheduled, used up, ended, switched off, in the shop's time zone


@pytest.fixture
def year_end_coupons(settings):
    """Coupons around the end of 2026 in Shanghai (16:00 UTC on 31 December)."""
    settings.TIME_ZONE = "Asia/Shanghai"
    new_year = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 1 Jan 2027 00:00 in Shanghai
    return {
        "december": CouponFactory(code="DECEMBER", valid_until=new_year),
        "january": CouponFactory(code="JANUARY", valid_from=new_year),
        "always": CouponFactory(code="ALWAYS"),
        "used_up": CouponFactory(code="USEDUP", uses_total=2, uses_count=2),
        "off": CouponFactory(code="OFF", is_active=False),
        "off_ended": CouponFactory(
            code="OFFENDED", is_active=False, valid_until=new_year - timedelta(days=30)
        ),
    }


def _listed(client, **query) -> set[str]:
    return {coupon.code for coupon in client.get(COUPONS, query).context["cl"].result_list}


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (
            datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC),  # 23:59:59 on 31 December in Shanghai
            {
                "live": {"DECEMBER", "ALWAYS"},
                "scheduled": {"JANUARY"},
                "used_up": {"USEDUP"},
                "ended": {"OFFENDED"},
                "off": {"OFF"},
            },
        ),
        (
            datetime(2026, 12, 31, 16, 0, tzinfo=UTC),  # midnight in Shanghai
            {
                "live": {"JANUARY", "ALWAYS"},
                "scheduled": set(),
                "used_up": {"USEDUP"},
                "ended": {"DECEMBER", "OFFENDED"},
                "off": {"OFF"},
            },
        ),
    ],
)
def test_the_status_filter_follows_the_clock_at_midnight_in_shanghai(
    staff_client, year_end_coupons, monkeypatch, moment, expected
):
    monkeypatch.setattr(timezone, "now", lambda: moment)

    listed = {status: _listed(staff_client, status=status) for status in expected}

    assert listed == expected
    for status, codes in expected.items():
        for code in codes:
            assert Coupon.objects.get(code=code).status_at(moment) == status


def test_the_list_shows_each_coupons_status(staff_client, year_end_coupons, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 31, 16, 0, tzinfo=UTC))

    page = staff_client.get(COUPONS, {"q": "DECEMBER"}).content.decode()

    assert '<span class="status-badge promo-badge-ended">Ended</span>' in page
    assert "css/admin_badges.css" in page and "css/promotions_admin.css" in page


def test_a_made_up_status_lists_every_coupon(staff_client, year_end_coupons):
    assert len(_listed(staff_client, status="soon")) == 6


# Actions


def test_deactivate_switches_off_the_selected_coupons_only(staff_client):
    chosen, other = CouponFactory(), CouponFactory()

    response = staff_client.post(
        COUPONS, {"action": "deactivate_selected", ACTION_CHECKBOX_NAME: [chosen.pk]}, follow=True
    )

    chosen.refresh_from_db()
    other.refresh_from_db()
    assert (chosen.is_active, other.is_active) == (False, True)
    assert "1 coupon was deactivated." in response.content.decode()


def test_staff_who_may_only_view_coupons_cannot_deactivate_them(client):
    coupon = CouponFactory()
    staff_login(client, staff_with("view_coupon"))

    page = client.get(COUPONS).content.decode()
    client.post(COUPONS, {"action": "deactivate_selected", ACTION_CHECKBOX_NAME: [coupon.pk]})

    coupon.refresh_from_db()
    assert "deactivate_selected" not in page
    assert coupon.is_active
