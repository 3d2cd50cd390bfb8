"""Back in stock: one email per request when stock returns, what it says, and unsubscribing from it."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from catalog.back_in_stock import (
    back_in_stock_request_create,
    back_in_stock_request_get,
    back_in_stock_requests_notify,
)
from catalog.emails import back_in_stock_email_build, back_in_stock_unsubscribe_token
from catalog.models import BackInStockRequest, Product, Variant
from orders.services import order_cancel, order_place
from tests.catalog.back_in_stock_helpers import NOTIFIED, WAITING, ask, restock, sold_out_variant
from tests.factories import StaffUserFactory, VariantFactory
from tests.helpers import LocalSmtpServer, free_port, run_tasks, staff_login, use_smtp
from tests.orders.helpers import cart_with, checkout_data

# Notifying when stock returns -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_restocking_sends_one_email_per_request_through_the_queue(settings):
    settings.SITE_URL = "https://shop.example"
    variant = sold_out_variant()
    ask("ann@example.com", variant)
    ask("lee@example.com", variant)
    other = ask("kim@example.com", VariantFactory(stock=0))
    server = LocalSmtpServer(free_port())
    server.use_in(settings)

    restock(variant, 5)
    server.start()
    try:
        run_tasks()
    finally:
        server.stop()

    assert sorted(message["To"] for message in server.messages) == ["ann@example.com", "lee@example.com"]
    assert {message["Subject"] for message in server.messages} == {"Back in stock: Silver Needle"}
    assert set(variant.back_in_stock_requests.values_list("status", flat=True)) == {NOTIFIED}
    assert all(variant.back_in_stock_requests.values_list("sent_at", flat=True))
    assert BackInStockRequest.objects.get(pk=other.pk).status == WAITING
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


@pytest.mark.django_db(transaction=True)
def test_stock_going_0_5_0_5_emails_each_request_once(settings):
    variant = sold_out_variant()
    ask("ann@example.com", variant)
    server = LocalSmtpServer(free_port())
    server.use_in(settings)
    server.start()
    try:
        restock(variant, 5)
        run_tasks()
        restock(variant, 0)
        run_tasks()
        restock(variant, 5)
        run_tasks()
    finally:
        server.stop()

    assert [message["To"] for message in server.messages] == ["ann@example.com"]
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_asking_again_after_the_email_waits_for_the_next_restock(settings):
    variant = sold_out_variant()
    first = ask("ann@example.com", variant)
    restock(variant, 5)
    restock(variant, 0)

    again, created = back_in_stock_request_create(
        variant_id=variant.pk, email="ann@example.com", language="zh-hans"
    )
    restock(variant, 3)

    again.refresh_from_db()
    assert (again.pk, created) == (first.pk, False)
    assert (again.status, again.language) == (NOTIFIED, "zh-hans")
    assert DBTaskResult.objects.count() == 2


@pytest.mark.django_db
def test_a_price_edit_or_an_inactive_variant_notifies_nobody():
    variant = sold_out_variant()
    ask("ann@example.com", variant)

    variant.price = Decimal("12.00")
    variant.save(update_fields=["price"])
    variant.stock, variant.is_active = 4, False
    variant.save()

    assert BackInStockRequest.objects.get().status == WAITING
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db
def test_re_activating_a_product_with_stock_notifies():
    variant = sold_out_variant()
    ask("ann@example.com", variant)
    product = variant.product
    product.is_active = False
    product.save()
    restock(variant, 2)
    waiting_while_inactive = BackInStockRequest.objects.get().status

    product.is_active = True
    product.save()

    assert waiting_while_inactive == WAITING
    assert BackInStockRequest.objects.get().status == NOTIFIED


@pytest.mark.django_db
def test_activating_products_in_the_admin_list_notifies(client):
    staff_login(client, StaffUserFactory())
    variant = sold_out_variant()
    ask("ann@example.com", variant)
    Product.objects.filter(pk=variant.product_id).update(is_active=False)
    Variant.objects.filter(pk=variant.pk).update(stock=3)

    client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "activate_products", "_selected_action": [variant.product_id]},
    )

    assert BackInStockRequest.objects.get().status == NOTIFIED


@pytest.mark.django_db
def test_cancelling_an_order_returns_the_last_unit_and_notifies():
    variant = VariantFactory(stock=1)
    order = order_place(cart=cart_with((variant, 1)), checkout=checkout_data(), token=uuid.uuid4())
    ask("ann@example.com", variant)

    order_cancel(order=order)

    stock_request = BackInStockRequest.objects.get()
    assert stock_request.status == NOTIFIED
    assert DBTaskResult.objects.filter(task_path="catalog.tasks.send_back_in_stock_email").count() == 1


@pytest.mark.django_db
def test_looking_for_waiting_requests_costs_one_query(django_assert_num_queries):
    variant = VariantFactory(stock=5)

    with django_assert_num_queries(1):
        assert back_in_stock_requests_notify(variant_ids=[variant.pk]) == []


@pytest.mark.django_db(transaction=True)
def test_mail_server_down_then_up_delivers_once_after_a_retry(settings):
    port = free_port()
    use_smtp(settings, port)
    variant = sold_out_variant()
    stock_request = ask("ann@example.com", variant)
    restock(variant, 5)

    run_tasks()  # nothing listens on the port yet
    stock_request.refresh_from_db()
    retry = DBTaskResult.objects.get(status="READY")
    server = LocalSmtpServer(port)
    server.start()
    try:
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # the clock moves on
        run_tasks()
        run_tasks()
    finally:
        server.stop()

    assert stock_request.attempts == 1
    assert "Connection refused" in stock_request.last_error or "ConnectionRefused" in stock_request.last_error
    assert retry.args_kwargs["kwargs"] == {"request_id": stock_request.pk, "attempt": 2}
    assert len(server.messages) == 1
    stock_request.refresh_from_db()
    assert (stock_request.attempts, stock_request.last_error) == (2, "")
    assert stock_request.sent_at is not None


# The email --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_email_links_to_the_product_and_to_a_one_click_unsubscribe(settings):
    settings.SITE_URL = "https://shop.example"
    stock_request = ask("ann@example.com", sold_out_variant())

    message = back_in_stock_email_build(stock_request=stock_request)

    # The token carries a timestamp: read back the one the email has rather than making another.
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    prefix = "https://shop.example" + reverse("catalog:back_in_stock_unsubscribe", kwargs={"token": "T"})[:-2]
    token = unsubscribe.removeprefix(prefix).rstrip("/")
    html = message.alternatives[0][0]
    assert unsubscribe.startswith(prefix)
    assert back_in_stock_request_get(token=token) == stock_request
    assert message.subject == "Back in stock: Silver Needle"
    assert message.to == ["ann@example.com"]
    assert "Good news: Silver Needle (Size: 100 g) is back in stock at Maple & Pine." in message.body
    assert "https://shop.example/products/silver-needle/" in message.body
    assert unsubscribe in message.body
    assert f'href="{unsubscribe}"' in html
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.django_db
def test_the_email_speaks_the_language_the_shopper_asked_in():
    stock_request = ask("ann@example.com", sold_out_variant(), language="zh-hans")

    message = back_in_stock_email_build(stock_request=stock_request)

    assert message.subject == "到货通知：Silver Needle"  # noqa: RUF001
    assert message.extra_headers["Content-Language"] == "zh-hans"
    assert "Silver Needle（Size: 100 g）已在 Maple & Pine 重新到货" in message.body  # noqa: RUF001


# Unsubscribing ----------------------------------------------------------------------------------


def unsubscribe_url(stock_request: BackInStockRequest) -> str:
    token = back_in_stock_unsubscribe_token(stock_request=stock_request)
    return reverse("catalog:back_in_stock_unsubscribe", kwargs={"token": token})


@pytest.mark.django_db
def test_the_unsubscribe_link_asks_first_and_then_stops_every_waiting_request_of_the_address(client):
    notified = ask("ann@example.com", VariantFactory(stock=0))
    restock(notified.variant, 2)
    waiting = [ask("ann@example.com", VariantFactory(stock=0)) for _ in range(2)]
    someone_else = ask("lee@example.com", waiting[0].variant)

    page = client.get(unsubscribe_url(notified))
    done = client.post(unsubscribe_url(notified))
    again = client.post(unsubscribe_url(notified))

    statuses = dict(BackInStockRequest.objects.values_list("pk", "status"))
    assert (
        "Stop every back-in-stock email that ann@example.com is still waiting for?" in page.content.decode()
    )
    assert statuses == {
        notified.pk: NOTIFIED,
        waiting[0].pk: BackInStockRequest.Status.UNSUBSCRIBED,
        waiting[1].pk: BackInStockRequest.Status.UNSUBSCRIBED,
        someone_else.pk: WAITING,
    }
    assert "Done: 2 waiting requests for ann@example.com were stopped." in done.content.decode()
    assert "Done: no back-in-stock email is waiting for ann@example.com any more." in again.content.decode()


@pytest.mark.django_db
def test_a_one_click_unsubscribe_from_a_mail_client_needs_no_csrf_token():
    from django.test import Client

    stock_request = ask("ann@example.com", sold_out_variant())

    response = Client(enforce_csrf_checks=True).post(
        unsubscribe_url(stock_request), {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    assert BackInStockRequest.objects.get().status == BackInStockRequest.Status.UNSUBSCRIBED


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["garbage", "MQ:1abcde:forged", "x" * 3000, "%E2%80%AE"])
def test_a_bad_unsubscribe_token_gets_a_clear_404(client, token):
    stock_request = ask("ann@example.com", sold_out_variant())

    response = client.post(f"/back-in-stock/unsubscribe/{token}/")

    assert response.status_code == 404
    assert "This unsubscribe link is not valid." in response.content.decode()
    assert BackInStockRequest.objects.get(pk=stock_request.pk).status == WAITING


@pytest.mark.django_db
def test_a_token_for_a_deleted_request_gets_a_clear_404(client):
    stock_request = ask("ann@example.com", sold_out_variant())
    url = unsubscribe_url(stock_request)
    stock_request.delete()

    response = client.get(url)

    assert response.status_code == 404
