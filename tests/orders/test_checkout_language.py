"""Switching language on the checkout page keeps what the shopper typed."""

import uuid

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import ShippingMethodFactory, VariantFactory
from tests.orders.helpers import standard_shipping

pytestmark = pytest.mark.django_db

TYPED = {
    "email": "mei@example.com",
    "full_name": "王美",
    "phone": "13800138000",
    "country": "CN",
    "province": "浙江省",
    "city": "杭州市",
    "address_line1": "文三路 100 号",
    "note": "请在工作日送货",
}


@pytest.fixture
def shopper(client):
    standard_shipping()
    client.post(reverse("cart:add"), {"variant": VariantFactory(stock=5).pk, "quantity": 1})
    return client


def switch(client, language: str, **typed):
    return client.post(reverse("orders:checkout_language"), {**typed, "language": language})


def test_the_switch_keeps_the_input_and_shows_checkout_in_the_chosen_language(shopper):
    express = ShippingMethodFactory(code="express", name="Express", position=5)

    response = switch(shopper, "zh-hans", **TYPED, shipping_method=str(express.pk))

    assert response.status_code == 302
    assert response["Location"] == reverse("orders:checkout")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    page = shopper.get(reverse("orders:checkout"))
    html = page.content.decode()
    assert '<html lang="zh-hans"' in html
    for name in ("email", "full_name", "phone", "city", "address_line1"):
        assert f'name="{name}" value="{TYPED[name]}"' in html
    assert "请在工作日送货</textarea>" in html
    assert page.context["form"]["shipping_method"].value() == str(express.pk)


def test_the_kept_input_fills_the_next_checkout_page_only(shopper):
    switch(shopper, "en", **TYPED)
    shopper.get(reverse("orders:checkout"))

    again = shopper.get(reverse("orders:checkout")).content.decode()

    assert "mei@example.com" not in again


def test_an_unknown_language_keeps_the_input_and_the_language(shopper):
    response = switch(shopper, "xx", **TYPED)

    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    html = shopper.get(reverse("orders:checkout")).content.decode()
    assert '<html lang="en"' in html
    assert 'value="mei@example.com"' in html


def test_only_the_forms_own_fields_are_kept_and_each_no_longer_than_it_takes(shopper):
    token = str(uuid.uuid4())

    switch(shopper, "en", full_name="x" * 5000, checkout_token=token, is_staff="1", note="n" * 5000)

    form = shopper.get(reverse("orders:checkout")).context["form"]
    assert form.initial["full_name"] == "x" * 150
    assert form.initial["note"] == "n" * 1000
    assert form.initial["checkout_token"] != token
    assert "is_staff" not in form.initial


def test_the_switch_only_takes_a_post(shopper):
    assert shopper.get(reverse("orders:checkout_language")).status_code == 405


def test_the_checkout_pages_language_buttons_post_the_checkout_form(shopper):
    html = shopper.get(reverse("orders:checkout")).content.decode()

    target = f'form="checkout-form" formaction="{reverse("orders:checkout_language")}"'
    assert html.count(target) == 2
    assert '<form id="checkout-form"' in html


def test_the_checkout_forms_default_button_comes_before_the_language_buttons(shopper):
    # Enter in a field submits the form with its first submit button in the page: that must be
    # Place order, not the header's language buttons, which post the same form elsewhere.
    html = shopper.get(reverse("orders:checkout")).content.decode()

    default = html.index('type="submit" form="checkout-form" tabindex="-1"')
    assert default < html.index('form="checkout-form" formaction="/checkout/language/"')
    assert "formaction" not in html[default : html.index(">", default)]
