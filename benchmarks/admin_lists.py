"""The admin section: the product and order changelists cold, as staff open them.

Each list (unfiltered, a search by SKU, product name, order number, email and
phone, a filter) is requested ``REPEATS`` times in-process by the bench's
superuser, signed in past both steps (password and authenticator), with the
cache cleared before each request, after one untimed request (``cold_measure``).
The orders are whatever the benchmark database holds (the recommendations
section seeds paid demo orders); the report says how many.
"""

from urllib.parse import urlencode

from django.urls import reverse

from benchmarks.aftersales import _staff_client
from benchmarks.base import BenchContext
from benchmarks.cold import ColdPage, ColdResult, cold_measure, cold_table, goal_line
from catalog.models import Product, Variant
from orders.models import Order

# Enough samples for a p99 that is not simply the slowest one.
REPEATS = 100
GOAL_MS = 100.0


def _page(name: str, changelist: str, **query: str) -> ColdPage:
    path = reverse(changelist)
    return ColdPage(name, f"{path}?{urlencode(query)}" if query else path, GOAL_MS)


def admin_pages() -> list[ColdPage]:
    """The changelists and their searches, with search words taken from the benchmark data."""
    products = "admin:catalog_product_changelist"
    orders = "admin:orders_order_changelist"
    pages = [_page("products", products)]
    sku = Variant.objects.order_by("-pk").values_list("sku", flat=True).first()
    if sku:
        pages.append(_page("products, search by SKU", products, q=sku))
    name = Product.objects.order_by("-pk").values_list("name", flat=True).first()
    if name:
        pages.append(_page("products, search by name", products, q=" ".join(name.split()[:2])))
    pages += [_page("products, filter active", products, is_active__exact="1"), _page("orders", orders)]
    order = Order.objects.order_by("pk").values("number", "email", "phone").first()
    if order:
        pages.append(_page("orders, search by number", orders, q=order["number"]))
        pages.append(_page("orders, search by email", orders, q=order["email"]))
        if order["phone"]:
            pages.append(_page("orders, search by phone", orders, q=order["phone"]))
    pages.append(_page("orders, filter paid", orders, payment_status__exact="paid"))
    return pages


def admin_report(results: list[ColdResult], *, orders: int, products: int) -> str:
    return "\n".join(
        [
            cold_table(results),
            "",
            f"Data: {products:,} products, {orders:,} orders.",
            "",
            "Goals:",
            goal_line(f"every admin list, search and filter cold, p99 < {GOAL_MS:.0f} ms", results),
        ]
    )


def admin_section(context: BenchContext) -> str:
    """Time the product and order changelists cold, signed in as staff."""
    client = _staff_client()
    results = [cold_measure(page, repeats=REPEATS, client=client) for page in admin_pages()]
    intro = (
        f"Each list {REPEATS} times in-process (Django test client, DEBUG off) as the bench's superuser "
        "signed in past both steps, the cache cleared before each request, after one untimed request "
        "and a garbage-collector freeze, as a server worker that has served the list before."
    )
    report = admin_report(results, orders=Order.objects.count(), products=Product.objects.count())
    return "\n".join(["## Admin lists", "", intro, "", report])
