"""The cart charges a variant's sale price while its sale is on, and shows the price it replaces."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cart.selectors import cart_get
from catalog.models import Variant
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

# Windows are set relative to now rather than freezing the clock: "just" is a few seconds,
# far more than reading the cart takes, far less than anything else in a test.
JUST = timedelta(seconds=5)


def teapot(**sale) -> Variant:
    """A ¥199.00 teapot, ¥149.00 on sale in the window given as offsets from now (None: open)."""
    now = timezone.now()
    return VariantFactory(
        product=ProductFactory(name="Yixing Teapot"),
        price=Decimal("199.00"),
        sale_price=Decimal("149.00"),
        sale_starts_at=now + sale["starts"] if sale.get("starts") is not None else None,
        sale_ends_at=now + sale["ends"] if sale.get("ends") is not None else None,
        stock=10,
    )


def cart_of(variant: Variant, quantity: int = 3):
    return cart_get(session={"cart": {str(variant.pk): quantity}})


@pytest.mark.parametrize(
    ("window", "unit_price", "on_sale"),
    [
        pytest.param({"starts": JUST}, Decimal("199.00"), False, id="just-before-the-start"),
        pytest.param({"starts": -JUST}, Decimal("149.00"), True, id="just-after-the-start"),
        pytest.param({"starts": -JUST, "ends": JUST}, Decimal("149.00"), True, id="just-before-the-end"),
        pytest.param({"starts": -2 * JUST, "ends": -JUST}, Decimal("199.00"), False, id="just-after-the-end"),
        pytest.param({}, Decimal("149.00"), True, id="no-times"),
    ],
)
def test_the_cart_charges_the_price_of_the_moment(window, unit_price, on_sale):
    cart = cart_of(teapot(**window))

    line = cart.lines[0]
    assert (line.unit_price, line.regular_unit_price, line.on_sale) == (
        unit_price,
        Decimal("199.00"),
        on_sale,
    )
    assert line.line_total == unit_price * 3
    assert cart.subtotal == unit_price * 3


def test_all_lines_of_a_cart_are_priced_as_at_one_moment():
    on_sale = teapot(starts=-JUST)
    regular = VariantFactory(price=Decimal("10.00"))

    cart = cart_get(session={"cart": {str(on_sale.pk): 1, str(regular.pk): 2}})

    assert cart.lines[0].priced_at == cart.lines[1].priced_at
    assert [line.line_total for line in cart.lines] == [Decimal("149.00"), Decimal("20.00")]
    assert cart.subtotal == Decimal("169.00")


def test_the_cart_page_shows_the_sale_price_with_the_price_struck_through(client):
    variant = teapot(starts=-JUST)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 2})

    english = client.get("/cart/").content.decode()
    chinese = client.get("/cart/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert '¥149.00 <del class="price-was"><span class="visually-hidden">was</span> ¥199.00</del>' in english
    assert '<dd class="cart-subtotal">¥298.00</dd>' in english
    assert '<span class="visually-hidden">原价</span> ¥199.00</del>' in chinese


def test_the_cart_page_strikes_nothing_without_a_sale(client):
    variant = teapot(starts=JUST)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})

    page = client.get("/cart/").content.decode()

    assert "price-was" not in page
    assert '<dd class="cart-subtotal">¥199.00</dd>' in page
