"""Back in stock: the notify-me form on the product page and the request it makes, races included."""

import pytest
from django.urls import reverse

from catalog.back_in_stock import BACK_IN_STOCK_MAX_WAITING, back_in_stock_request_create
from catalog.exceptions import TooManyWaiting, VariantInStock, VariantUnavailable
from catalog.models import BackInStockRequest, Variant
from tests.catalog.back_in_stock_helpers import NOTIFIED, WAITING, ask, restock, sold_out_variant
from tests.factories import CategoryFactory, UserFactory, VariantFactory
from tests.helpers import run_together


def notify_url(variant: Variant) -> str:
    return reverse("catalog:back_in_stock_request", kwargs={"slug": variant.product.slug})


# The form on the product page -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_sold_out_option_gets_a_notify_me_form_listing_only_sold_out_options(client):
    variant = sold_out_variant()
    VariantFactory(product=variant.product, sku="SN-50", options={"Size": "50 g"}, stock=4)

    html = client.get(variant.product.get_absolute_url()).content.decode()

    form = html.split('class="form back-in-stock-form"', 1)[1].split("</form>", 1)[0]
    assert f'action="{notify_url(variant)}"' in html
    assert f'<option value="{variant.pk}">Size: 100 g</option>' in form
    assert "50 g" not in form
    assert 'name="email" value=""' in form


@pytest.mark.django_db
def test_a_product_in_stock_has_no_notify_me_form(client):
    variant = VariantFactory(stock=3)

    html = client.get(variant.product.get_absolute_url()).content.decode()

    assert "back-in-stock-form" not in html


@pytest.mark.django_db
def test_a_shopper_leaves_an_email_and_is_thanked(client):
    variant = sold_out_variant()

    response = client.post(
        notify_url(variant), {"variant": variant.pk, "email": " Ann@Example.com "}, follow=True
    )

    stock_request = BackInStockRequest.objects.get()
    assert response.redirect_chain == [(variant.product.get_absolute_url(), 302)]
    assert (
        "Thank you. We will email Ann@Example.com once, when it is back in stock."
        in response.content.decode()
    )
    assert (stock_request.variant, stock_request.email, stock_request.status, stock_request.language) == (
        variant,
        "ann@example.com",
        WAITING,
        "en",
    )


@pytest.mark.django_db
def test_a_signed_in_shopper_finds_their_address_filled_in_and_may_leave_it_empty(client):
    variant = sold_out_variant()
    user = UserFactory(email="lena@example.com")
    client.force_login(user)

    page = client.get(variant.product.get_absolute_url()).content.decode()
    client.post(notify_url(variant), {"variant": variant.pk, "email": ""})
    anonymous_page = type(client)().get(variant.product.get_absolute_url()).content.decode()

    assert 'name="email" value="lena@example.com"' in page
    assert "lena@example.com" not in anonymous_page
    assert list(BackInStockRequest.objects.values_list("email", "user")) == [("lena@example.com", user.pk)]


@pytest.mark.django_db
def test_asking_twice_with_the_same_address_makes_one_request(client):
    variant = sold_out_variant()

    client.post(notify_url(variant), {"variant": variant.pk, "email": "ann@example.com"})
    client.post(notify_url(variant), {"variant": variant.pk, "email": "ANN@example.com"})

    assert BackInStockRequest.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "ann@example.com"}, "Choose the option you are waiting for."),
        ({"variant": "abc", "email": "ann@example.com"}, "That option is not sold here."),
        ({"variant": "99999999999999999999", "email": "ann@example.com"}, "That option is not sold here."),
        ({"variant": "{variant}", "email": "not an address"}, "Enter a valid email address."),
        ({"variant": "{variant}", "email": ""}, "Enter your email address so we can tell you."),
        ({"variant": "{variant}", "email": "a" * 250 + "@example.com"}, "at most 254 characters"),
    ],
)
def test_bad_notify_me_input_is_refused_with_a_message(client, data, message):
    variant = sold_out_variant()
    data = {name: value.format(variant=variant.pk) for name, value in data.items()}

    response = client.post(notify_url(variant), data, follow=True)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert BackInStockRequest.objects.count() == 0


@pytest.mark.django_db
def test_a_variant_of_another_product_is_refused(client):
    variant = sold_out_variant()
    other = VariantFactory(stock=0)

    response = client.post(
        notify_url(variant), {"variant": other.pk, "email": "ann@example.com"}, follow=True
    )

    assert "That option is not sold here." in response.content.decode()
    assert BackInStockRequest.objects.count() == 0


@pytest.mark.django_db
def test_an_option_back_in_stock_meanwhile_needs_no_request(client):
    variant = VariantFactory(stock=2)

    response = client.post(
        notify_url(variant), {"variant": variant.pk, "email": "ann@example.com"}, follow=True
    )

    assert "Good news: that option is in stock now." in response.content.decode()
    assert BackInStockRequest.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["inactive product", "hidden category", "unknown slug"])
def test_notify_me_for_a_product_nobody_may_see_is_404(client, state):
    variant = sold_out_variant(
        is_active=state != "inactive product", category=CategoryFactory(is_active=state != "hidden category")
    )
    url = notify_url(variant) if state != "unknown slug" else "/products/nothing-here/notify/"

    response = client.post(url, {"variant": variant.pk, "email": "ann@example.com"})

    assert response.status_code == 404
    assert BackInStockRequest.objects.count() == 0


@pytest.mark.django_db
def test_notify_me_answers_get_with_405(client):
    variant = sold_out_variant()

    assert client.get(notify_url(variant)).status_code == 405


# The service ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_withdrawn_variant_takes_no_request():
    variant = sold_out_variant()
    variant.is_active = False
    variant.save()

    with pytest.raises(VariantUnavailable):
        ask("ann@example.com", variant)
    with pytest.raises(VariantUnavailable):
        back_in_stock_request_create(variant_id=variant.pk + 1000, email="ann@example.com", language="en")

    assert BackInStockRequest.objects.count() == 0


@pytest.mark.django_db
def test_a_variant_in_stock_takes_no_request():
    variant = VariantFactory(stock=1)

    with pytest.raises(VariantInStock):
        ask("ann@example.com", variant)

    assert BackInStockRequest.objects.count() == 0


@pytest.mark.django_db
def test_one_address_may_wait_for_at_most_twenty_variants(client):
    for _ in range(BACK_IN_STOCK_MAX_WAITING):
        ask("ann@example.com", VariantFactory(stock=0))
    variant = sold_out_variant()

    response = client.post(
        notify_url(variant), {"variant": variant.pk, "email": "ann@example.com"}, follow=True
    )
    again = ask("ann@example.com", BackInStockRequest.objects.first().variant)
    other_address = ask("lee@example.com", variant)

    assert "This address is already waiting for 20 sold-out products." in response.content.decode()
    assert not variant.back_in_stock_requests.filter(email="ann@example.com").exists()
    assert again.status == WAITING
    assert other_address.status == WAITING
    with pytest.raises(TooManyWaiting):
        ask("ANN@example.com", variant)


@pytest.mark.django_db(transaction=True)
def test_a_request_racing_a_restock_is_either_refused_or_notified():
    variant = sold_out_variant()

    def shopper() -> str:
        try:
            ask("ann@example.com", variant)
        except VariantInStock:
            return "in stock"
        return "asked"

    outcome, _ = run_together(shopper, lambda: restock(Variant.objects.get(pk=variant.pk), 5))

    statuses = list(BackInStockRequest.objects.values_list("status", flat=True))
    assert outcome in ("asked", "in stock")
    assert statuses == ([NOTIFIED] if outcome == "asked" else [])


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_once_make_one():
    variant = sold_out_variant()

    def shopper() -> int:
        return ask("ann@example.com", variant).pk

    made = run_together(shopper, shopper)

    assert BackInStockRequest.objects.count() == 1
    assert made == [BackInStockRequest.objects.get().pk] * 2
