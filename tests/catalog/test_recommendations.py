"""Product page "also bought", pins and hides, bestsellers, recently viewed and cart suggestions."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.text import slugify

from catalog.models import ProductPopularity, ProductRecommendation, RecommendationOverride
from catalog.recommendations import (
    RECENTLY_VIEWED_SESSION_KEY,
    product_recommendations_replace,
    recently_viewed_ids,
    recently_viewed_record,
)
from tests.factories import CategoryFactory, ProductFactory, StaffUserFactory, VariantFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db


def product(name: str, *, category, stock: int = 10, **fields):
    """A visible product with one variant (in stock unless told otherwise)."""
    made = ProductFactory(name=name, slug=slugify(name), category=category, **fields)
    VariantFactory(product=made, stock=stock, price=Decimal("10.00"))
    return made


def recommend(pairs: dict, popularity: dict | None = None) -> None:
    """Store precomputed rows: ``{product: [recommended, ...]}`` in rank order; ``{product: units}``."""
    rows = [
        (source.pk, target.pk, rank, 10 - rank)
        for source, targets in pairs.items()
        for rank, target in enumerate(targets, start=1)
    ]
    sales = [(item.pk, units, units) for item, units in (popularity or {}).items()]
    product_recommendations_replace(pairs=rows, popularity=sales)


def section(html: str, heading_id: str) -> str:
    if f'id="{heading_id}"' not in html:
        return ""
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def names(html: str) -> list[str]:
    chunks = html.split('<span class="product-card-name">')[1:]
    return [chunk.split("</span>", 1)[0] for chunk in chunks]


def recommended_on(client, item) -> list[str]:
    html = client.get(item.get_absolute_url()).content.decode()
    return names(section(html, "recommendations-heading"))


# Product page -----------------------------------------------------------------------------------


def test_product_page_shows_also_bought_in_rank_order_then_same_category_products(client):
    tea, mugs = CategoryFactory(name="Tea"), CategoryFactory(name="Mugs")
    sencha = product("Sencha", category=tea)
    product("Matcha", category=tea)
    genmaicha = product("Genmaicha", category=tea)
    mug = product("Mug", category=mugs)
    product("Plate", category=mugs)
    recommend({sencha: [mug, genmaicha]})

    response = client.get(sencha.get_absolute_url())

    html = response.content.decode()
    assert "Customers who bought this also bought" in html
    assert names(section(html, "recommendations-heading")) == ["Mug", "Genmaicha", "Matcha"]


def test_also_bought_never_shows_inactive_sold_out_or_hidden_products(client):
    tea, mugs = CategoryFactory(), CategoryFactory()
    hidden = CategoryFactory(is_active=False)
    sencha = product("Sencha", category=tea)
    inactive = product("Inactive mug", category=mugs, is_active=False)
    sold_out = product("Sold-out mug", category=mugs, stock=0)
    in_hidden_category = product("Hidden mug", category=hidden)
    no_active_variant = ProductFactory(name="Withdrawn mug", category=mugs)
    VariantFactory(product=no_active_variant, is_active=False)
    good = product("Good mug", category=mugs)
    recommend({sencha: [inactive, sold_out, in_hidden_category, no_active_variant, good]})

    assert recommended_on(client, sencha) == ["Good mug"]


def test_without_history_the_page_shows_bestsellers_of_the_same_category(client):
    tea, mugs = CategoryFactory(name="Tea"), CategoryFactory(name="Mugs")
    sencha = product("Sencha", category=tea)
    matcha, oolong = product("Matcha", category=tea), product("Oolong", category=tea)
    product("Puerh", category=tea)
    popular_mug = product("Popular mug", category=mugs)
    recommend({}, popularity={matcha: 5, oolong: 9, popular_mug: 100, sencha: 50})

    html = client.get(sencha.get_absolute_url()).content.decode()

    assert "Popular in Tea" in html
    assert "Customers who bought this also bought" not in html
    assert names(section(html, "recommendations-heading")) == ["Oolong", "Matcha", "Puerh"]


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


def test_recommendations_add_one_query_cold_and_none_warm(client, django_assert_num_queries):
    tea = CategoryFactory()
    sencha = product("Sencha", category=tea)
    others = [product(f"Tea {number}", category=tea) for number in range(8)]
    recommend({sencha: others[:5]}, popularity={item: 1 for item in others})

    with django_assert_num_queries(6):  # revision, tree, product, variants, images, recommendations
        cold = client.get(sencha.get_absolute_url())
    with django_assert_num_queries(1):  # revision
        warm = client.get(sencha.get_absolute_url())

    assert len(names(section(warm.content.decode(), "recommendations-heading"))) == 6
    assert section(warm.content.decode(), "recommendations-heading") == section(
        cold.content.decode(), "recommendations-heading"
    )


def test_recomputed_recommendations_show_at_once(client, django_capture_on_commit_callbacks):
    tea, mugs = CategoryFactory(), CategoryFactory()
    sencha = product("Sencha", category=tea)
    mug, kettle = product("Mug", category=mugs), product("Kettle", category=mugs)
    with django_capture_on_commit_callbacks(execute=True):
        recommend({sencha: [mug]})
    before = recommended_on(client, sencha)

    with django_capture_on_commit_callbacks(execute=True):
        recommend({sencha: [kettle]})

    assert before == ["Mug"]
    assert recommended_on(client, sencha) == ["Kettle"]


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


# The precomputed tables -------------------------------------------------------------------------


def test_replace_swaps_the_whole_table_and_skips_rows_of_deleted_products():
    tea = CategoryFactory()
    sencha, matcha, oolong = (product(name, category=tea) for name in ("Sencha", "Matcha", "Oolong"))
    recommend({sencha: [matcha]}, popularity={sencha: 3})
    missing_id = oolong.pk + 1000

    result = product_recommendations_replace(
        pairs=[(matcha.pk, oolong.pk, 1, 4), (matcha.pk, missing_id, 2, 2), (missing_id, matcha.pk, 1, 2)],
        popularity=[(oolong.pk, 7, 5), (missing_id, 9, 9)],
    )

    assert list(ProductRecommendation.objects.values_list("product", "recommended", "rank", "score")) == [
        (matcha.pk, oolong.pk, 1, 4)
    ]
    assert list(ProductPopularity.objects.values_list("product", "units_sold", "order_count")) == [
        (oolong.pk, 7, 5)
    ]
    assert (result.pairs, result.products, result.popular_products) == (1, 1, 1)


def test_replace_with_a_bad_row_writes_nothing():
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    recommend({sencha: [matcha]}, popularity={sencha: 3})

    with pytest.raises(IntegrityError):
        product_recommendations_replace(pairs=[(matcha.pk, matcha.pk, 1, 1)], popularity=[])

    assert list(ProductRecommendation.objects.values_list("product", "recommended")) == [
        (sencha.pk, matcha.pk)
    ]
    assert ProductPopularity.objects.count() == 1


# Home -------------------------------------------------------------------------------------------


def test_home_shows_bestsellers_in_stock_most_units_first(client):
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    sold_out = product("Sold out", category=tea, stock=0)
    product("Never sold", category=tea)
    recommend({}, popularity={sencha: 4, matcha: 12, sold_out: 50})

    html = client.get("/").content.decode()

    assert names(section(html, "home-bestsellers")) == ["Matcha", "Sencha"]


def test_home_without_sales_has_no_bestsellers_section(client):
    product("Sencha", category=CategoryFactory())

    html = client.get("/").content.decode()

    assert 'id="home-bestsellers"' not in html
    assert 'id="home-newest"' in html


# Recently viewed --------------------------------------------------------------------------------


def with_session(client):
    client.session  # noqa: B018 (the test client starts a session and sets its cookie)
    return client


def test_recently_viewed_shows_what_the_shopper_viewed_latest_first(client):
    tea = CategoryFactory()
    sencha, matcha, oolong = (product(name, category=tea) for name in ("Sencha", "Matcha", "Oolong"))
    with_session(client)

    for item in (sencha, matcha, sencha, oolong):
        html = client.get(item.get_absolute_url()).content.decode()

    assert names(section(html, "recently-viewed-heading")) == ["Sencha", "Matcha"]
    assert client.session[RECENTLY_VIEWED_SESSION_KEY] == [oolong.pk, sencha.pk, matcha.pk]


def test_recently_viewed_is_not_kept_for_visitors_without_a_session(client):
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)

    client.get(sencha.get_absolute_url())
    html = client.get(matcha.get_absolute_url()).content.decode()

    assert 'id="recently-viewed-heading"' not in html
    assert settings.SESSION_COOKIE_NAME not in client.cookies


def test_recently_viewed_costs_no_query_per_product(client):
    tea = CategoryFactory()
    items = [product(f"Tea {number}", category=tea) for number in range(6)]
    target = product("Target", category=tea)
    with_session(client)
    for item in (items[0], target, items[0]):
        client.get(item.get_absolute_url())
    with CaptureQueriesContext(connection) as one_viewed:
        client.get(target.get_absolute_url())
    for item in [*items[1:], items[0]]:
        client.get(item.get_absolute_url())

    with CaptureQueriesContext(connection) as six_viewed:
        html = client.get(target.get_absolute_url()).content.decode()

    assert len(names(section(html, "recently-viewed-heading"))) == 6
    assert len(six_viewed) == len(one_viewed)


def test_a_shopper_views_a_cached_product_page_in_three_queries(client, django_assert_num_queries):
    tea = CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    with_session(client)
    for item in (sencha, matcha, sencha):
        client.get(item.get_absolute_url())

    # The catalogue revision, the session, and the session saved with the new list.
    with django_assert_num_queries(3):
        html = client.get(matcha.get_absolute_url()).content.decode()

    assert names(section(html, "recently-viewed-heading")) == ["Sencha"]
    assert client.session[RECENTLY_VIEWED_SESSION_KEY] == [matcha.pk, sencha.pk]


def test_recently_viewed_leaves_out_products_hidden_since(client, django_capture_on_commit_callbacks):
    tea = CategoryFactory()
    sencha, matcha, oolong = (product(name, category=tea) for name in ("Sencha", "Matcha", "Oolong"))
    with_session(client)
    client.get(sencha.get_absolute_url())
    client.get(matcha.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        matcha.is_active = False
        matcha.save()
    html = client.get(oolong.get_absolute_url()).content.decode()

    assert names(section(html, "recently-viewed-heading")) == ["Sencha"]


def test_a_malformed_recently_viewed_list_in_the_session_is_ignored(client):
    item = product("Sencha", category=CategoryFactory())
    session = with_session(client).session
    session[RECENTLY_VIEWED_SESSION_KEY] = ["x", -3, True, None, 2**70, {"a": 1}]
    session.save()

    response = client.get(item.get_absolute_url())

    assert response.status_code == 200
    assert client.session[RECENTLY_VIEWED_SESSION_KEY] == [item.pk]


def test_recording_a_view_keeps_at_most_twelve_and_skips_a_repeat():
    session = {RECENTLY_VIEWED_SESSION_KEY: list(range(1, 13))}

    recently_viewed_record(session=session, product_id=7)
    recently_viewed_record(session=session, product_id=99)
    kept = session[RECENTLY_VIEWED_SESSION_KEY]
    recently_viewed_record(session=session, product_id=99)

    assert recently_viewed_ids(session=session) == [99, 7, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11]
    assert session[RECENTLY_VIEWED_SESSION_KEY] is kept


# Cart -------------------------------------------------------------------------------------------


def test_cart_suggests_products_bought_with_its_contents_and_shows_recently_viewed(client):
    tea, mugs = CategoryFactory(), CategoryFactory()
    sencha, matcha = product("Sencha", category=tea), product("Matcha", category=tea)
    mug, kettle = product("Mug", category=mugs), product("Kettle", category=mugs)
    recommend({sencha: [matcha, mug], matcha: [kettle, sencha]})
    client.post(reverse("cart:add"), {"variant": sencha.variants.get().pk, "quantity": 1})
    client.post(reverse("cart:add"), {"variant": matcha.variants.get().pk, "quantity": 1})
    client.get(mug.get_absolute_url())
    client.get(sencha.get_absolute_url())

    html = client.get(reverse("cart:detail")).content.decode()

    assert names(section(html, "cart-suggestions-heading")) == ["Kettle", "Mug"]
    assert names(section(html, "recently-viewed-heading")) == ["Mug"]


def test_an_empty_cart_has_no_suggestions(client):
    product("Sencha", category=CategoryFactory())

    html = client.get(reverse("cart:detail")).content.decode()

    assert "Your cart is empty." in html
    assert 'id="cart-suggestions-heading"' not in html


# Admin: pins and hides --------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    staff_login(client, StaffUserFactory())
    return client


def _management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _product_change_data(item, overrides: list[dict]) -> dict:
    variant = item.variants.get()
    data = {
        "name": item.name,
        "slug": item.slug,
        "category": str(item.category_id),
        "description": "",
        "is_active": "on",
        **_management("variants", 1, initial=1),
        "variants-0-id": str(variant.pk),
        "variants-0-sku": variant.sku,
        "variants-0-options": "",
        "variants-0-price": str(variant.price),
        "variants-0-stock": str(variant.stock),
        "variants-0-is_active": "on",
        "variants-0-position": "0",
        **_management("images", 0),
        **_management("recommendation_overrides", len(overrides)),
    }
    for index, row in enumerate(overrides):
        data.update({f"recommendation_overrides-{index}-{name}": value for name, value in row.items()})
    return data


def test_staff_pin_and_hide_recommendations_on_the_product_page_in_the_admin(staff_client):
    tea = CategoryFactory()
    sencha, matcha, oolong = (product(name, category=tea) for name in ("Sencha", "Matcha", "Oolong"))
    url = reverse("admin:catalog_product_change", args=[sencha.pk])

    page = staff_client.get(url)
    response = staff_client.post(
        url,
        _product_change_data(
            sencha,
            [
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
        url, _product_change_data(sencha, [{"recommended": str(sencha.pk), "action": "pin", "position": "0"}])
    )

    assert response.status_code == 200
    assert "A product cannot recommend itself." in response.content.decode()
    assert RecommendationOverride.objects.count() == 0
