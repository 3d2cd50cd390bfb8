import pytest
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.urls import reverse
from django.utils.html import escape

from catalog.models import Product
from orders.models import Order
from tests.factories import OrderFactory, ProductFactory, StaffUserFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff_login(client, StaffUserFactory())
    return client


def django_row_link(response, model, pk: int) -> str:
    """The row link Django's own result list writes: the change page with the list's filters."""
    change_url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
    context = {"preserved_filters": response.context["preserved_filters"], "opts": model._meta}
    return add_preserved_filters(context, change_url)


def test_a_searched_and_filtered_product_lists_row_links_keep_both(staff_client):
    product = ProductFactory(name="Oxford Shirt")
    ProductFactory(name="Tea Mug")

    response = staff_client.get(
        reverse("admin:catalog_product_changelist"), {"q": "Oxford", "is_active__exact": "1"}
    )

    link = django_row_link(response, Product, product.pk)
    assert "_changelist_filters=" in link and "Oxford" in link
    # Both link columns, the photo and the name.
    assert response.content.decode().count(f'href="{escape(link)}"') == 2


def test_a_searched_order_lists_row_link_keeps_the_search(staff_client):
    order = OrderFactory(email="Li.Na@Example.com", email_canonical="li.na@example.com")

    response = staff_client.get(reverse("admin:orders_order_changelist"), {"q": "li.na@example.com"})

    link = django_row_link(response, Order, order.pk)
    assert "_changelist_filters=" in link
    assert response.content.decode().count(f'href="{escape(link)}"') == 1


def test_an_unfiltered_lists_row_links_are_the_bare_change_pages(staff_client):
    product = ProductFactory(name="Oxford Shirt")

    response = staff_client.get(reverse("admin:catalog_product_changelist"))

    link = reverse("admin:catalog_product_change", args=[product.pk])
    assert f'href="{link}"' in response.content.decode()
