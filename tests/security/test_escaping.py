"""Customer-supplied text is never rendered unescaped, on the storefront or in the admin."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from support.models import Message
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    StaffUserFactory,
    TicketFactory,
    TicketMessageFactory,
    UserFactory,
    VariantFactory,
)
from tests.helpers import staff_login
from tests.security.hostile.values import RAW_XSS_MARKERS, XSS_PROBES

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
SKIPPED_DIRS = {".venv", "var", "staticfiles", "tests", "node_modules", ".git", "benchmarks", "locale"}
UNESCAPING = re.compile(
    r"\|\s*safe\b|\|\s*safeseq\b|mark_safe\(|SafeString\(|SafeText\(|allow_tags|autoescape\s+off"
)

# Every construct that turns escaping off, each reviewed. A new one fails this test until someone
# has checked that no customer text can reach it and added it here, with the reason.
REVIEWED = {
    # JSON-LD: json.dumps output with <, > and & escaped as \u003C..., exactly like json_script.
    ("catalog/templatetags/storefront.py", "mark_safe("): 1,
    # Page-cache hole markers: constant strings derived from SECRET_KEY, never request data; the
    # text filled in for them is rendered by autoescaping templates or escaped (the path).
    ("catalog/cache/base.py", "mark_safe("): 2,
    ("catalog/cache/products.py", "mark_safe("): 1,
    # Form help texts are written by us or Django's password validators (a <ul> of their rules).
    ("templates/account/_form_fields.html", "|safe"): 1,
}


def _project_files():
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in SKIPPED_DIRS or not path.is_file():
            continue
        # Plain-text email bodies and subjects are text/plain: escaping HTML there would be wrong.
        if path.suffix in (".py", ".html"):
            yield relative, path.read_text(encoding="utf-8", errors="replace")


def _normal(construct: str) -> str:
    construct = re.sub(r"\s+", "", construct)
    return "autoescape off" if construct == "autoescapeoff" else construct


def test_every_construct_that_turns_escaping_off_has_been_reviewed():
    found: dict[tuple[str, str], int] = {}
    for relative, text in _project_files():
        for match in UNESCAPING.finditer(text):
            key = (relative.as_posix(), _normal(match.group(0)))
            found[key] = found.get(key, 0) + 1

    unreviewed = {key: count for key, count in found.items() if REVIEWED.get(key) != count}

    assert unreviewed == {}, "review these (can customer text reach them?) and list them in REVIEWED"


def _hostile(text: str) -> str:
    return f"{text} {XSS_PROBES[0]} {XSS_PROBES[1]} {XSS_PROBES[2]}"


def _assert_escaped(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, url
    for marker in RAW_XSS_MARKERS:
        assert marker not in response.content, f"{url} shows {marker!r} unescaped"


def test_customer_text_is_escaped_on_the_storefront_and_in_the_admin():
    customer = UserFactory(full_name=_hostile("Ann"))
    product = ProductFactory(name=_hostile("Teapot"), description=_hostile("Lovely"), slug="teapot")
    variant = VariantFactory(product=product, options={"Colour": _hostile("Red")})
    order = OrderFactory(
        user=customer,
        email=customer.email,
        full_name=_hostile("Ann Lee"),
        address_line1=_hostile("18 West Lake Road"),
        city=_hostile("Hangzhou"),
        note=_hostile("Leave at the door"),
    )
    OrderLineFactory(order=order, variant=variant, product_name=_hostile("Teapot"))
    ticket = TicketFactory(subject=_hostile("Help"), customer_name=_hostile("Ann"), order=order)
    TicketMessageFactory(
        ticket=ticket,
        from_name=_hostile("Ann"),
        body_text=_hostile("Where is it?"),
        body_html=f"<p>{XSS_PROBES[0]}</p><img src=x onerror=xss_probe()>",
        direction=Message.Direction.INBOUND,
    )
    shopper = Client()
    shopper.force_login(customer)
    staff = Client()
    staff_login(staff, StaffUserFactory())
    admin = "/" + settings.ADMIN_URL

    for url in [
        "/",
        "/products/",
        f"/products/{product.slug}/",
        "/products/?q=" + XSS_PROBES[0],
        order.get_absolute_url(),
        "/account/",
        "/account/orders/",
    ]:
        _assert_escaped(shopper, url)
    for url in [
        f"{admin}orders/order/",
        f"{admin}orders/order/{order.pk}/change/",
        f"{admin}support/ticket/",
        f"{admin}support/ticket/{ticket.pk}/change/",
        f"{admin}shop/user/",
        f"{admin}shop/user/{customer.pk}/change/",
        f"{admin}catalog/product/",
        f"{admin}catalog/product/{product.pk}/change/",
    ]:
        _assert_escaped(staff, url)


def test_contact_form_errors_do_not_reflect_markup(client):
    response = client.post(
        "/support/", {"email": XSS_PROBES[1], "name": XSS_PROBES[0], "message": XSS_PROBES[2]}
    )

    assert response.status_code == 400
    for marker in RAW_XSS_MARKERS:
        assert marker not in response.content
