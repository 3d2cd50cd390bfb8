"""The checkout's optional fapiao section: checked with the other fields, placed with the order."""

import pytest
from django.urls import reverse

from orders.models import FapiaoRequest, Order, OrderEvent
from tests.factories import VariantFactory
from tests.orders.helpers import checkout_post, standard_shipping

pytestmark = pytest.mark.django_db

TENCENT = "91440300708461136T"


def _checkout_page(client):
    client.post(reverse("cart:add"), {"variant": VariantFactory(stock=5).pk, "quantity": 1})
    return client.get(reverse("orders:checkout"))


def _posted(client, **fields) -> dict:
    """What a shopper submits after opening checkout with one item in the cart, with these fields."""
    shipping = standard_shipping()
    token = _checkout_page(client).context["form"].token_for_render
    return checkout_post(shipping=shipping, token=token, **fields)


def test_the_checkout_page_offers_the_fapiao_section_unticked(client):
    standard_shipping()

    response = _checkout_page(client)

    html = response.content.decode()
    assert 'name="fapiao_wanted"' in html
    assert 'name="fapiao_wanted" id="id_fapiao_wanted" checked' not in html
    assert 'name="fapiao_tax_number"' in html


def test_a_company_fapiao_is_placed_with_the_order_and_its_event(client):
    fields = {
        "fapiao_wanted": "on",
        "fapiao_kind": "company",
        "fapiao_title": "深圳市腾讯计算机系统有限公司",
        "fapiao_tax_number": "91440300708461136t",
        "fapiao_email": "",
    }

    response = client.post(reverse("orders:checkout"), _posted(client, **fields))

    order = Order.objects.get()
    assert response["Location"] == order.get_access_url()
    fapiao = FapiaoRequest.objects.get(order=order)
    assert (fapiao.kind, fapiao.title, fapiao.tax_number) == (
        "company",
        "深圳市腾讯计算机系统有限公司",
        TENCENT,
    )
    assert fapiao.email == "ann@example.com"
    assert fapiao.status == FapiaoRequest.Status.REQUESTED
    assert list(order.events.values_list("kind", flat=True)) == [
        OrderEvent.Kind.PLACED,
        OrderEvent.Kind.FAPIAO_REQUESTED,
    ]


def test_a_personal_fapiao_keeps_no_tax_number_and_its_own_email(client):
    fields = {
        "fapiao_wanted": "on",
        "fapiao_kind": "personal",
        "fapiao_title": "李安",
        "fapiao_tax_number": TENCENT,
        "fapiao_email": "invoices@example.com",
    }

    client.post(reverse("orders:checkout"), _posted(client, **fields))

    fapiao = FapiaoRequest.objects.get()
    assert (fapiao.kind, fapiao.title, fapiao.tax_number, fapiao.email) == (
        "personal",
        "李安",
        "",
        "invoices@example.com",
    )


def test_a_wrong_check_character_is_a_400_with_the_reason_and_nothing_is_placed(client):
    fields = {
        "fapiao_wanted": "on",
        "fapiao_kind": "company",
        "fapiao_title": "腾讯",
        "fapiao_tax_number": "91440300708461136U",
    }

    response = client.post(reverse("orders:checkout"), _posted(client, **fields))

    assert response.status_code == 400
    assert response.context["form"].errors["fapiao_tax_number"] == [
        "This taxpayer identification number is not valid: please check it against your business licence."
    ]
    assert not Order.objects.exists()


def test_a_requested_fapiao_needs_a_title_and_a_company_its_tax_number(client):
    fields = {"fapiao_wanted": "on", "fapiao_kind": "company", "fapiao_title": " "}

    response = client.post(reverse("orders:checkout"), _posted(client, **fields))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["fapiao_title"] == ["Enter the name or company title the fapiao is made out to."]
    assert errors["fapiao_tax_number"] == ["A company fapiao needs the taxpayer identification number."]


def test_fapiao_fields_are_ignored_unless_ticked(client):
    fields = {
        "fapiao_kind": "company",
        "fapiao_title": "腾讯",
        "fapiao_tax_number": "bad",
        "fapiao_email": "nope",
    }

    response = client.post(reverse("orders:checkout"), _posted(client, **fields))

    assert response.status_code == 302
    assert Order.objects.count() == 1
    assert not FapiaoRequest.objects.exists()


def test_the_fapiao_section_is_kept_in_the_draft_when_the_language_changes(client):
    fields = {
        "fapiao_wanted": "on",
        "fapiao_kind": "company",
        "fapiao_title": "腾讯",
        "fapiao_tax_number": TENCENT,
    }

    client.post(
        reverse("orders:checkout_language"),
        _posted(client, language="zh-hans", **fields),
    )
    response = client.get(reverse("orders:checkout"))

    form = response.context["form"]
    assert form["fapiao_wanted"].value() == "on"
    assert (form["fapiao_kind"].value(), form["fapiao_title"].value(), form["fapiao_tax_number"].value()) == (
        "company",
        "腾讯",
        TENCENT,
    )
    assert form.render_cache_key == ""


def test_placing_an_order_with_a_fapiao_costs_only_its_row_and_event(client, django_assert_num_queries):
    data = _posted(client, fapiao_wanted="on", fapiao_title="李安")

    # The 17 of an order without a fapiao (test_checkout_views), plus the request and its event.
    with django_assert_num_queries(19):
        client.post(reverse("orders:checkout"), data)

    assert FapiaoRequest.objects.get().title == "李安"
