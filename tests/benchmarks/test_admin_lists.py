import pytest

from benchmarks.admin_lists import admin_pages, admin_report, admin_section
from benchmarks.base import BenchContext
from benchmarks.cold import ColdPage, ColdResult
from benchmarks.wrk import WrkOptions
from catalog.demo import demo_catalog_seed
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_answer_staff_past_both_steps_with_a_fixed_query_count(settings):
    settings.ROOT_URLCONF = "benchmarks.urls"
    demo_catalog_seed(products=18, processes=1)
    order = OrderFactory(phone="138 0013 8000")

    pages = admin_pages()
    report = admin_section(BenchContext(port=1, wrk=WrkOptions()))

    assert [page.name for page in pages] == [
        "products",
        "products, search by SKU",
        "products, search by name",
        "products, filter active",
        "orders",
        "orders, search by number",
        "orders, search by email",
        "orders, search by phone",
        "orders, filter paid",
    ]
    assert f"q={order.number}" in pages[5].path
    assert "18 products, 1 orders" in report
    # Every list answered 200 each time (a redirect to the sign-in or code page would show 302).
    assert report.count("| 200 |") == len(pages)


def test_the_admin_report_judges_each_list_against_100_ms():
    fast = ColdResult(ColdPage("orders", "/admin/orders/order/", 100.0), (200,) * 10, (20.0,) * 10, (5,) * 10)
    slow = ColdResult(ColdPage("products", "/admin/p/", 100.0), (200,) * 10, (150.0,) * 10, (7,) * 10)

    report = admin_report([fast, slow], orders=1_000_000, products=100_000)

    assert "| orders `/admin/orders/order/` | 200 | 20.0 | 20.0 | 5 | PASS |" in report
    assert "100,000 products, 1,000,000 orders" in report
    assert "p99 < 100 ms: worst 150.0 ms, FAIL (products)" in report
