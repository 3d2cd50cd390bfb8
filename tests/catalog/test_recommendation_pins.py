"""Staff pins and hides of recommendations: set in the product admin, obeyed on the product page."""

import pytest
from django.urls import reverse

from catalog.models import RecommendationOverride
from tests.catalog.product_admin_forms import product_change_data
from tests.catalog.recommendation_helpers import product, recommend, recommended_on
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_pinned_products_come_first_in_pin_order_and_hidden_ones_never_show(client):
    tea, mugs = CategoryFactory(), CategoryFactory()
    sencha = product("Sencha", category=tea)
    bought_first, bought_second = product("Kettle", category=mugs), product("Cup", category=mugs)
    pinned_second, pinned_first = product("Tray", category=mugs), product("Scoop", category=mugs)
    recommend({sencha: [bought_first, bought_second]})
    RecommendationOverride.objects.create(product=sencha, recommended=pinned_second, position=2)
    RecommendationOverride.objects.create(product=sencha, recommended=pinned_first, position=1)
    RecommendationOverride.objects.create(
        product=sencha, recommended=bought_first, action=RecommendationOverride.Action.HIDE
    )

    shown = recommended_on(client, sencha)

    assert shown[:3] == ["Scoop", "Tray", "Cup"]
    assert "Kettle" not in shown


def test_a_sold_out_pin_is_not_shown(client):
    tea = CategoryFactory()
    sencha = product("Sencha", category=tea)
    RecommendationOverride.objects.create(product=sencha, recommended=product("Gone", category=tea, stock=0))

    assert recommended_on(client, sencha) == []


def test_a_staff_pin_or_hide_shows_at_once(client, django_capture_on_commit_callbacks):
    tea, mugs = CategoryFactory(), CategoryFactory()
    sencha = product("Sencha", category=tea)
    mug = product("Mug", category=mugs)
    recommend({sencha: [mug]})
    before = recommended_on(client, sencha)

    with django_capture_on_commit_callbacks(execute=True):
        RecommendationOverride.objects.create(
            product=sencha, recommended=mug, action=RecommendationOverride.Action.HIDE
        )

    assert before == ["Mug"]
    assert recommended_on(client, sencha) == []


# Admin: pins and hides --------------------------------------------------------------------------


def test_staff_pin_and_hide_recommendations_on_the_product_page_in_the_admin(staff_client):
    tea = CategoryFactory()
    sencha, matcha, oolong = (product(name, category=tea) for name in ("Sencha", "Matcha", "Oolong"))
    url = reverse("admin:catalog_product_change", args=[sencha.pk])

    page = staff_client.get(url)
    response = staff_client.post(
        url,
        product_change_data(
            sencha,
            overrides=[
                {"recommended": str(oolong.pk), "action": "pin", "position": "1"},
                {"recommended": str(matcha.pk), "action": "hide", "position": "0"},
            ],
        ),
    )

    assert "Recommendations: pins and hides" in page.content.decode()
    assert response.status_code == 302
    assert set(sencha.recommendation_overrides.values_list("recommended", "action", "position")) == {
        (oolong.pk, "pin", 1),
        (matcha.pk, "hide", 0),
    }


def test_the_admin_refuses_a_product_recommending_itself(staff_client):
    sencha = product("Sencha", category=CategoryFactory())
    url = reverse("admin:catalog_product_change", args=[sencha.pk])

    response = staff_client.post(
        url,
        product_change_data(
            sencha, overrides=[{"recommended": str(sencha.pk), "action": "pin", "position": "0"}]
        ),
    )

    assert response.status_code == 200
    assert "A product cannot recommend itself." in response.content.decode()
    assert RecommendationOverride.objects.count() == 0
