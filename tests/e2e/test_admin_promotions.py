"""The promotions admin on a 1280 px laptop screen, in English and Chinese: nothing scrolls sideways,
and generating codes in the browser downloads them."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from promotions.models import Coupon
from tests.factories import CategoryFactory, CouponFactory, PromotionFactory, StaffUserFactory
from tests.helpers import staff_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1280, 800
LANGUAGES = ["en-US", "zh-CN"]


@pytest.fixture
def staff_page(browser, live_server, request):
    """A page at 1280x800 in the test's language, signed in to the admin past two-factor."""
    client = Client()
    staff_login(client, StaffUserFactory(email="owner@example.com"))
    context = browser.new_context(
        base_url=live_server.url,
        locale=getattr(request, "param", "en-US"),
        viewport={"width": WIDTH, "height": HEIGHT},
        accept_downloads=True,
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def _right_edge(page, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"]


def _scrolls_inside(page, selector: str) -> bool:
    return page.evaluate(
        "selector => { const box = document.querySelector(selector); "
        "return box.scrollWidth > box.clientWidth; }",
        selector,
    )


def _busy_coupons() -> None:
    """Coupons of every kind and status, with long campaign names and large amounts."""
    now = timezone.now()
    CouponFactory(
        code="SPRING-NEWSLETTER-2026-VIP",
        campaign="Spring newsletter for returning customers in Shanghai and Hangzhou",
        value=Decimal("12.50"),
        max_discount=Decimal("1500.00"),
        min_spend=Decimal("12999.00"),
        valid_from=now - timedelta(days=3),
        valid_until=now + timedelta(days=30),
        uses_total=10000,
        uses_count=9999,
        uses_per_customer=1,
        first_order_only=True,
    )
    CouponFactory(
        code="HOLIDAY200", kind=Coupon.Kind.FIXED, value=Decimal("200.00"), campaign="双十一会员专享"
    )
    CouponFactory(
        code="SHIPFREE", kind=Coupon.Kind.FREE_SHIPPING, value=0, valid_from=now + timedelta(days=2)
    )
    CouponFactory(code="OLDCODE", uses_total=5, uses_count=5, valid_until=now - timedelta(days=1))
    CouponFactory(code="PAUSED", is_active=False)


@pytest.mark.parametrize("staff_page", LANGUAGES, indirect=True)
def test_the_coupon_list_fits_the_screen(staff_page):
    _busy_coupons()

    staff_page.goto(reverse("admin:promotions_coupon_changelist"))

    assert staff_page.locator("#result_list tbody tr").count() == 5
    assert _fits(staff_page)
    assert not _scrolls_inside(staff_page, "#changelist .results")
    assert _right_edge(staff_page, "#result_list th.column-status_column") <= _right_edge(
        staff_page, "#changelist .results"
    )
    assert staff_page.locator("#changelist-filter").is_visible()
    busy = staff_page.locator("#result_list tbody tr", has_text="SPRING-NEWSLETTER-2026-VIP")
    assert busy.locator("td.field-uses_column").inner_text().startswith("9999 / 10000")
    # A badge: the site-wide shape and the promotions admin's colour for its status.
    badge = staff_page.locator(".status-badge.promo-badge-ended").first
    assert badge.evaluate("e => getComputedStyle(e).borderRadius") == "10px"
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(236, 236, 236)"


@pytest.mark.parametrize("staff_page", LANGUAGES, indirect=True)
def test_the_coupon_form_fits_the_screen(staff_page):
    _busy_coupons()
    coupon = Coupon.objects.get(code="SPRING-NEWSLETTER-2026-VIP")
    coupon.categories.add(CategoryFactory(name="Oolong and pu-erh teas from Yunnan"))

    staff_page.goto(reverse("admin:promotions_coupon_change", args=[coupon.pk]))

    assert _fits(staff_page)
    assert staff_page.locator(".field-categories .select2-container").is_visible()
    assert staff_page.locator("#id_code").input_value() == "SPRING-NEWSLETTER-2026-VIP"


@pytest.mark.parametrize("staff_page", LANGUAGES, indirect=True)
def test_the_generate_form_and_a_promotion_with_tiers_fit_the_screen(staff_page):
    promotion = PromotionFactory(
        name="Double Eleven spend and save for the whole tea catalogue",
        tiers=[("200.00", "20.00"), ("500.00", "60.00"), ("12000.00", "1500.00")],
    )

    staff_page.goto(reverse("admin:promotions_coupon_generate"))
    generate_fits = _fits(staff_page)
    staff_page.goto(reverse("admin:promotions_promotion_change", args=[promotion.pk]))

    assert generate_fits
    assert _fits(staff_page)
    assert staff_page.locator("#tiers-group tr.form-row.has_original").count() == 3
    assert not _scrolls_inside(staff_page, "#tiers-group fieldset")


def test_generating_codes_in_the_browser_downloads_them(staff_page):
    staff_page.goto(reverse("admin:promotions_coupon_changelist"))
    staff_page.get_by_role("link", name="Generate codes").click()
    staff_page.fill("#id_campaign", "Newsletter")
    staff_page.fill("#id_count", "25")
    staff_page.fill("#id_prefix", "nl-")
    staff_page.fill("#id_value", "15")

    with staff_page.expect_download() as download_info:
        staff_page.get_by_role("button", name="Generate and download").click()

    download = download_info.value
    with open(download.path(), encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(io.StringIO(file.read())))
    assert download.suggested_filename.startswith("coupons-")
    assert len(rows) == 25
    assert all(row["Code"].startswith("NL-") for row in rows)
    assert sorted(row["Code"] for row in rows) == sorted(Coupon.objects.values_list("code", flat=True))
    assert "25 codes were made" in staff_page.locator("#content-main").inner_text()
