import pytest

from benchmarks.catalogue import Page, PageResult, catalogue_pages, catalogue_report, queries_per_request
from benchmarks.run import _arguments
from benchmarks.views import BARE_PAGE
from benchmarks.wrk import WrkResult
from catalog.demo import demo_catalog_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "benchmarks.urls"


def load(requests_per_second: float, p99_ms: float = 20.0) -> WrkResult:
    return WrkResult(
        requests=1000,
        requests_per_second=requests_per_second,
        p50_ms=5.0,
        p99_ms=p99_ms,
        non_2xx=0,
        socket_errors=0,
    )


def test_the_bare_view_answers_a_fixed_page_without_queries(bench_urls, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/bench/bare/")

    assert response.status_code == 200
    assert response.content == BARE_PAGE


def test_the_truly_bare_page_is_2_kb_through_two_middleware_and_no_database():
    from benchmarks import bare_settings

    assert len(bare_settings.BARE_PAGE_2KB) == 2048
    assert bare_settings.DATABASES == {}
    assert bare_settings.MIDDLEWARE == [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
    ]


def test_queries_per_request_counts_cold_and_warm_requests(bench_urls):
    assert queries_per_request("/bench/bare/") == (0, 0)
    assert queries_per_request("/healthz") == (1, 1)


def test_catalogue_pages_come_from_the_demo_data():
    demo_catalog_seed(products=18, processes=1)

    pages = catalogue_pages()

    assert [(page.name, page.path, page.server) for page in pages][:2] == [
        ("truly bare", "/", "bare"),
        ("bare", "/bench/bare/", "shop"),
    ]
    assert [(page.name, page.path) for page in pages][1:] == [
        ("bare", "/bench/bare/"),
        ("home", "/"),
        ("list", "/products/"),
        ("category", "/category/clothing/"),
        ("detail", "/products/washed-denim-oxford-shirt-00001/"),
        ("search", "/products/?q=linen"),
    ]


def test_the_report_shows_shares_of_both_baselines_and_judges_each_goal():
    results = [
        PageResult(Page("truly bare", "/", "bare"), 200, load(2000.0), "", 0, 0),
        PageResult(Page("bare", "/bench/bare/"), 200, load(1000.0), "", 0, 0),
        PageResult(Page("home", "/"), 200, load(1100.0), "", 4, 1),
        PageResult(Page("list", "/products/"), 200, load(600.0), "", 5, 1),
        PageResult(Page("category", "/category/clothing/"), 200, load(400.0), "", 6, 1),
        PageResult(Page("detail", "/products/x/"), 200, load(550.0), "", 4, 2),
        PageResult(Page("search", "/products/?q=linen"), 200, load(300.0, p99_ms=85.5), "", 5, 1),
    ]

    report = catalogue_report(results)

    assert "| list `/products/` | 200 | 600.0 | 5.00 | 20.00 | 30% | 60% | 5/1 | 0/0 |" in report
    assert "| bare `/bench/bare/` | 200 | 1,000.0 | 5.00 | 20.00 | 50% | 100% | 0/0 | 0/0 |" in report
    assert "| truly bare `/` | 200 | 2,000.0 | 5.00 | 20.00 | 100% | 200% | 0/0 | 0/0 |" in report
    assert (
        "warm pages >= 50% of the truly bare view: home 55% PASS, list 30% FAIL, category 20% FAIL, "
        "detail 28% FAIL, search 15% FAIL"
    ) in report
    assert "search p99 < 100 ms: 85.50 ms PASS" in report
    assert "(cold cache): most 6, PASS" in report


def test_the_report_marks_goals_not_applicable_for_missing_pages():
    results = [
        PageResult(Page("bare", "/bench/bare/"), 200, load(1000.0), "", 0, 0),
        PageResult(Page("list", "/products/"), 404, load(900.0), "", 3, 3),
        PageResult(Page("search", "/products/?q=linen"), 0, None, "wrk failed (1)", 0, 0),
    ]

    report = catalogue_report(results)

    assert (
        "| search `/products/?q=linen` | no answer | n/a | n/a | n/a | n/a | n/a | 0/0 | wrk failed (1) |"
        in report
    )
    assert "home n/a n/a, list n/a n/a, category n/a n/a, detail n/a n/a, search n/a n/a" in report
    assert "search p99 < 100 ms: n/a ms n/a" in report
    assert "n/a (not every page answers 200)" in report


@pytest.mark.parametrize(
    "argv", [["--duration", "0"], ["--products", "-5"], ["--warmup", "-1"], ["--workers", "x"]]
)
def test_bench_refuses_bad_arguments(argv):
    with pytest.raises(SystemExit):
        _arguments(argv)


def test_bench_seeds_100k_products_unless_bench_products_or_the_flag_says_otherwise(monkeypatch):
    monkeypatch.delenv("BENCH_PRODUCTS", raising=False)
    assert _arguments([]).products == 100_000
    assert _arguments([]).connections == 16

    monkeypatch.setenv("BENCH_PRODUCTS", "2000")
    assert _arguments([]).products == 2000
    assert _arguments(["--products", "500"]).products == 500
