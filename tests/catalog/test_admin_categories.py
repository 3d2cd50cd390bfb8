import pytest
from django.urls import reverse

from catalog.models import Category
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

CHANGELIST_URL = reverse("admin:catalog_category_changelist")


def _change_data(category: Category, **fields) -> dict:
    data = {
        "name": category.name,
        "slug": category.slug,
        "parent": str(category.parent_id or ""),
        "description": category.description,
        "position": str(category.position),
        "is_active": "on" if category.is_active else "",
    }
    return data | {name: str(value) for name, value in fields.items()}


def _form_errors(response) -> dict[str, list[str]]:
    return {
        field: [str(message) for message in messages]
        for field, messages in response.context["adminform"].form.errors.items()
    }


def test_the_list_shows_full_paths_in_tree_order(staff_client, django_assert_max_num_queries):
    clothing = CategoryFactory(name="Clothing", position=0)
    books = CategoryFactory(name="Books", position=1)
    women = CategoryFactory(name="Women", parent=clothing, position=2)
    men = CategoryFactory(name="Men", parent=clothing, position=1)
    shirts = CategoryFactory(name="Shirts", parent=men, position=0)

    with django_assert_max_num_queries(6):
        response = staff_client.get(CHANGELIST_URL)

    rows = list(response.context["cl"].result_list)
    assert rows == [clothing, men, shirts, women, books]
    assert [row.tree_names for row in rows] == [
        ["Clothing"],
        ["Clothing", "Men"],
        ["Clothing", "Men", "Shirts"],
        ["Clothing", "Women"],
        ["Books"],
    ]
    assert "Clothing › Men › Shirts" in response.content.decode()  # noqa: RUF001


def test_sorting_by_a_column_still_works(staff_client):
    CategoryFactory(name="Zebra", slug="zebra", position=0)
    CategoryFactory(name="Apple", slug="apple", position=1)

    by_slug = staff_client.get(CHANGELIST_URL, {"o": "3"})
    by_tree_descending = staff_client.get(CHANGELIST_URL, {"o": "-1"})

    assert [row.name for row in by_slug.context["cl"].result_list] == ["Apple", "Zebra"]
    assert [row.name for row in by_tree_descending.context["cl"].result_list] == ["Apple", "Zebra"]


def test_a_category_cannot_move_under_its_own_descendant(staff_client):
    clothing = CategoryFactory(name="Clothing")
    men = CategoryFactory(name="Men", parent=clothing)
    shirts = CategoryFactory(name="Shirts", parent=men)

    response = staff_client.post(
        reverse("admin:catalog_category_change", args=[clothing.pk]), _change_data(clothing, parent=shirts.pk)
    )

    assert response.status_code == 200
    assert _form_errors(response) == {
        "parent": ["A category cannot be placed inside itself or inside one of its own sub-categories."]
    }
    clothing.refresh_from_db()
    assert clothing.parent is None


def test_a_category_cannot_be_its_own_parent(staff_client):
    clothing = CategoryFactory(name="Clothing")

    response = staff_client.post(
        reverse("admin:catalog_category_change", args=[clothing.pk]),
        _change_data(clothing, parent=clothing.pk),
    )

    assert response.status_code == 200
    assert list(_form_errors(response)) == ["parent"]
    clothing.refresh_from_db()
    assert clothing.parent is None


def test_a_category_can_move_to_another_branch(staff_client):
    clothing = CategoryFactory(name="Clothing")
    men = CategoryFactory(name="Men", parent=clothing)
    shirts = CategoryFactory(name="Shirts", parent=men)
    sale = CategoryFactory(name="Sale")

    response = staff_client.post(
        reverse("admin:catalog_category_change", args=[men.pk]), _change_data(men, parent=sale.pk)
    )

    assert response.status_code == 302
    men.refresh_from_db()
    shirts.refresh_from_db()
    assert (men.parent, shirts.parent) == (sale, men)


def test_staff_adds_a_category_under_a_parent(staff_client):
    clothing = CategoryFactory(name="Clothing")

    response = staff_client.post(
        reverse("admin:catalog_category_add"),
        {"name": "Hats", "slug": "hats", "parent": str(clothing.pk), "position": "3", "is_active": "on"},
    )

    assert response.status_code == 302
    hats = Category.objects.get(slug="hats")
    assert (hats.parent, hats.position, hats.is_active) == (clothing, 3, True)


def test_the_parent_choices_show_full_paths(staff_client):
    clothing = CategoryFactory(name="Clothing")
    CategoryFactory(name="Men", parent=clothing)

    response = staff_client.get(reverse("admin:catalog_category_add"))

    assert response.status_code == 200
    assert ">Clothing › Men</option>" in response.content.decode()  # noqa: RUF001


def test_position_and_active_are_editable_in_the_list(staff_client):
    first = CategoryFactory(name="First", position=0)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(first.pk),
        "form-0-position": "7",
        "_save": "Save",
    }

    response = staff_client.post(CHANGELIST_URL, data)

    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.position, first.is_active) == (7, False)


def test_deleting_categories_from_the_list_works_on_the_tree_queryset(staff_client):
    empty = CategoryFactory(name="Empty")
    kept = CategoryFactory(name="Kept")

    response = staff_client.post(
        CHANGELIST_URL,
        {"action": "delete_selected", "_selected_action": [empty.pk], "index": "0", "post": "yes"},
    )

    assert response.status_code == 302
    assert list(Category.objects.all()) == [kept]


def test_the_list_counts_per_filter_choice(staff_client):
    clothing = CategoryFactory(name="Clothing")
    CategoryFactory(name="Men", parent=clothing, is_active=False)

    response = staff_client.get(CHANGELIST_URL, {"_facets": "True"})

    assert response.status_code == 200
    assert [row.name for row in response.context["cl"].result_list] == ["Clothing", "Men"]
