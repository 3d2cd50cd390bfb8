"""Variant sale prices: the price at a moment, the constraints that back it, and the admin that sets it."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from catalog.models import CatalogScheduledChange, Product, Variant
from tests.catalog.product_admin_forms import ADD_URL, admin_errors, inline_rows, product_data, variant_row
from tests.factories import CategoryFactory, VariantFactory

pytestmark = pytest.mark.django_db

SHOP_ZONE = ZoneInfo(settings.TIME_ZONE)
# Midnight of 12 December in the shop's time zone (Asia/Shanghai): 16:00 the day before in UTC.
DOUBLE_TWELVE = datetime(2026, 12, 12, tzinfo=SHOP_ZONE)
DOUBLE_TWELVE_ENDS = datetime(2026, 12, 13, tzinfo=SHOP_ZONE)
ONE_MICROSECOND = timedelta(microseconds=1)


def sale_variant(**fields) -> Variant:
    """An unsaved ¥199.00 variant on sale for ¥149.00 on 12 December, shop time."""
    values = {
        "price": Decimal("199.00"),
        "sale_price": Decimal("149.00"),
        "sale_starts_at": DOUBLE_TWELVE,
        "sale_ends_at": DOUBLE_TWELVE_ENDS,
    }
    return Variant(**(values | fields))


# The price at a moment ------------------------------------------------------------------------


def test_the_sale_price_applies_from_its_start_in_the_shops_time_zone():
    variant = sale_variant()

    assert DOUBLE_TWELVE.astimezone(UTC) == datetime(2026, 12, 11, 16, 0, tzinfo=UTC)
    assert variant.price_at(DOUBLE_TWELVE - ONE_MICROSECOND) == Decimal("199.00")
    assert variant.price_at(DOUBLE_TWELVE) == Decimal("149.00")
    assert variant.price_at(DOUBLE_TWELVE + ONE_MICROSECOND) == Decimal("149.00")


def test_the_regular_price_applies_again_from_the_sales_end():
    variant = sale_variant()

    assert variant.price_at(DOUBLE_TWELVE_ENDS - ONE_MICROSECOND) == Decimal("149.00")
    assert variant.price_at(DOUBLE_TWELVE_ENDS) == Decimal("199.00")
    assert variant.price_at(DOUBLE_TWELVE_ENDS + ONE_MICROSECOND) == Decimal("199.00")
    assert not variant.is_on_sale_at(DOUBLE_TWELVE_ENDS)


def test_a_sale_may_be_open_ended_on_either_side():
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    far_ahead = datetime(2100, 1, 1, tzinfo=UTC)
    until_the_twelfth = sale_variant(sale_starts_at=None)
    from_the_twelfth = sale_variant(sale_ends_at=None)
    always = sale_variant(sale_starts_at=None, sale_ends_at=None)

    assert until_the_twelfth.price_at(long_ago) == Decimal("149.00")
    assert until_the_twelfth.price_at(far_ahead) == Decimal("199.00")
    assert from_the_twelfth.price_at(long_ago) == Decimal("199.00")
    assert from_the_twelfth.price_at(far_ahead) == Decimal("149.00")
    assert always.price_at(long_ago) == always.price_at(far_ahead) == Decimal("149.00")


def test_without_a_sale_price_the_price_applies_and_is_the_regular_price():
    variant = sale_variant(sale_price=None, sale_starts_at=None, sale_ends_at=None)

    assert variant.price_at(DOUBLE_TWELVE) == Decimal("199.00")
    assert not variant.is_on_sale_at(DOUBLE_TWELVE)
    assert variant.regular_price == sale_variant().regular_price == Decimal("199.00")
    assert variant.sale_moments == []
    assert sale_variant().sale_moments == [DOUBLE_TWELVE, DOUBLE_TWELVE_ENDS]


# Constraints ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"sale_price": Decimal("199.00")}, id="sale-price-equal-to-price"),
        pytest.param({"sale_price": Decimal("250.00")}, id="sale-price-above-price"),
        pytest.param({"sale_price": Decimal("-1.00")}, id="negative-sale-price"),
        pytest.param({"sale_ends_at": DOUBLE_TWELVE}, id="ends-when-it-starts"),
        pytest.param({"sale_ends_at": DOUBLE_TWELVE - timedelta(hours=1)}, id="ends-before-it-starts"),
        pytest.param({"sale_price": None}, id="times-without-a-sale-price"),
        pytest.param({"sale_price": None, "sale_starts_at": None}, id="an-end-without-a-sale-price"),
    ],
)
def test_the_database_refuses_a_sale_that_makes_no_sense(fields):
    variant = VariantFactory(price=Decimal("199.00"))

    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=variant.pk).update(
            **{
                "sale_price": Decimal("149.00"),
                "sale_starts_at": DOUBLE_TWELVE,
                "sale_ends_at": DOUBLE_TWELVE_ENDS,
            }
            | fields
        )

    variant.refresh_from_db()
    assert (variant.sale_price, variant.sale_starts_at, variant.sale_ends_at) == (None, None, None)


def test_the_database_takes_a_free_sale_and_open_windows():
    free = VariantFactory(price=Decimal("10.00"), sale_price=Decimal("0.00"))
    open_start = VariantFactory(
        price=Decimal("10.00"), sale_price=Decimal("9.99"), sale_ends_at=DOUBLE_TWELVE
    )
    open_end = VariantFactory(
        price=Decimal("10.00"), sale_price=Decimal("9.99"), sale_starts_at=DOUBLE_TWELVE
    )

    assert Variant.objects.filter(pk__in=[free.pk, open_start.pk, open_end.pk]).count() == 3


def test_lowering_the_price_below_a_stored_sale_price_is_refused_by_the_database():
    variant = VariantFactory(price=Decimal("199.00"), sale_price=Decimal("149.00"))

    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=variant.pk).update(price=Decimal("129.00"))


# The admin: the product page's variant rows ---------------------------------------------------


def test_staff_put_a_variant_on_sale_with_times_typed_in_the_shops_time_zone(
    staff_client, django_capture_on_commit_callbacks
):
    data = product_data(
        category=CategoryFactory(),
        variants=[
            variant_row(
                price="199.00",
                sale_price="149.00",
                sale_starts_at="2026-12-12T00:00",
                sale_ends_at="2026-12-13T00:00",
            )
        ],
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(ADD_URL, data)

    assert response.status_code == 302
    variant = Variant.objects.get()
    assert (variant.price, variant.sale_price) == (Decimal("199.00"), Decimal("149.00"))
    assert variant.sale_starts_at == datetime(2026, 12, 11, 16, 0, tzinfo=UTC)
    assert variant.sale_ends_at == datetime(2026, 12, 12, 16, 0, tzinfo=UTC)


def test_a_sale_without_times_is_on_from_now_on_and_without_an_end(staff_client):
    data = product_data(
        category=CategoryFactory(), variants=[variant_row(price="199.00", sale_price="149.00")]
    )

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 302
    variant = Variant.objects.get()
    assert (variant.sale_price, variant.sale_starts_at, variant.sale_ends_at) == (
        Decimal("149.00"),
        None,
        None,
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        pytest.param(
            {"sale_price": "199.00"}, "The sale price must be below the price (¥199.00).", id="equal-to-price"
        ),
        pytest.param(
            {"sale_price": "299.00"}, "The sale price must be below the price (¥199.00).", id="above-price"
        ),
        pytest.param({"sale_price": "-5.00"}, "The sale price cannot be negative.", id="negative"),
        pytest.param(
            {
                "sale_price": "149.00",
                "sale_starts_at": "2026-12-13T00:00",
                "sale_ends_at": "2026-12-12T00:00",
            },
            "The sale must end after it starts.",
            id="ends-before-it-starts",
        ),
        pytest.param(
            {
                "sale_price": "149.00",
                "sale_starts_at": "2026-12-12T00:00",
                "sale_ends_at": "2026-12-12T00:00",
            },
            "The sale must end after it starts.",
            id="ends-when-it-starts",
        ),
        pytest.param(
            {"sale_starts_at": "2026-12-12T00:00"},
            "Enter a sale price, or leave the sale times empty.",
            id="times-without-a-sale-price",
        ),
        pytest.param(
            {"sale_price": "149.00", "sale_starts_at": "12/12/2026 midnight"},
            "Enter a valid date/time.",
            id="not-a-time",
        ),
        pytest.param({"sale_price": "cheap"}, "Enter a number.", id="not-a-number"),
    ],
)
def test_a_sale_that_makes_no_sense_is_refused_with_a_clear_error(staff_client, row, message):
    data = product_data(category=CategoryFactory(), variants=[variant_row(price="199.00", **row)])

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert admin_errors(response) == [message]
    assert not Product.objects.exists()


def test_a_price_lowered_below_the_sale_price_is_refused_with_a_clear_error(staff_client):
    variant = VariantFactory(price=Decimal("199.00"), sale_price=Decimal("149.00"))
    product = variant.product
    data = {
        "name": product.name,
        "slug": product.slug,
        "category": str(product.category_id),
        "is_active": "on",
        **inline_rows(
            "variants",
            [variant_row(id=variant.pk, sku=variant.sku, price="129.00", sale_price="149.00")],
            initial=1,
        ),
        **inline_rows("images", []),
        **inline_rows("recommendation_overrides", []),
    }

    response = staff_client.post(reverse("admin:catalog_product_change", args=[product.pk]), data)

    assert response.status_code == 200
    assert admin_errors(response) == ["The sale price must be below the price (¥129.00)."]
    variant.refresh_from_db()
    assert variant.price == Decimal("199.00")


def test_the_change_form_shows_the_sale_times_in_the_shops_time_zone_and_says_which(staff_client):
    variant = VariantFactory(
        price=Decimal("199.00"),
        sale_price=Decimal("149.00"),
        sale_starts_at=datetime(2026, 12, 11, 16, 0, tzinfo=UTC),
        sale_ends_at=datetime(2026, 12, 12, 16, 30, tzinfo=UTC),
    )

    english = staff_client.get(reverse("admin:catalog_product_change", args=[variant.product_id]))
    chinese = staff_client.get(
        reverse("admin:catalog_product_change", args=[variant.product_id]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    page = english.content.decode()
    assert 'type="datetime-local" name="variants-0-sale_starts_at" value="2026-12-12T00:00"' in page
    assert 'type="datetime-local" name="variants-0-sale_ends_at" value="2026-12-13T00:30"' in page
    assert "Sale (times in Asia/Shanghai)" in page
    assert "Times are to the minute in the shop&#x27;s time zone (Asia/Shanghai)" in page
    assert '<span class="sale-part-label">starts</span><input type="datetime-local"' in page
    assert "特价\uff08时间按 Asia/Shanghai\uff09" in chinese.content.decode()  # full-width brackets
    assert "按本店时区\uff08Asia/Shanghai\uff09计" in chinese.content.decode()


def test_saving_a_sale_schedules_its_start_and_end_and_deleting_the_variant_forgets_them():
    soon = datetime.now(UTC) + timedelta(days=1)
    later = soon + timedelta(days=1)

    variant = VariantFactory(
        price=Decimal("199.00"), sale_price=Decimal("149.00"), sale_starts_at=soon, sale_ends_at=later
    )
    source = f"catalog.variant:{variant.pk}"
    scheduled = list(CatalogScheduledChange.objects.order_by("at").values_list("source", "at"))
    variant.sale_ends_at = None
    variant.save()
    rescheduled = list(CatalogScheduledChange.objects.values_list("source", "at"))
    variant.delete()

    assert scheduled == [(source, soon), (source, later)]
    assert rescheduled == [(source, soon)]
    assert not CatalogScheduledChange.objects.exists()
