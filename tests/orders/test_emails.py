import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.emails import order_email_build
from orders.models import OutboundEmail, Shipment
from orders.services import order_cancel, order_mark_paid, order_place, order_refund, order_ship
from orders.tasks import send_order_emails
from tests.factories import CarrierFactory, OrderFactory, OrderLineFactory, ProductFactory, VariantFactory
from tests.orders.helpers import (
    LocalSmtpServer,
    cart_with,
    checkout_data,
    free_port,
    run_tasks,
    use_smtp,
)


def run_email(email: OutboundEmail) -> str:
    """Run the queued task of this email in-process (the body the worker runs)."""
    return send_order_emails.call(order_id=email.order_id, email_ids=[email.pk])


@pytest.mark.django_db
def test_confirmation_email_has_lines_totals_payment_instructions_and_the_token_link(settings):
    settings.SITE_URL = "https://shop.example"
    settings.SHOP_BANK_ACCOUNT_NUMBER = "6222 0000 1111 2222"
    order = OrderFactory(
        full_name="Ann Lee",
        subtotal=Decimal("99.80"),
        shipping_total=Decimal("0.00"),
        grand_total=Decimal("99.80"),
    )
    OrderLineFactory(
        order=order,
        product_name="Linen Shirt & Tie",
        sku="SHIRT-M",
        unit_price=Decimal("49.90"),
        quantity=2,
        line_total=Decimal("99.80"),
    )

    message = order_email_build(order=order, kind="confirmation", to_email=order.email, language="en")

    html = message.alternatives[0][0]
    assert message.subject == f"Your order {order.number} at Maple & Pine"
    assert message.to == [order.email]
    assert message.extra_headers["Content-Language"] == "en"
    assert "Hello Ann Lee," in message.body
    assert "2 x Linen Shirt & Tie [SHIRT-M]: ¥99.80" in message.body
    assert "6222 0000 1111 2222" in message.body
    assert f"https://shop.example/orders/{order.number}/?token={order.access_token}" in message.body
    assert "Linen Shirt &amp; Tie" in html
    assert f'href="https://shop.example/orders/{order.number}/?token={order.access_token}"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "subject", "phrase"),
    [
        ("paid", "Payment received for order {number}", "We have received your payment of ¥31.99"),
        ("shipped", "Your order {number} is on its way", "Tracking number: SF123"),
        ("cancelled", "Your order {number} has been cancelled", "No payment was taken for this order."),
        ("refunded", "Refund for order {number}", "is now refunded in full: ¥31.99 in all"),
        ("staff_new_order", "New order {number}: ¥31.99", "was placed by Ann Lee (ann@example.com)."),
    ],
)
def test_each_order_email_says_what_happened(kind, subject, phrase):
    order = OrderFactory(full_name="Ann Lee", email="ann@example.com")
    Shipment.objects.create(
        order=order, carrier=CarrierFactory(), carrier_name="SF Express", tracking_number="SF123"
    )

    message = order_email_build(order=order, kind=kind, to_email="x@example.com", language="en")

    assert message.subject == subject.format(number=order.number)
    assert phrase in message.body


@pytest.mark.django_db
def test_emails_render_in_the_orders_language():
    order = OrderFactory(language="zh-hans")
    Shipment.objects.create(
        order=order, carrier=CarrierFactory(), carrier_name="SF Express", tracking_number="SF1"
    )

    message = order_email_build(order=order, kind="shipped", to_email=order.email, language=order.language)

    assert message.subject == f"您的订单 {order.number} 正在配送途中"
    assert message.extra_headers["Content-Language"] == "zh-hans"
    assert "运单号" in message.body


@pytest.mark.django_db
def test_the_task_sends_the_email_and_records_it():
    variant = VariantFactory(stock=5, product=ProductFactory(name="Teapot"))
    order = order_place(
        cart=cart_with((variant, 1)), checkout=checkout_data(email="ann@example.com"), token=uuid.uuid4()
    )
    confirmation = OutboundEmail.objects.get(order=order, kind="confirmation")

    result = run_email(confirmation)

    confirmation.refresh_from_db()
    assert result == "sent"
    assert [message.to for message in mail.outbox] == [["ann@example.com"]]
    assert confirmation.status == OutboundEmail.Status.SENT
    assert confirmation.attempts == 1
    assert confirmation.subject == mail.outbox[0].subject
    assert confirmation.sent_at is not None


@pytest.mark.django_db
def test_an_email_already_sent_is_never_sent_again():
    order = OrderFactory()
    order_mark_paid(order=order)
    email = OutboundEmail.objects.get(order=order)
    run_email(email)

    again = run_email(email)

    assert again == "skipped"
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_each_state_change_enqueues_its_email():
    order = OrderFactory()
    order_mark_paid(order=order)
    order_ship(order=order, carrier=CarrierFactory(), tracking_number="SF1")
    other = OrderFactory(payment_status="paid")
    order_cancel(order=other)
    order_refund(order=other)

    kind_of = dict(OutboundEmail.objects.values_list("pk", "kind"))
    tasks = DBTaskResult.objects.order_by("enqueued_at")
    kinds = [[kind_of[pk] for pk in task.args_kwargs["kwargs"]["email_ids"]] for task in tasks]

    assert kinds == [["paid"], ["shipped"], ["cancelled"], ["refunded"]]


# Delivery through a real SMTP server, run by the real worker.


@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_confirmation_and_staff_notice_over_smtp_in_the_orders_language(
    settings,
):
    settings.ORDERS_NOTIFY_EMAIL = "orders@shop.example"
    server = LocalSmtpServer(free_port())
    use_smtp(settings, server.port)
    server.start()
    try:
        variant = VariantFactory(stock=5)
        order = order_place(
            cart=cart_with((variant, 1)),
            checkout=checkout_data(email="ann@example.com", language="zh-hans"),
            token=uuid.uuid4(),
        )

        run_tasks()
    finally:
        server.stop()

    received = {message["To"]: message for message in server.messages}
    assert sorted(received) == ["ann@example.com", "orders@shop.example"]
    assert received["ann@example.com"]["Subject"] == f"您在 Maple & Pine 的订单 {order.number}"
    assert received["ann@example.com"]["Content-Language"] == "zh-hans"
    assert received["orders@shop.example"]["Subject"].startswith(f"New order {order.number}")
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


@pytest.mark.django_db(transaction=True)
def test_mail_server_down_then_up_delivers_once_after_a_retry(settings):
    port = free_port()
    use_smtp(settings, port)
    order = OrderFactory(email="ann@example.com")
    order_mark_paid(order=order)
    email = OutboundEmail.objects.get(order=order)

    run_tasks()  # nothing listens on the port yet

    email.refresh_from_db()
    retry = DBTaskResult.objects.get(status="READY")
    assert email.status == OutboundEmail.Status.RETRYING
    assert email.attempts == 1
    assert "Connection refused" in email.last_error or "ConnectionRefused" in email.last_error
    assert retry.args_kwargs["kwargs"] == {"order_id": order.pk, "email_ids": [email.pk], "attempt": 2}
    assert timedelta(minutes=1) < retry.run_after - timezone.now() <= timedelta(minutes=2)

    server = LocalSmtpServer(port)
    server.start()
    try:
        run_tasks()  # too early: the retry waits for its back-off
        early = len(server.messages)
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # the clock moves on
        run_tasks()
        run_tasks()
    finally:
        server.stop()

    email.refresh_from_db()
    assert early == 0
    assert len(server.messages) == 1
    assert server.messages[0]["Subject"] == f"Payment received for order {order.number}"
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 2


class RefusingSmtpServer(LocalSmtpServer):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such user here"


@pytest.mark.django_db(transaction=True)
def test_a_permanent_failure_is_marked_failed_and_visible(settings):
    server = RefusingSmtpServer(free_port())
    use_smtp(settings, server.port)
    order = OrderFactory(email="nobody@example.com")
    order_mark_paid(order=order)

    server.start()
    try:
        run_tasks()
    finally:
        server.stop()

    email = OutboundEmail.objects.get(order=order)
    assert email.status == OutboundEmail.Status.FAILED
    assert "No such user" in email.last_error
    assert DBTaskResult.objects.get().status == "FAILED"


@pytest.mark.django_db(transaction=True)
def test_after_the_last_attempt_a_transient_failure_is_given_up_and_visible(settings):
    settings.EMAIL_MAX_ATTEMPTS = 2
    use_smtp(settings, free_port())
    order = OrderFactory()
    order_mark_paid(order=order)

    run_tasks()
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_tasks()

    email = OutboundEmail.objects.get(order=order)
    assert (email.status, email.attempts) == (OutboundEmail.Status.FAILED, 2)
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED", "SUCCESSFUL"]


@pytest.mark.django_db(transaction=True)
def test_a_placed_orders_two_emails_are_retried_together_by_one_task_while_mail_is_down(settings):
    settings.ORDERS_NOTIFY_EMAIL = "orders@shop.example"
    use_smtp(settings, free_port())  # nothing listens there
    order = order_place(
        cart=cart_with((VariantFactory(stock=3), 1)), checkout=checkout_data(), token=uuid.uuid4()
    )

    run_tasks()

    emails = OutboundEmail.objects.filter(order=order)
    retry = DBTaskResult.objects.get(status="READY")
    assert {(email.status, email.attempts) for email in emails} == {(OutboundEmail.Status.RETRYING, 1)}
    assert sorted(retry.args_kwargs["kwargs"]["email_ids"]) == sorted(email.pk for email in emails)
    assert retry.args_kwargs["kwargs"]["attempt"] == 2


class RefusingOneRecipientSmtpServer(LocalSmtpServer):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "nobody@example.com":
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.django_db(transaction=True)
def test_one_refused_email_of_an_order_still_lets_the_other_go_out(settings):
    settings.ORDERS_NOTIFY_EMAIL = "orders@shop.example"
    server = RefusingOneRecipientSmtpServer(free_port())
    use_smtp(settings, server.port)
    order = order_place(
        cart=cart_with((VariantFactory(stock=3), 1)),
        checkout=checkout_data(email="nobody@example.com"),
        token=uuid.uuid4(),
    )

    server.start()
    try:
        run_tasks()
    finally:
        server.stop()

    statuses = dict(OutboundEmail.objects.filter(order=order).values_list("kind", "status"))
    assert statuses == {"confirmation": "failed", "staff_new_order": "sent"}
    assert [envelope[1] for envelope in server.envelopes] == [["orders@shop.example"]]
    assert DBTaskResult.objects.get().status == "FAILED"  # the failure shows on the task too
