"""Product admin change list: search, stock filters, bulk (de)activation and its query count."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import CatalogRevision, Product, ProductImage
from catalog.services import CATALOG_REVISION_PK, product_set_active
from tests.catalog.product_admin_forms import ADD_URL, CHANGELIST_URL
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def _revision() -> int:
    return CatalogRevision.objects.get(pk=CATALOG_REVISION_PK).number


def test_search_by_sku_finds_the_product_once(staff_client):
    wanted = ProductFactory(name="Oxford Shirt")
    VariantFactory(product=wanted, sku="OXF-S")
    VariantFactory(product=wanted, sku="OXF-M")
    VariantFactory(product=ProductFactory(name="Tea Mug"), sku="MUG-BLUE")

    response = staff_client.get(CHANGELIST_URL, {"q": "OXF"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_search_keeps_the_stock_total_right(staff_client):
    product = ProductFactory(name="Oxford Shirt")
    VariantFactory(product=product, sku="OXF-S", stock=3, price=Decimal("99.00"))
    VariantFactory(product=product, sku="OXF-M", stock=4, price=Decimal("109.00"))

    response = staff_client.get(CHANGELIST_URL, {"q": "OXF"})

    [row] = response.context["cl"].result_list
    assert (row.total_stock, row.min_price, row.max_price) == (7, Decimal("99.00"), Decimal("109.00"))
    assert "¥99.00 – ¥109.00" in response.content.decode()  # noqa: RUF001


def _product_with_stock(name: str, *stocks: int, inactive_stock: int | None = None) -> Product:
    product = ProductFactory(name=name)
    for stock in stocks:
        VariantFactory(product=product, stock=stock)
    if inactive_stock is not None:
        VariantFactory(product=product, stock=inactive_stock, is_active=False)
    return product


def _names(response) -> list[str]:
    return sorted(product.name for product in response.context["cl"].result_list)


def test_stock_filters(staff_client):
    _product_with_stock("Low", 3, 40)
    _product_with_stock("Plenty", 50)
    _product_with_stock("Sold out", 0, inactive_stock=9)
    _product_with_stock("Hidden low", 40, inactive_stock=2)

    low_stock = staff_client.get(CHANGELIST_URL, {"low_stock": "yes"})
    running_low = staff_client.get(CHANGELIST_URL, {"stock": "low"})
    sold_out = staff_client.get(CHANGELIST_URL, {"stock": "out"})
    in_stock = staff_client.get(CHANGELIST_URL, {"stock": "in"})

    assert _names(low_stock) == ["Low", "Sold out"]
    assert _names(running_low) == ["Low"]
    assert _names(sold_out) == ["Sold out"]
    assert _names(in_stock) == ["Hidden low", "Low", "Plenty"]


def test_an_unknown_filter_value_does_not_fail(staff_client):
    ProductFactory()

    response = staff_client.get(CHANGELIST_URL, {"stock": "lots", "low_stock": "maybe"})

    assert response.status_code == 200


def test_bulk_deactivate_changes_the_rows_and_bumps_the_catalogue_revision(
    staff_client, django_capture_on_commit_callbacks
):
    first, second, untouched = ProductFactory(), ProductFactory(), ProductFactory()
    before = _revision()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            CHANGELIST_URL,
            {"action": "deactivate_products", "_selected_action": [first.pk, second.pk], "index": "0"},
        )

    assert response.status_code == 302
    assert dict(Product.objects.values_list("pk", "is_active")) == {
        first.pk: False,
        second.pk: False,
        untouched.pk: True,
    }
    assert _revision() == before + 1


def test_bulk_activate_changes_the_rows_and_bumps_the_catalogue_revision(
    staff_client, django_capture_on_commit_callbacks
):
    hidden = ProductFactory(is_active=False)
    before = _revision()

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            CHANGELIST_URL, {"action": "activate_products", "_selected_action": [hidden.pk], "index": "0"}
        )

    hidden.refresh_from_db()
    assert hidden.is_active is True
    assert _revision() == before + 1


def test_product_set_active_counts_only_changed_rows_and_bumps_once(django_capture_on_commit_callbacks):
    active, inactive = ProductFactory(is_active=True), ProductFactory(is_active=False)
    before = _revision()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        changed = product_set_active(product_ids=[active.pk, inactive.pk], active=True)

    assert changed == 1
    assert len(callbacks) == 1
    assert _revision() == before + 1


def test_product_set_active_with_nothing_to_change_leaves_the_revision(django_capture_on_commit_callbacks):
    product = ProductFactory(is_active=True)
    before = _revision()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        changed = product_set_active(product_ids=[product.pk], active=True)

    assert changed == 0
    assert callbacks == []
    assert _revision() == before


def _catalogue_with(count: int) -> None:
    category = CategoryFactory()
    for index in range(count):
        product = ProductFactory(category=category)
        VariantFactory(product=product, price=Decimal("10.00"), stock=index % 7)
        VariantFactory(product=product, price=Decimal("12.50"), stock=2)
        ProductImage.objects.create(
            product=product,
            image=f"products/{product.pk}/p.jpg",
            width=10,
            height=10,
            thumbnail_small=f"thumbnails/p{product.pk}-small.jpg",
        )


@pytest.mark.parametrize("count", [5, 50])
def test_the_change_list_takes_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries, count):
    _catalogue_with(count)

    # Session, user and its two-factor device, then the page's own queries (the shown rows'
    # prices and stock, and their first photos, read after the rows).
    with django_assert_max_num_queries(9):
        response = staff_client.get(CHANGELIST_URL)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    assert response.content.decode().count('src="/media/thumbnails/p') == count


def test_the_change_list_shows_a_product_without_variants_or_photos(staff_client):
    ProductFactory(name="Bare")

    response = staff_client.get(CHANGELIST_URL)

    [row] = response.context["cl"].result_list
    assert (row.min_price, row.total_stock, row.first_thumbnail) == (None, 0, None)


@pytest.mark.parametrize(
    "url",
    [
        ADD_URL,
        CHANGELIST_URL,
        reverse("admin:catalog_category_changelist"),
        reverse("admin:catalog_category_add"),
    ],
)
def test_the_catalogue_admin_pages_render_in_chinese(staff_client, url):
    VariantFactory(options={"Size": "M"})

    response = staff_client.get(
        url, {"stock": "low"} if url == CHANGELIST_URL else {}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"


def test_the_change_list_counts_per_filter_choice(staff_client):
    _product_with_stock("Low mug", 3)
    _product_with_stock("Sold out mug", 0)

    response = staff_client.get(CHANGELIST_URL, {"_facets": "True", "q": "mug"})

    assert response.status_code == 200
    assert "Low or out of stock (2)" in response.content.decode()


AUTOCOMPLETE_URL = reverse("admin:autocomplete")
RECOMMENDED_PICKER = {
    "app_label": "catalog",
    "model_name": "recommendationoverride",
    "field_name": "recommended",
}


def _picked_names(staff_client, term: str) -> list[str]:
    response = staff_client.get(AUTOCOMPLETE_URL, {**RECOMMENDED_PICKER, "term": term})
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_the_product_picker_finds_a_product_by_the_start_of_its_words(staff_client):
    ProductFactory(name="Green Tea Mug")
    ProductFactory(name="Grey Wool Scarf")

    assert _picked_names(staff_client, "gre") == ["Grey Wool Scarf", "Green Tea Mug"]
    assert _picked_names(staff_client, "gre te") == ["Green Tea Mug"]
    assert _picked_names(staff_client, "green") == ["Green Tea Mug"]
    # Text that is no word at all reaches no query syntax.
    assert _picked_names(staff_client, "':* & !") == []


def test_the_product_list_still_matches_whole_words_only(staff_client):
    ProductFactory(name="Green Tea Mug")

    assert list(staff_client.get(CHANGELIST_URL, {"q": "gre"}).context["cl"].result_list) == []
    assert len(staff_client.get(CHANGELIST_URL, {"q": "green"}).context["cl"].result_list) == 1


def test_the_list_shows_fifty_rows_with_django_s_own_row_checkbox(staff_client):
    from django.contrib import admin

    products = [ProductFactory(name=f"Mug {number}") for number in range(51)]

    response = staff_client.get(CHANGELIST_URL)

    rows = list(response.context["cl"].result_list)
    assert len(rows) == 50
    product_admin = admin.site._registry[Product]
    assert product_admin.action_checkbox(products[-1]) == admin.ModelAdmin.action_checkbox(
        product_admin, products[-1]
    )
    assert product_admin.action_checkbox(products[-1]) in response.content.decode()
