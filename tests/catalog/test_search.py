import pytest

from catalog.categories import category_tree_get
from catalog.selectors import ProductFilters, product_list
from tests.catalog.storefront_helpers import listed_names, product_with_variant
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def search(q: str, **filters) -> list[str]:
    tree = category_tree_get()
    products = product_list(category_ids=tree.visible_ids, filters=ProductFilters(q=q, **filters))
    return [product.name for product in products]


def test_search_finds_products_by_name(client):
    product_with_variant(name="Jasmine Pearls")
    product_with_variant(name="Earl Grey")

    response = client.get("/products/?q=jasmine")

    assert listed_names(response) == ["Jasmine Pearls"]


def test_search_uses_english_stemming_on_descriptions():
    product_with_variant(name="Kettle", description="Boils water quickly for brewing.")
    product_with_variant(name="Cup")

    assert search("brews") == ["Kettle"]


def test_search_ranks_a_name_match_above_a_description_only_match():
    product_with_variant(name="Aaa companion", description="Pairs well with green tea.")
    product_with_variant(name="Green Tea", description="Fresh leaves.")

    assert search("green tea") == ["Green Tea", "Aaa companion"]


def test_search_finds_a_product_by_sku_with_or_without_hyphen():
    product_with_variant(name="Clay teapot", sku="POT-4411")
    product_with_variant(name="Glass teapot", sku="POT-9000")

    assert search("POT-4411") == ["Clay teapot"]
    assert search("pot 4411") == ["Clay teapot"]


def test_search_ranks_an_exact_sku_match_first():
    product_with_variant(name="Teapot", description="A teapot, the teapot of teapots.", sku="X-1")
    product_with_variant(name="Plain item", sku="teapot")

    assert search("TEAPOT") == ["Plain item", "Teapot"]


def test_search_with_websearch_syntax_excludes_terms():
    product_with_variant(name="Green tea")
    product_with_variant(name="Green mug")

    assert search("green -mug") == ["Green tea"]


def test_search_finds_chinese_words_inside_a_chinese_name(client):
    product_with_variant(name="西湖龙井茶")
    product_with_variant(name="铁观音")

    response = client.get("/products/?q=龙井")

    assert listed_names(response) == ["西湖龙井茶"]


def test_search_finds_chinese_words_inside_a_chinese_description_and_ranks_name_matches_first():
    product_with_variant(name="Aaa gift box", description="内含一罐明前龙井。")
    product_with_variant(name="明前龙井")
    product_with_variant(name="Mug", description="白瓷杯")

    assert search("龙井") == ["明前龙井", "Aaa gift box"]


def test_search_combines_with_price_stock_and_category_filters(client):
    tea = CategoryFactory(slug="tea")
    product_with_variant(name="Cheap green tea", price="5.00", category=tea)
    product_with_variant(name="Fine green tea", price="50.00", category=tea)
    product_with_variant(name="Sold out green tea", price="60.00", stock=0, category=tea)
    product_with_variant(name="Green mug", price="40.00")

    response = client.get("/products/?q=green&min_price=10&in_stock=1&category=tea")

    assert listed_names(response) == ["Fine green tea"]


def test_search_results_follow_an_explicit_sort(client):
    product_with_variant(name="Green tea A", price="30.00")
    product_with_variant(name="Green tea B", price="10.00")
    product_with_variant(name="Black tea", price="1.00")

    response = client.get("/products/?q=green&sort=price")

    assert listed_names(response) == ["Green tea B", "Green tea A"]


def test_search_within_a_category_page(client):
    tea = CategoryFactory(slug="tea")
    product_with_variant(name="Green tea", category=tea)
    product_with_variant(name="Black tea", category=tea)
    product_with_variant(name="Green mug")

    response = client.get("/category/tea/?q=green")

    assert listed_names(response) == ["Green tea"]


@pytest.mark.parametrize("q", ["", "   ", "\t"])
def test_blank_search_lists_everything(client, q):
    product_with_variant(name="Alpha")
    product_with_variant(name="Beta")

    response = client.get("/products/", {"q": q})

    assert listed_names(response) == ["Alpha", "Beta"]
    assert "<h1>All products</h1>" in response.content.decode()


def test_search_page_heading_names_the_query_and_is_not_indexed(client):
    product_with_variant(name="Oolong")

    response = client.get("/products/?q=oolong")

    html = response.content.decode()
    assert "<h1>Search results for “oolong”</h1>" in html
    assert '<meta name="robots" content="noindex, follow">' in html
    assert 'id="search-q" type="search" name="q" value="oolong"' in html


def test_search_escapes_the_query_in_the_page(client):
    response = client.get("/products/", {"q": "<script>alert(1)</script>"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_overlong_search_is_cut_to_100_characters(client):
    product_with_variant(name="Oolong")

    response = client.get("/products/", {"q": "oolong " + "x" * 500})

    assert response.status_code == 200
    assert f"“oolong {'x' * 93}”" in response.content.decode()


def test_search_for_punctuation_only_finds_nothing_without_error(client):
    product_with_variant(name="Tea")

    response = client.get("/products/?q=!!!")

    assert response.status_code == 200
    assert "No products match “!!!”." in response.content.decode()
