"""Mail server outage: every kind of shop email waits in the queue and is delivered once, later.

A real SMTP server (aiosmtpd) on a local port that is first closed, then open;
the real worker (db_worker) sends; the clock is moved on by making the
retries due, as the worker would find them after their back-off.
"""

import uuid

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.services import user_sign_up
from orders.models import OutboundEmail
from orders.services import order_place
from support.models import Message, Notification
from support.services import ticket_open_from_form
from tests.factories import VariantFactory
from tests.helpers import LocalSmtpServer, free_port, run_tasks, use_smtp
from tests.orders.helpers import cart_with, checkout_data

pytestmark = pytest.mark.django_db(transaction=True)


def make_retries_due() -> int:
    return DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def test_orders_accounts_and_support_mail_queue_during_an_outage_and_arrive_once_after_it(settings):
    settings.ORDERS_NOTIFY_EMAIL = "orders@shop.example"
    settings.SUPPORT_NOTIFY_EMAIL = "helpdesk@shop.example"
    port = free_port()
    use_smtp(settings, port)
    variant = VariantFactory(stock=5)
    order = order_place(
        cart=cart_with((variant, 1)), checkout=checkout_data(email="ann@example.com"), token=uuid.uuid4()
    )
    user_sign_up(email="ben@example.com", password="a-long-pass-phrase", full_name="Ben", language="en")
    ticket = ticket_open_from_form(
        email="cat@example.com", name="Cat", subject="Where is my parcel?", body="Hello.", language="en"
    )

    run_tasks()  # nothing listens on the port: every send fails and is queued again
    waiting = DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now()).count()
    server = LocalSmtpServer(port)
    server.start()
    try:
        run_tasks()  # the retries are not due yet
        early = len(server.messages)
        make_retries_due()
        run_tasks()
        make_retries_due()
        run_tasks()  # nothing is left to send twice
    finally:
        server.stop()

    assert waiting == 4  # the order's two emails wait in one task
    assert early == 0
    recipients = sorted(message["To"] for message in server.messages)
    assert recipients == [
        "ann@example.com",
        "ben@example.com",
        "cat@example.com",
        "helpdesk@shop.example",
        "orders@shop.example",
    ]
    subjects = {message["To"]: message["Subject"] for message in server.messages}
    assert subjects["ann@example.com"] == f"Your order {order.number} at Maple & Pine"
    assert subjects["orders@shop.example"].startswith(f"New order {order.number}")
    assert ticket.reference in subjects["cat@example.com"]
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {("sent", 2)}
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND)
    assert set(outbound.values_list("delivery_status", "attempts")) == {("sent", 2)}
    assert set(Notification.objects.values_list("delivery_status", "attempts")) == {("sent", 2)}
    assert DBTaskResult.objects.filter(status="READY").count() == 0
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
