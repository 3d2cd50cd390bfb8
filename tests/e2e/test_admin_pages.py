"""Staff pages on a 1280 px laptop screen, in English and Chinese: nothing scrolls sideways."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from orders.models import Order
from tests.factories import OrderFactory, ProductFactory, StaffUserFactory, VariantFactory
from tests.helpers import staff_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1280, 800
LANGUAGES = ["en-US", "zh-CN"]
LONG_NAMES = [
    "Maximilian Alexander Featherstonehaugh-Worthington",
    "Anna-Katharina von Hohenzollern-Sigmaringen",
    "欧阳娜娜欧阳娜娜欧阳娜娜",
]


@pytest.fixture
def staff_page(browser, live_server, request):
    """A page at 1280x800 in the test's language, signed in to the admin past two-factor."""
    client = Client()
    staff_login(client, StaffUserFactory(email="owner@example.com"))
    context = browser.new_context(
        base_url=live_server.url, locale=request.param, viewport={"width": WIDTH, "height": HEIGHT}
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    yield page
    context.close()


def _right_edge(page, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"]


def _scrolls_inside(page, selector: str) -> bool:
    return page.evaluate(
        "selector => { const box = document.querySelector(selector); "
        "return box.scrollWidth > box.clientWidth; }",
        selector,
    )


@pytest.mark.parametrize("staff_page", LANGUAGES, indirect=True)
def test_the_order_list_shows_total_and_payment_without_sideways_scrolling(staff_page):
    OrderFactory(payment_status=Order.PaymentStatus.PAID)
    for number, name in enumerate(LONG_NAMES):
        OrderFactory(
            full_name=name,
            email=f"{name.split()[0].lower()}.someone-with-a-long-address-{number}@example-company.co.uk",
            payment_method="cod" if number % 2 else "bank_transfer",
            subtotal=Decimal("12333.00"),
            shipping_total=Decimal("12.00"),
            grand_total=Decimal("12345.00"),
        )

    staff_page.goto(reverse("admin:orders_order_changelist"))

    assert staff_page.locator("#result_list tbody tr").count() == 4
    assert staff_page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert not _scrolls_inside(staff_page, "#changelist .results")
    for column in ("total", "payment_column"):
        assert _right_edge(staff_page, f"#result_list th.column-{column}") <= WIDTH
        assert _right_edge(staff_page, f"#result_list th.column-{column}") <= _right_edge(
            staff_page, "#changelist .results"
        )
    assert staff_page.locator("#result_list td.field-total").first.inner_text() == "¥12,345.00"


@pytest.mark.parametrize("staff_page", LANGUAGES, indirect=True)
def test_the_product_page_with_four_variants_fits_the_screen(staff_page):
    product = ProductFactory(name="Lightweight Merino Fleece")
    for position, size in enumerate(["S", "M", "L", "XL"]):
        VariantFactory(
            product=product,
            sku=f"OUT-00071-MERINO-{size}",
            options={"Size": size, "Colour": "Charcoal grey"},
            price=Decimal("1159.00"),
            sale_price=Decimal("1099.00"),
            sale_starts_at=datetime(2026, 12, 11, 16, 0, tzinfo=UTC),
            sale_ends_at=datetime(2026, 12, 12, 16, 0, tzinfo=UTC),
            stock=107,
            position=position,
        )

    staff_page.goto(reverse("admin:catalog_product_change", args=[product.pk]))

    assert staff_page.locator("#variants-group tr.form-row.has_original").count() == 4
    assert staff_page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert _right_edge(staff_page, "#variants-group table") <= WIDTH
    assert not _scrolls_inside(staff_page, "#variants-group fieldset")
    for field in ("sku", "options", "price", "sale", "stock", "is_active", "position"):
        assert staff_page.locator(f"#variants-group td.field-{field}").first.is_visible()
    assert staff_page.locator("[name=variants-0-sale_starts_at]").input_value() == "2026-12-12T00:00"
