"""Back in stock: the notify-me form, one email per request when stock returns, unsubscribing."""

import re
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from catalog.emails import back_in_stock_email_build, back_in_stock_unsubscribe_token
from catalog.models import BackInStockRequest, Product, Variant
from catalog.recommendations import (
    BACK_IN_STOCK_MAX_WAITING,
    TooManyWaiting,
    VariantInStock,
    VariantUnavailable,
    back_in_stock_request_create,
    back_in_stock_requests_notify,
)
from orders.services import order_cancel, order_place
from tests.factories import CategoryFactory, ProductFactory, StaffUserFactory, UserFactory, VariantFactory
from tests.helpers import LocalSmtpServer, free_port, run_tasks, staff_login, use_smtp
from tests.orders.helpers import cart_with, checkout_data

WAITING = BackInStockRequest.Status.PENDING
NOTIFIED = BackInStockRequest.Status.NOTIFIED


def sold_out_variant(**product_fields) -> Variant:
    product = ProductFactory(name="Silver Needle", slug="silver-needle", **product_fields)
    return VariantFactory(product=product, sku="SN-100", options={"Size": "100 g"}, stock=0)


def notify_url(variant: Variant) -> str:
    return reverse("catalog:back_in_stock_request", kwargs={"slug": variant.product.slug})


def ask(email: str, variant: Variant, *, language: str = "en") -> BackInStockRequest:
    stock_request, _created = back_in_stock_request_create(
        variant_id=variant.pk, email=email, language=language
    )
    return stock_request


def restock(variant: Variant, stock: int) -> None:
    variant.stock = stock
    variant.save()


# The form on the product page -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_sold_out_option_gets_a_notify_me_form_listing_only_sold_out_options(client):
    variant = sold_out_variant()
    VariantFactory(product=variant.product, sku="SN-50", options={"Size": "50 g"}, stock=4)

    html = client.get(variant.product.get_absolute_url()).content.decode()

    form = html.split('class="form back-in-stock-form"', 1)[1].split("</form>", 1)[0]
    assert f'action="{notify_url(variant)}"' in html
    assert f'<option value="{variant.pk}">Size: 100 g</option>' in form
    assert "50 g" not in form
    assert 'name="email" value=""' in form


@pytest.mark.django_db
def test_a_product_in_stock_has_no_notify_me_form(client):
    variant = VariantFactory(stock=3)

    html = client.get(variant.product.get_absolute_url()).content.decode()

    assert "back-in-stock-form" not in html


@pytest.mark.django_db
def test_a_shopper_leaves_an_email_and_is_thanked(client):
    variant = sold_out_variant()

    response = client.post(
        notify_url(variant), {"variant": variant.pk, "email": " Ann@Example.com "}, follow=True
    )

    stock_request = BackInStockRequest.objects.get()
    assert response.redirect_chain == [(variant.product.get_absolute_url(), 302)]
    assert (
        "Thank you. We will email Ann@Example.com once, when it is back in stock."
        in response.content.decode()
    )
    assert (stock_request.variant, stock_request.email, stock_request.status, stock_request.language) == (
        variant,
        "ann@example.com",
        WAITING,
        "en",
    )


@pytest.mark.django_db
def test_a_signed_in_shopper_finds_their_address_filled_in_and_may_leave_it_empty(client):
    variant = sold_out_variant()
    user = UserFactory(email="lena@example.com")
    client.force_login(user)

    page = client.get(variant.product.get_absolute_url()).content.decode()
    client.post(notify_url(variant), {"variant": variant.pk, "email": ""})
    anonymous_page = type(client)().get(variant.product.get_absolute_url()).content.decode()

    assert 'name="email" value="lena@example.com"' in page
    assert "lena@example.com" not in anonymous_page
    assert list(BackInStockRequest.objects.values_list("email", "user")) == [("lena@example.com", user.pk)]


@pytest.mark.django_db
def test_asking_twice_with_the_same_address_makes_one_request(client):
    variant = sold_out_variant()

    client.post(notify_url(variant), {"variant": variant.pk, "email": "ann@example.com"})
    client.post(notify_url(variant), {"variant": variant.pk, "email": "ANN@example.com"})

    assert BackInStockRequest.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "ann@example.com"}, "Choose the option you are waiting for."),
        ({"variant": "abc", "email": "ann@example.com"}, "That option is not sold here."),
        ({"variant": "99999999999999999999", "email": "ann@example.com"}, "That option is not sold here."),
        ({"variant": "{variant}", "email": "not an address"}, "Enter a valid email address."),
        ({"variant": "{variant}", "email": ""}, "Enter your email address so we can tell you."),
        ({"variant": "{variant}", "email": "a" * 250 + "@example.com"}, "at most 254 characters"),
    ],
)
def test_bad_notify_me_input_is_refused_with_a_message(client, data, message):
    variant = sold_out_variant()
    data = {name: value.format(variant=variant.pk) for name, value in data.items()}

    response = client.post(notify_url(variant), data, follow=True)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert BackInStockRequest.objects.count() == 0


@pytest.mark.django_db
def test_a_variant_of_another_product_is_refused(client):
    variant = sold_out_variant()
    other = VariantFactory(stock=0)

    response = client.post(
        notify_url(variant), {"variant": other.pk, "email": "ann@example.com"}, follow=True
    )

    assert "That option is not sold here." in response.content.decode()
    assert BackInStockRequest.objects.count() == 0


@pytest.mark.django_db
def test_an_option_back_in_stock_meanwhile_needs_no_request(client):
    variant = VariantFactory(stock=2)

    response = client.post(
        notify_url(variant), {"variant": variant.pk, "email": "ann@example.com"}, follow=True
    )

    assert "Good news: that option is in stock now." in response.content.decode()
    assert BackInStockRequest.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["inactive product", "hidden category", "unknown slug"])
def test_notify_me_for_a_product_nobody_may_see_is_404(client, state):
    variant = sold_out_variant(
        is_active=state != "inactive product", category=CategoryFactory(is_active=state != "hidden category")
    )
    url = notify_url(variant) if state != "unknown slug" else "/products/nothing-here/notify/"

    response = client.post(url, {"variant": variant.pk, "email": "ann@example.com"})

    assert response.status_code == 404
    assert BackInStockRequest.objects.count() == 0


@pytest.mark.django_db
def test_notify_me_answers_get_with_405(client):
    variant = sold_out_variant()

    assert client.get(notify_url(variant)).status_code == 405


# The service ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_withdrawn_variant_takes_no_request():
    variant = sold_out_variant()
    variant.is_active = False
    variant.save()

    with pytest.raises(VariantUnavailable):
        ask("ann@example.com", variant)
    with pytest.raises(VariantUnavailable):
        back_in_stock_request_create(variant_id=variant.pk + 1000, email="ann@example.com", language="en")

    assert BackInStockRequest.objects.count() == 0


@pytest.mark.django_db
def test_a_variant_in_stock_takes_no_request():
    variant = VariantFactory(stock=1)

    with pytest.raises(VariantInStock):
        ask("ann@example.com", variant)

    assert BackInStockRequest.objects.count() == 0


@pytest.mark.django_db
def test_one_address_may_wait_for_at_most_twenty_variants(client):
    for _ in range(BACK_IN_STOCK_MAX_WAITING):
        ask("ann@example.com", VariantFactory(stock=0))
    variant = sold_out_variant()

    response = client.post(
        notify_url(variant), {"variant": variant.pk, "email": "ann@example.com"}, follow=True
    )
    again = ask("ann@example.com", BackInStockRequest.objects.first().variant)
    other_address = ask("lee@example.com", variant)

    assert "This address is already waiting for 20 sold-out products." in response.content.decode()
    assert not variant.back_in_stock_requests.filter(email="ann@example.com").exists()
    assert again.status == WAITING
    assert other_address.status == WAITING
    with pytest.raises(TooManyWaiting):
        ask("ANN@example.com", variant)


@pytest.mark.django_db(transaction=True)
def test_a_request_racing_a_restock_is_either_refused_or_notified():
    variant = sold_out_variant()
    outcomes = []
    barrier = threading.Barrier(2)

    def shopper() -> None:
        try:
            barrier.wait()
            ask("ann@example.com", variant)
            outcomes.append("asked")
        except VariantInStock:
            outcomes.append("in stock")
        finally:
            connection.close()

    def staff() -> None:
        try:
            barrier.wait()
            restock(Variant.objects.get(pk=variant.pk), 5)
        finally:
            connection.close()

    threads = [threading.Thread(target=shopper), threading.Thread(target=staff)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = list(BackInStockRequest.objects.values_list("status", flat=True))
    assert outcomes in (["asked"], ["in stock"])
    assert statuses == ([NOTIFIED] if outcomes == ["asked"] else [])


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_once_make_one():
    variant = sold_out_variant()
    barrier = threading.Barrier(2)
    made = []

    def shopper() -> None:
        try:
            barrier.wait()
            made.append(ask("ann@example.com", variant).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=shopper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert BackInStockRequest.objects.count() == 1
    assert made == [BackInStockRequest.objects.get().pk] * 2


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

    unsubscribe = "https://shop.example" + reverse(
        "catalog:back_in_stock_unsubscribe",
        kwargs={"token": back_in_stock_unsubscribe_token(stock_request=stock_request)},
    )
    html = message.alternatives[0][0]
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


# Admin ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_see_requests_and_demand_per_variant(client):
    staff_login(client, StaffUserFactory())
    wanted = sold_out_variant()
    ask("ann@example.com", wanted)
    ask("lee@example.com", wanted)
    notified = ask("kim@example.com", VariantFactory(sku="MUG-1", stock=0))
    restock(notified.variant, 1)
    VariantFactory(sku="NOBODY-WANTS", stock=0)

    requests_page = client.get(reverse("admin:catalog_backinstockrequest_changelist")).content.decode()
    demand_page = client.get(reverse("admin:catalog_backinstockvariant_changelist")).content.decode()
    filtered = client.get(
        reverse("admin:catalog_backinstockrequest_changelist") + f"?variant__id__exact={wanted.pk}"
    ).content.decode()

    assert "ann@example.com" in requests_page and "kim@example.com" in requests_page
    rows = re.findall(r"<tr>.*?</tr>", demand_page, flags=re.S)
    assert [
        re.search(r"SN-100|MUG-1", row).group(0) for row in rows if "SN-100" in row or "MUG-1" in row
    ] == [
        "SN-100",
        "MUG-1",
    ]
    assert '<td class="field-waiting">2</td>' in demand_page
    assert '<td class="field-notified">1</td>' in demand_page
    assert "NOBODY-WANTS" not in demand_page
    assert "kim@example.com" not in filtered and "ann@example.com" in filtered
