from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.forms import ProfileForm
from accounts.services import user_profile_update
from cart.pricing import CartPricing
from orders.forms import CheckoutForm
from promotions.pricing import Pricing
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = {
    "full_name": "Ann Lee",
    "phone": "+86 138 0013 8000",
    "country": "CN",
    # 浙江省 杭州市 西湖区
    "province_code": "33",
    "city_code": "3301",
    "district_code": "330106",
    "postal_code": "310000",
    "address_line1": "18 West Lake Road",
    "address_line2": "Flat 5",
}


def test_default_address_is_saved_and_shown_on_the_account_page(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("account:profile"), ADDRESS)

    assert response.status_code == 302
    assert response["Location"] == reverse("account:home")
    user.refresh_from_db()
    assert {name: getattr(user, name) for name in ADDRESS} == ADDRESS | {"phone": "+8613800138000"}
    assert (user.province, user.city, user.district) == ("浙江省", "杭州市", "西湖区")
    page = client.get(reverse("account:home")).content.decode()
    assert "浙江省 杭州市 西湖区 18 West Lake Road Flat 5" in page
    assert "<dd>138 0013 8000</dd>" in page
    assert "China (mainland)" in page
    assert "Your details have been saved." in page


def test_profile_form_is_prefilled_with_the_saved_address(client):
    user = UserFactory()
    user_profile_update(user=user, **ADDRESS, province="浙江省", city="杭州市", district="西湖区")
    client.force_login(user)

    page = client.get(reverse("account:profile")).content.decode()

    assert 'value="18 West Lake Road"' in page
    assert '<option value="CN" selected>' in page
    assert '<option value="3301" selected>杭州市</option>' in page
    assert '<option value="330106" selected>西湖区</option>' in page


def test_a_partial_address_is_refused_with_a_message_and_nothing_changes(client):
    user = UserFactory(full_name="Ann Lee")
    client.force_login(user)

    response = client.post(
        reverse("account:profile"), ADDRESS | {"full_name": "Changed", "address_line1": ""}
    )

    assert response.status_code == 200
    assert "Enter the street address and city, or leave the whole address empty." in response.content.decode()
    user.refresh_from_db()
    assert user.full_name == "Ann Lee"
    assert user.city == ""


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"country": "XX"}, "Choose a country or region from the list."),
        ({"phone": "call me maybe"}, "Enter a phone number that is valid in the country or region"),
        ({"full_name": ""}, "Enter your name."),
        ({"address_line1": "x" * 1000}, "Ensure this value has at most 200 characters"),
    ],
)
def test_profile_form_answers_bad_input_with_messages(client, overrides, message):
    client.force_login(UserFactory())

    response = client.post(reverse("account:profile"), ADDRESS | overrides)

    assert response.status_code == 200
    assert message in response.content.decode()


def test_an_empty_address_is_allowed(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("account:profile"), {"full_name": "Ann Lee", "country": "CN"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "Ann Lee"
    assert not user.has_default_address


@pytest.mark.parametrize(
    "phone", ["12345", "+86 138 0013 8000", "138-0013-8000", "call me", "+1 (555) 010-9999"]
)
def test_the_profile_and_the_checkout_accept_the_same_phone_numbers(phone):
    profile = ProfileForm(data=ADDRESS | {"phone": phone})
    checkout = CheckoutForm(
        data=ADDRESS | {"phone": phone}, pricing=CartPricing(pricing=Pricing(subtotal=Decimal("10.00")))
    )

    profile.is_valid()
    checkout.is_valid()

    assert ("phone" in profile.errors) == ("phone" in checkout.errors)
    assert profile.errors.get("phone") == checkout.errors.get("phone")


def test_a_chinese_address_without_a_district_is_refused_as_at_checkout(client):
    client.force_login(UserFactory())

    response = client.post(reverse("account:profile"), ADDRESS | {"district_code": ""})

    assert response.status_code == 200
    assert "Choose a district." in response.content.decode()


def test_the_next_level_button_without_javascript_shows_the_cities_and_keeps_what_was_typed(client):
    user = UserFactory(full_name="Ann Lee")
    client.force_login(user)
    typed = {"full_name": "Ann Changed", "phone": "13800138000", "country": "CN", "province_code": "44"}

    response = client.post(
        reverse("account:profile"), typed | {"address_line1": "天河路 385 号", "address_step": "1"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert '<option value="44" selected>广东省</option>' in page
    assert '<option value="4401">广州市</option>' in page
    assert 'value="Ann Changed"' in page
    assert 'value="天河路 385 号"' in page
    assert "errorlist" not in page
    user.refresh_from_db()
    assert user.full_name == "Ann Lee"
