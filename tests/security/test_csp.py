"""Pages work under the strict Content Security Policy: no inline script, style or event handler in
any page we render (storefront, account, admin), and a real browser reports no violation."""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client

from tests.helpers import staff_login
from tests.security.browser import in_chromium
from tests.security.hostile.routes import admin_pages

DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}


class _InlineFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' blocks: inline scripts and styles, handlers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.violations: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "script" and "src" not in attr and attr.get("type", "").lower() not in DATA_SCRIPT_TYPES:
            self.violations.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.violations.append(f"<style> element at line {self.getpos()[0]}")
        for name, value in attr.items():
            if name == "style":
                self.violations.append(f'style="{value}" on <{tag}> at line {self.getpos()[0]}')
            elif name.startswith("on"):
                self.violations.append(f"{name} handler on <{tag}> at line {self.getpos()[0]}")
            elif name in ("href", "src", "action", "formaction") and value.strip().lower().startswith(
                "javascript:"
            ):
                self.violations.append(f"javascript: URL on <{tag}> at line {self.getpos()[0]}")


def inline_violations(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    return finder.violations


def _pages(world) -> dict[str, list[str]]:
    seeds = world.seed_pages()
    return {
        "anonymous": [*seeds["anonymous"], "/no-such-page/"],
        "customer": seeds["customer"],
        "staff": [*seeds["staff"], *admin_pages(keep_pk=world.staff.pk)],
    }


def test_inline_script_style_and_handlers_are_found():
    html = (
        '<p style="color:red" onclick="x()">a</p><script>x()</script>'
        '<script type="application/ld+json">{}</script>'
    )

    assert inline_violations(html) == [
        'style="color:red" on <p> at line 1',
        "onclick handler on <p> at line 1",
        "inline <script> at line 1",
    ]


@pytest.mark.django_db
def test_no_page_we_render_needs_unsafe_inline(world):
    clients = {"anonymous": Client(), "customer": Client(), "staff": Client()}
    clients["customer"].force_login(world.customer)
    staff_login(clients["staff"], world.staff)
    for client in clients.values():
        client.post("/cart/add/", {"variant": world.variant.pk, "quantity": 1})
    found = {}

    for role, pages in _pages(world).items():
        for url in pages:
            response = clients[role].get(url, follow=True)
            if "html" in response.get("Content-Type", "") and (
                violations := inline_violations(response.content.decode())
            ):
                found[f"{role} {url}"] = violations

    assert found == {}


def _watch(page, who: str, problems: list[str]) -> None:
    """Record the browser's Content Security Policy complaints and script errors on ``page``."""

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            problems.append(f"{who} {page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{who} {page.url}: {error}"))


@pytest.mark.e2e
@pytest.mark.urls("tests.security.urls_errors")
@pytest.mark.django_db(transaction=True)
def test_a_browser_reports_no_policy_violation_on_the_storefront_or_the_admin(live_server, world):
    staff = Client()
    staff_login(staff, world.staff)
    session = staff.cookies[settings.SESSION_COOKIE_NAME].value
    admin_root = "/" + settings.ADMIN_URL
    pages = {
        "shopper": [
            "/",
            "/products/",
            f"/products/{world.product.slug}/",
            f"/category/{world.category.slug}/",
            "/cart/",
            "/checkout/",
            "/support/",
            "/account/login/",
            "/account/signup/",
            "/no-such-page/",
        ],
        "staff": [
            admin_root,
            f"{admin_root}catalog/product/",
            f"{admin_root}catalog/product/{world.product.pk}/change/",
            f"{admin_root}catalog/category/add/",
            f"{admin_root}orders/order/",
            f"{admin_root}orders/order/{world.order.pk}/change/",
            f"{admin_root}support/ticket/",
            f"{admin_root}support/ticket/{world.ticket.pk}/change/",
            f"{admin_root}shop/user/{world.customer.pk}/change/",
        ],
    }
    problems: list[str] = []
    checked: list[str] = []
    statuses: dict[str, int] = {}

    def browse(browser) -> None:
        # The watcher itself works: a page with inline script, style and handler is reported.
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        _watch(page, "self-test", checked)
        page.goto("/test-errors/inline/")
        page.wait_for_load_state("load")
        context.close()
        for who, urls in pages.items():
            context = browser.new_context(base_url=live_server.url)
            if who == "staff":
                cookie = {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}
                context.add_cookies([cookie])
            page = context.new_page()
            _watch(page, who, problems)
            if who == "shopper":
                page.goto(f"/products/{world.product.slug}/")
                page.locator("form[action$='/cart/add/'] button[type=submit]").first.click()
            for url in urls:
                response = page.goto(url)
                page.wait_for_load_state("load")
                statuses[f"{who} {url}"] = response.status if response else 0
            context.close()

    in_chromium(browse)

    assert len(checked) >= 2, checked
    assert problems == []
    assert {page: status for page, status in statuses.items() if not 200 <= status < 500} == {}
