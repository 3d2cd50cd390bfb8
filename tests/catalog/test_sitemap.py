"""The sitemap index, its sections, their languages and their caching."""

import json
from xml.etree import ElementTree

import pytest
from django.core.cache import caches
from django.db import connection

from catalog.categories import category_tree_get
from catalog.selectors import product_sitemap_list
from catalog.services import catalog_mark_changed
from tests.bulk_rows import rows_clone
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = [pytest.mark.django_db]

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}
SITE = "https://shop.example.com"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def xml_of(response) -> ElementTree.Element:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return ElementTree.fromstring(response.content)


def section_paths(client) -> list[str]:
    index = xml_of(client.get("/sitemap.xml", HTTP_HOST="127.0.0.1"))
    return [element.text.removeprefix(SITE) for element in index.findall("sm:sitemap/sm:loc", NS)]


def all_locations(client) -> list[str]:
    locations = []
    for path in section_paths(client):
        urlset = xml_of(client.get(path))
        locations += [element.text for element in urlset.findall("sm:url/sm:loc", NS)]
    return locations


def test_every_visible_product_is_listed_exactly_once_across_pages_and_hidden_ones_never(client, settings):
    tea = CategoryFactory(slug="tea")
    hidden_shelf = CategoryFactory(slug="hidden-shelf", is_active=False)
    visible = [ProductFactory(slug=f"tea-{number}", category=tea) for number in range(7)]
    for product in visible:
        VariantFactory(product=product)
    VariantFactory(product=ProductFactory(slug="retired", category=tea, is_active=False))
    VariantFactory(product=ProductFactory(slug="in-hidden-shelf", category=hidden_shelf))
    VariantFactory(product=ProductFactory(slug="no-active-variant", category=tea), is_active=False)
    # Several pages of ids whatever the sequence's start: the products fall into the last ones.
    settings.CATALOG_SITEMAP_PAGE_SIZE = visible[3].pk
    page_count = -(-ProductFactory._meta.model.objects.order_by("-pk")[0].pk // visible[3].pk)

    paths = section_paths(client)
    locations = all_locations(client)

    assert page_count >= 2
    assert paths == [
        "/sitemap-pages.xml",
        *(f"/sitemap-products-{page}.xml" for page in range(1, page_count + 1)),
    ]
    pages = [f"{SITE}/", f"{SITE}/category/tea/", *(f"{SITE}/products/tea-{number}/" for number in range(7))]
    assert sorted(locations) == sorted(
        f"{page}{query}" for page in pages for query in ("", "?lang=en", "?lang=zh-hans")
    )


def test_each_language_address_is_its_own_url_with_the_full_set_of_alternates(client, settings):
    settings.CATALOG_SITEMAP_PAGE_SIZE = 10**9  # one page, whatever ids earlier tests used
    VariantFactory(product=ProductFactory(slug="sencha", category=CategoryFactory(slug="tea")))
    expected = {
        "en": f"{SITE}/products/sencha/?lang=en",
        "zh-Hans": f"{SITE}/products/sencha/?lang=zh-hans",
        "x-default": f"{SITE}/products/sencha/",
    }

    urlset = xml_of(client.get("/sitemap-products-1.xml"))

    urls = [url for url in urlset.findall("sm:url", NS) if "/sencha/" in url.find("sm:loc", NS).text]
    assert sorted(url.find("sm:loc", NS).text for url in urls) == sorted(expected.values())
    for url in urls:
        alternates = {link.get("hreflang"): link.get("href") for link in url.findall("xhtml:link", NS)}
        assert alternates == expected


def test_the_pages_section_lists_the_home_page_in_every_language(client):
    urlset = xml_of(client.get("/sitemap-pages.xml"))

    locations = [element.text for element in urlset.findall("sm:url/sm:loc", NS)]
    assert locations[:3] == [f"{SITE}/?lang=en", f"{SITE}/?lang=zh-hans", f"{SITE}/"]


def test_a_second_request_is_the_revision_query_alone_until_the_catalogue_changes(
    client, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    settings.CATALOG_SITEMAP_PAGE_SIZE = 10**9  # one page, whatever ids earlier tests used
    VariantFactory(product=ProductFactory(slug="sencha"))
    for path in ["/sitemap.xml", "/sitemap-pages.xml", "/sitemap-products-1.xml"]:
        client.get(path)

    with django_assert_num_queries(1):
        for_index = client.get("/sitemap.xml")
    with django_assert_num_queries(1):
        client.get("/sitemap-pages.xml")
    with django_assert_num_queries(1):
        client.get("/sitemap-products-1.xml")
    VariantFactory(product=ProductFactory(slug="matcha"))
    with django_capture_on_commit_callbacks(execute=True):
        catalog_mark_changed()
    after_change = client.get("/sitemap-products-1.xml").content.decode()

    assert for_index.status_code == 200
    assert f"{SITE}/products/matcha/" in after_change


@pytest.mark.parametrize("path", ["/sitemap-products-0.xml", "/sitemap-products-99999999999999999999.xml"])
def test_a_page_past_the_products_is_not_found(client, path):
    VariantFactory(product=ProductFactory())

    response = client.get(path)

    assert response.status_code == 404


def test_probing_page_numbers_past_the_last_stores_nothing_and_costs_the_revision_query(
    client, settings, django_assert_num_queries
):
    settings.CATALOG_SITEMAP_PAGE_SIZE = 10**9  # one page, whatever ids earlier tests used
    VariantFactory(product=ProductFactory())
    client.get("/sitemap.xml")
    store = caches["default"]

    client.get("/sitemap-products-2.xml")  # the 404 page's own cached parts
    entries = len(store._cache)
    responses = []
    for page in range(3, 13):
        with django_assert_num_queries(1):
            responses.append(client.get(f"/sitemap-products-{page}.xml"))

    assert {response.status_code for response in responses} == {404}
    assert len(store._cache) == entries


@pytest.mark.parametrize("query", ["?p=x", "?p=2", "?p=-1"])
def test_the_index_ignores_a_page_parameter(client, query):
    response = client.get(f"/sitemap.xml{query}")

    assert response.status_code == 200


def test_a_deep_products_page_reads_its_range_of_the_primary_key_and_no_skipped_rows(settings):
    product = ProductFactory(slug="template-product")
    variant = VariantFactory(product=product, sku="TEMPLATE")
    rows_clone(
        "catalog_product",
        template_id=product.pk,
        overrides={"slug": "'p-' || n", "name": "'Product ' || n"},
        source="generate_series(1, 50000) n",
    )
    rows_clone(
        "catalog_variant",
        template_id=variant.pk,
        overrides={"product_id": "n.id", "sku": "'S-' || n.id"},
        source=f"(SELECT id FROM catalog_product WHERE id > {product.pk}) n",
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_product; ANALYZE catalog_variant")
    size = 1000
    deep_start = product.pk + 40_000
    queryset = product_sitemap_list(
        category_ids=category_tree_get().visible_ids, id_after=deep_start, id_upto=deep_start + size
    )

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    nodes = list(_plan_nodes(plan[0]["Plan"]))
    product_scans = [node for node in nodes if node.get("Relation Name") == "catalog_product"]
    variant_scans = [node for node in nodes if node.get("Relation Name") == "catalog_variant"]

    assert len(list(queryset)) == size
    assert [node["Node Type"] for node in product_scans] in (["Index Scan"], ["Bitmap Heap Scan"])
    assert all(node["Actual Rows"] * node["Actual Loops"] <= size for node in product_scans)
    assert all(node.get("Rows Removed by Filter", 0) == 0 for node in product_scans)
    assert all(node["Actual Rows"] * node["Actual Loops"] <= size for node in variant_scans)
    assert not any(node["Node Type"] == "Seq Scan" for node in nodes)


def _plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)
