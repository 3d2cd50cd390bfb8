"""Server errors the hostile-input walk found, one test each: every input here used to answer 500."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import OrderFactory, ProductFactory, StaffUserFactory, UserFactory, VariantFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db

FORGED_SESSION = 'sessionid="abcdefgh\\000ij"'  # the cookie parser turns \000 into a NUL character


@pytest.fixture
def browser() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def staff_browser() -> Client:
    client = Client(raise_request_exception=False)
    staff_login(client, StaffUserFactory())
    return client


@pytest.mark.parametrize("url", ["/account/", "/account/orders/", "/support/thanks/", "/cart/", "/checkout/"])
def test_a_session_cookie_with_a_nul_character_is_a_400(browser, url):
    # PostgreSQL refused the session lookup ("cannot contain NUL (0x00) bytes").
    response = browser.get(url, headers={"cookie": FORGED_SESSION})

    assert response.status_code == 400


def test_an_order_number_with_a_nul_character_is_a_400(browser):
    OrderFactory(number="SO-1001")

    response = browser.get("/orders/SO-1001%00/")

    assert response.status_code == 400


@pytest.mark.parametrize("selected", ["abc", "1.5", "", "1 OR 1=1"])
@pytest.mark.parametrize(
    ("model", "action"),
    [
        ("catalog/product", "delete_selected"),
        ("catalog/product", "deactivate_products"),
        ("shop/user", "delete_selected"),
        ("support/ticket", "delete_selected"),
    ],
)
def test_an_admin_action_on_malformed_row_ids_is_a_400(staff_browser, model, action, selected):
    # Django's ModelAdmin.response_action filtered pk__in with the posted ids and raised ValueError.
    product = VariantFactory(product=ProductFactory()).product

    response = staff_browser.post(
        f"/{settings.ADMIN_URL}{model}/", {"action": action, "_selected_action": [selected], "index": "0"}
    )

    assert response.status_code == 400
    product.refresh_from_db()
    assert product.is_active


def test_an_admin_action_on_valid_row_ids_still_runs(staff_browser):
    customer = UserFactory()

    response = staff_browser.post(
        f"/{settings.ADMIN_URL}shop/user/",
        {"action": "delete_selected", "_selected_action": [str(customer.pk)], "index": "0"},
    )

    assert response.status_code == 200
    assert "Delete multiple objects" in response.content.decode()
