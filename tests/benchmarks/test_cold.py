import pytest
from django.core.signals import request_started
from django.db import connection

from benchmarks.cold import (
    ColdPage,
    ColdResult,
    cold_measure,
    cold_pages,
    cold_report,
    last_page_path,
    sitemap_locations,
)
from catalog.demo import demo_catalog_seed

PAGINATION = """
<nav class="pagination"><ul>
  <li><span class="current" aria-current="page">1</span></li>
  <li><a href="/products/?sort=price&amp;page=2" aria-label="Page 2">2</a></li>
  <li><a href="/products/?sort=price&amp;page=3" aria-label="Page 3">3</a></li>
  <li class="gap">…</li>
  <li><a href="/products/?sort=price&amp;page=10" aria-label="Page 10">10</a></li>
  <li><a href="/products/?sort=price&amp;page=2" rel="next">Next</a></li>
</ul></nav>
"""


def test_the_last_page_is_the_highest_numbered_link_unescaped():
    assert last_page_path(PAGINATION) == "/products/?sort=price&page=10"


def test_a_link_marked_data_page_last_wins_over_numbered_links():
    page = PAGINATION.replace(
        "</ul>", '<li><a data-page="last" href="/products/?sort=price&amp;after=abc">Last</a></li></ul>'
    )

    assert last_page_path(page) == "/products/?sort=price&after=abc"


def test_a_single_page_listing_has_no_last_page_link():
    assert last_page_path('<nav class="pagination"><ul><li><span>1</span></li></ul></nav>') is None


def test_sitemap_locations_are_read_as_paths_with_their_query():
    index = (
        '<?xml version="1.0"?><sitemapindex><sitemap><loc>https://shop.example/sitemap-products.xml?p=2</loc>'
        "</sitemap><sitemap><loc>https://shop.example/sitemap-categories.xml</loc></sitemap></sitemapindex>"
    )

    assert sitemap_locations(index) == ["/sitemap-products.xml?p=2", "/sitemap-categories.xml"]


def result(name: str, milliseconds: list[float], *, goal_ms: float = 50.0, status: int = 200) -> ColdResult:
    return ColdResult(
        ColdPage(name, "/x/", goal_ms), tuple(status for _ in milliseconds), tuple(milliseconds), (4,) * 20
    )


def test_the_report_judges_p99_and_shows_the_issues_figures_as_before():
    fast = result("home", [10.0] * 19 + [30.0])
    slow = result("list by name, last page", [10.0] * 19 + [80.0])
    sitemap = result("sitemap", [400.0] * 20, goal_ms=1000.0)

    report = cold_report([fast, slow, sitemap])

    assert "| home `/x/` | 200 | 10.0 | 30.0 | 4 | 42 / 178 | PASS |" in report
    assert "| list by name, last page `/x/` | 200 | 10.0 | 80.0 | 4 | 134 / 1,462 | FAIL |" in report
    assert "p99 < 50 ms (at 100,000 products): worst 80.0 ms, FAIL (list by name, last page)" in report
    assert "each sitemap page cold < 1,000 ms: worst 400.0 ms, PASS" in report


def test_a_page_that_does_not_answer_200_is_not_judged():
    assert result("home", [1.0] * 20, status=500).passed is None


@pytest.mark.django_db
def test_cold_pages_cover_every_kind_and_each_measurement_starts_from_an_empty_cache(settings):
    settings.ROOT_URLCONF = "benchmarks.urls"
    demo_catalog_seed(products=18, processes=1)

    pages = cold_pages()
    names = [page.name for page in pages]
    measured = cold_measure(ColdPage("home", "/"), repeats=3)

    assert names[:2] == ["home", "list by name, page 1"]
    assert {"category", "product", "search English", "search SKU", "search no match"} <= set(names)
    assert "search Chinese, one character" in names
    assert names[-1].startswith("sitemap")
    assert measured.statuses == (200, 200, 200)
    # The same queries each time: nothing is served from a cache filled by the request before.
    assert len(set(measured.queries)) == 1 and measured.queries[0] > 1


@pytest.mark.django_db
def test_queries_are_counted_after_the_connection_has_logged_its_limit(settings):
    settings.ROOT_URLCONF = "benchmarks.urls"
    demo_catalog_seed(products=2, processes=1)
    logged = {"sql": "SELECT 1", "time": "0.000"}
    connection.queries_log.extend(logged for _ in range(connection.queries_limit))

    measured = cold_measure(ColdPage("home", "/"), repeats=2)

    assert measured.queries[0] == measured.queries[1] > 1


@pytest.mark.django_db
def test_each_page_is_served_once_untimed_before_its_samples(settings):
    settings.ROOT_URLCONF = "benchmarks.urls"
    demo_catalog_seed(products=2, processes=1)
    served = []

    def count(**kwargs) -> None:
        served.append(kwargs)

    request_started.connect(count)
    try:
        measured = cold_measure(ColdPage("home", "/"), repeats=2)
    finally:
        request_started.disconnect(count)

    assert len(served) == 3
    assert len(measured.milliseconds) == 2
