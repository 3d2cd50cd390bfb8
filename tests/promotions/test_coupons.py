"""Coupons in the database: codes found however they are typed, each refusal, uses exact under races."""

from datetime import timedelta
from functools import partial

import pytest
from django.db import transaction
from django.utils import timezone, translation

from promotions.codes import coupon_code_canonical
from promotions.exceptions import (
    CouponAlreadyUsedByCustomer,
    CouponError,
    CouponExpired,
    CouponFirstOrderOnly,
    CouponNotYetValid,
    CouponUnknown,
    CouponUsedUp,
)
from promotions.models import Coupon, CouponCustomerUse
from promotions.selectors import coupon_get_usable
from promotions.services import coupon_use_return, coupon_use_take, coupons_generate
from tests.factories import CategoryFactory, CouponFactory
from tests.helpers import run_together

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("  save20 ", "SAVE20"),
        ("Save20", "SAVE20"),
        ("\uff53\uff41\uff56\uff45\uff12\uff10", "SAVE20"),  # full-width, as a Chinese input method types it
        ("spring-sale_2026", "SPRING-SALE_2026"),
        ("sav\u0131", ""),  # dotless i: no ASCII form, so it never folds into SAVI
        ("save 20", ""),
        ("", ""),
        ("x" * 41, ""),
    ],
)
def test_a_code_has_one_canonical_form_or_none(typed, canonical):
    assert coupon_code_canonical(typed) == canonical


def test_a_code_is_found_however_it_is_typed():
    coupon = CouponFactory(code="SAVE20")

    assert coupon_get_usable(code=" save20") == coupon


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"is_active": False}, CouponUnknown),
        ({"valid_from": timezone.now() + timedelta(hours=1)}, CouponNotYetValid),
        ({"valid_until": timezone.now() - timedelta(seconds=1)}, CouponExpired),
        ({"uses_total": 2, "uses_count": 2}, CouponUsedUp),
    ],
)
def test_each_reason_a_coupon_cannot_be_used_has_its_own_error(fields, error):
    CouponFactory(code="SAVE20", **fields)

    with pytest.raises(error) as refused:
        coupon_get_usable(code="save20")

    assert "SAVE20" in refused.value.message


def test_an_unknown_code_is_named_as_typed():
    with pytest.raises(CouponUnknown) as refused:
        coupon_get_usable(code=" nosuch ")

    assert refused.value.message == "We don't know the code “NOSUCH”. Please check it and try again."


def test_the_window_starts_at_valid_from_and_ends_at_valid_until():
    start = timezone.now()
    CouponFactory(code="WINDOW", valid_from=start, valid_until=start + timedelta(days=1))

    assert coupon_get_usable(code="window", moment=start).code == "WINDOW"
    with pytest.raises(CouponNotYetValid):
        coupon_get_usable(code="window", moment=start - timedelta(microseconds=1))
    with pytest.raises(CouponExpired):
        coupon_get_usable(code="window", moment=start + timedelta(days=1))


def test_first_order_only_and_per_customer_limits_are_checked_when_the_customer_is_known():
    coupon = CouponFactory(code="WELCOME", first_order_only=True, uses_per_customer=1)
    CouponCustomerUse.objects.create(coupon=coupon, email_canonical="mei@example.com", uses=1)

    assert coupon_get_usable(code="welcome") == coupon  # the cart: customer unknown
    with pytest.raises(CouponFirstOrderOnly):
        coupon_get_usable(code="welcome", first_order=False)
    with pytest.raises(CouponAlreadyUsedByCustomer):
        coupon_get_usable(code="welcome", email_canonical="mei@example.com", first_order=True)


@pytest.mark.django_db(transaction=True)
def test_thirty_shoppers_racing_for_the_last_ten_uses_get_exactly_ten():
    coupon = CouponFactory(uses_total=12, uses_count=2)

    def take(index: int) -> str:
        try:
            with transaction.atomic():
                coupon_use_take(coupon=coupon, email_canonical=f"shopper{index}@example.com")
        except CouponUsedUp:
            return "used up"
        return "taken"

    outcomes = run_together(*(partial(take, index) for index in range(30)))

    coupon.refresh_from_db()
    assert outcomes.count("taken") == 10
    assert coupon.uses_count == 12


@pytest.mark.django_db(transaction=True)
def test_one_customer_racing_themself_gets_only_their_allowed_uses():
    coupon = CouponFactory(uses_per_customer=2)

    def take() -> str:
        try:
            with transaction.atomic():
                coupon_use_take(coupon=coupon, email_canonical="mei@example.com")
        except CouponAlreadyUsedByCustomer:
            return "refused"
        return "taken"

    outcomes = run_together(*([take] * 6))

    coupon.refresh_from_db()
    assert outcomes.count("taken") == 2
    assert coupon.uses_count == 2
    assert CouponCustomerUse.objects.get(coupon=coupon).uses == 2


def test_a_refused_customer_use_takes_back_the_total_use_with_its_transaction():
    coupon = CouponFactory(uses_total=5, uses_per_customer=1)
    with transaction.atomic():
        coupon_use_take(coupon=coupon, email_canonical="mei@example.com")

    with pytest.raises(CouponAlreadyUsedByCustomer), transaction.atomic():
        coupon_use_take(coupon=coupon, email_canonical="mei@example.com")

    coupon.refresh_from_db()
    assert coupon.uses_count == 1


def test_giving_a_use_back_counts_down_both_and_never_below_zero():
    coupon = CouponFactory(uses_total=5, uses_per_customer=1)
    with transaction.atomic():
        coupon_use_take(coupon=coupon, email_canonical="mei@example.com")

    coupon_use_return(coupon_id=coupon.pk, email_canonical="mei@example.com")
    coupon_use_return(coupon_id=coupon.pk, email_canonical="mei@example.com")

    coupon.refresh_from_db()
    assert coupon.uses_count == 0
    assert CouponCustomerUse.objects.get(coupon=coupon).uses == 0


def test_generated_codes_are_unique_and_copy_the_templates_rules():
    tea = CategoryFactory()
    template = CouponFactory(code="TEMPLATE", value=15, campaign="Spring")
    template.categories.add(tea)

    made = coupons_generate(template=template, count=200, prefix="SPR-")

    codes = {coupon.code for coupon in made}
    assert len(codes) == 200
    assert all(code.startswith("SPR-") and len(code) == 12 for code in codes)
    assert Coupon.objects.filter(campaign="Spring", categories=tea).count() == 201
    assert set(Coupon.objects.filter(code__in=codes).values_list("value", flat=True)) == {15}


def test_a_use_is_refused_once_staff_switch_the_code_off_or_it_ends_meanwhile():
    switched_off = CouponFactory(code="LEAKED")
    ended = CouponFactory(code="LATE", valid_until=timezone.now() + timedelta(seconds=30))
    Coupon.objects.filter(pk=switched_off.pk).update(is_active=False)

    with pytest.raises(CouponUnknown), transaction.atomic():
        coupon_use_take(coupon=switched_off, email_canonical="mei@example.com")
    with pytest.raises(CouponExpired), transaction.atomic():
        coupon_use_take(coupon=ended, email_canonical="", moment=timezone.now() + timedelta(minutes=1))

    assert list(Coupon.objects.order_by("pk").values_list("uses_count", flat=True)) == [0, 0]


def test_the_per_customer_limit_taken_is_the_rows_current_one():
    coupon = CouponFactory(code="ONCE")  # read before staff added a limit of one per customer
    Coupon.objects.filter(pk=coupon.pk).update(uses_per_customer=1)
    with transaction.atomic():
        coupon_use_take(coupon=coupon, email_canonical="mei@example.com")

    with pytest.raises(CouponAlreadyUsedByCustomer), transaction.atomic():
        coupon_use_take(coupon=coupon, email_canonical="mei@example.com")


def test_every_refusal_has_a_sentence_for_the_shopper_in_both_languages():
    with translation.override("zh-hans"):
        assert CouponError(code="SAVE20").message == "优惠码“SAVE20”不能用于此订单。"
    assert CouponError(code="SAVE20").message == "The code “SAVE20” cannot be used for this order."
