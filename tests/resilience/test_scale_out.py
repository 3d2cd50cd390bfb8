"""Scale-out: two gunicorn instances and two task workers on one database behave as one shop.

A shopper fills the cart on instance A and checks out on instance B (the
session and the CSRF secret live in PostgreSQL and the cookie, not in a
process); the same checkout submitted again on A makes no second order; two
workers polling the same queue send each email exactly once to a real SMTP
server.
"""

import http.cookiejar
import re
import secrets
import time
from decimal import Decimal

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from catalog.models import Variant
from orders.models import Order, OutboundEmail
from tests.factories import ProductFactory, ShippingMethodFactory, VariantFactory
from tests.helpers import LocalSmtpServer
from tests.resilience.helpers import (
    DbWorker,
    Gunicorn,
    ShopProcess,
    database_url,
    http_get,
    http_post,
    shop_environment,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


def checkout_fields(form_page) -> dict:
    """What a shopper types into the checkout form, plus the form's hidden and pre-selected values."""
    return {
        "csrfmiddlewaretoken": form_page.form_value("csrfmiddlewaretoken"),
        "checkout_token": form_page.form_value("checkout_token"),
        "shipping_method": form_page.form_value("shipping_method"),
        "payment_method": form_page.form_value("payment_method"),
        "email": "ann@example.com",
        "full_name": "Ann Lee",
        "phone": "138 0013 8000",
        "country": "CN",
        "province_code": "33",
        "city_code": "3301",
        "district_code": "330106",
        "postal_code": "310000",
        "address_line1": "18 West Lake Road",
        "address_line2": "",
        "note": "",
    }


def queue_drained() -> bool:
    return not DBTaskResult.objects.exclude(status__in=["SUCCESSFUL", "FAILED"]).exists()


def test_cart_on_one_instance_checks_out_on_another_and_two_workers_send_each_email_once(tmp_path):
    variant = VariantFactory(
        price=Decimal("25.00"), stock=5, product=ProductFactory(name="Teapot", slug="teapot")
    )
    ShippingMethodFactory(code="standard", name="Standard", price=Decimal("12.00"))
    smtp = LocalSmtpServer()
    smtp.start()
    environment = shop_environment(
        database_url=database_url(connection.settings_dict),
        media_root=tmp_path / "media",
        smtp_port=smtp.port,
        SECRET_KEY=secrets.token_urlsafe(50),  # shared by every instance, as in production
        ORDERS_NOTIFY_EMAIL="orders@shop.example",
    )
    processes: list[ShopProcess] = []
    try:
        web_a = Gunicorn(environment=environment, workers=2)
        processes.append(web_a)
        web_b = Gunicorn(environment=environment, workers=2)
        processes.append(web_b)
        processes += [DbWorker(environment=environment), DbWorker(environment=environment)]
        web_a.wait_until_healthy()
        web_b.wait_until_healthy()
        cookies = http.cookiejar.CookieJar()  # one browser; both instances are 127.0.0.1

        product_page = http_get(f"{web_a.url}/products/teapot/", cookies=cookies)
        added = http_post(
            f"{web_a.url}/cart/add/",
            {
                "csrfmiddlewaretoken": product_page.form_value("csrfmiddlewaretoken"),
                "variant": str(variant.pk),
                "quantity": "2",
            },
            cookies=cookies,
        )
        cart_on_b = http_get(f"{web_b.url}/cart/", cookies=cookies)
        form_on_b = http_get(f"{web_b.url}/checkout/", cookies=cookies)
        fields = checkout_fields(form_on_b)
        placed = http_post(f"{web_b.url}/checkout/", fields, cookies=cookies)
        repeated = http_post(f"{web_a.url}/checkout/", fields, cookies=cookies)

        wait_for(
            lambda: queue_drained() and len(smtp.messages) >= 2,
            seconds=45,
            message=lambda: "\n".join(process.output()[-2000:] for process in processes),
        )
        # The workers poll twice a second: a second copy of any email would be here by now.
        time.sleep(2)
    finally:
        for process in processes:
            process.stop()
        smtp.stop()

    order = Order.objects.get()
    assert (product_page.status, added.status) == (200, 302)
    assert cart_on_b.status == 200
    assert "Teapot" in cart_on_b.body
    assert form_on_b.status == 200
    assert placed.status == 302
    assert re.match(rf"^/orders/{order.number}/", placed.headers["Location"])
    assert repeated.status == 302
    assert re.match(rf"^/orders/{order.number}/", repeated.headers["Location"])
    assert [(line.sku, line.quantity, line.line_total) for line in order.lines.all()] == [
        (variant.sku, 2, Decimal("50.00"))
    ]
    assert Variant.objects.get(pk=variant.pk).stock == 3
    assert sorted(message["To"] for message in smtp.messages) == ["ann@example.com", "orders@shop.example"]
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {("sent", 1)}
    tasks = list(DBTaskResult.objects.all())
    # One task sends both of the order's emails; one worker ran it, once.
    assert [(task.status, len(task.worker_ids)) for task in tasks] == [("SUCCESSFUL", 1)]
