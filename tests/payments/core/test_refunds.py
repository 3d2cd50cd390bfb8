"""Refunds through any gateway: the service's limits, pending refunds, and the admin's refund form."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent, OutboundEmail
from orders.services import order_refund
from payments.models import PaymentEvent, Refund
from payments.services import RefundNotAllowed, payment_refund, payments_sync
from tests.factories import StaffUserFactory
from tests.helpers import staff_login
from tests.payments.core.fake_gateway import BANK, NOTIFY_URL, notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_gateway")]


@pytest.fixture
def paid(client, fakepay_placed):
    """The placed order, paid through a verified notification."""
    order, payment, _response = fakepay_placed
    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))
    payment.refresh_from_db()
    return order, payment


def test_partial_then_full_refund_moves_the_order_to_refunded(paid):
    order, payment = paid

    payment_refund(payment=payment, amount=Decimal("30.00"))
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    payment_refund(payment=payment, amount=Decimal("70.00"))

    order.refresh_from_db()
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("100.00")
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.REFUNDED).count() == 1
    assert list(
        OrderEvent.objects.filter(order=order, kind="refunded").values_list("to_state", flat=True)
    ) == [
        "paid",
        "refunded",
    ]


def test_refund_over_what_was_paid_is_refused_and_nothing_is_sent(paid):
    _order, payment = paid
    payment_refund(payment=payment, amount=Decimal("60.00"))

    with pytest.raises(RefundNotAllowed):
        payment_refund(payment=payment, amount=Decimal("40.01"))

    assert BANK.calls.count("refund") == 1
    assert payment.refunds.count() == 1


def test_pending_refunds_count_against_what_may_still_be_refunded(paid):
    _order, payment = paid
    BANK.refunds_pending = True
    pending = payment_refund(payment=payment, amount=Decimal("80.00"))
    assert pending.status == Refund.Status.PENDING

    with pytest.raises(RefundNotAllowed):
        payment_refund(payment=payment, amount=Decimal("30.00"))


def test_refund_notification_completes_a_pending_refund(client, paid):
    order, payment = paid
    BANK.refunds_pending = True
    refund = payment_refund(payment=payment, amount=Decimal("100.00"))

    response = client.post(
        NOTIFY_URL,
        **notification(
            reference=payment.reference,
            amount="100.00",
            kind="refund_succeeded",
            refund_reference=refund.reference,
        ),
    )

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert PaymentEvent.objects.get(kind="notification", verdict="accepted", refund=refund).payment == payment


def test_refund_while_the_gateway_is_down_stays_pending_and_sync_finishes_it(paid):
    _order, payment = paid
    BANK.down = True
    refund = payment_refund(payment=payment, amount=Decimal("25.00"))
    assert refund.status == Refund.Status.PENDING and "down" in refund.error
    BANK.down = False
    BANK.refunds[refund.reference] = Decimal("25.00")  # it did reach the gateway

    payments_sync(older_than=timedelta(0))

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert payment.amount_refunded == Decimal("25.00")


def test_order_manager_refunds_part_of_a_payment_from_the_admin(client, paid):
    order, payment = paid
    staff = StaffUserFactory(is_superuser=False)
    staff.groups.add(Group.objects.get(name="Order managers"))
    staff_login(client, staff)
    url = reverse("admin:payments_payment_refund", args=[payment.pk])

    form = client.get(url)
    too_much = client.post(url, {"amount": "100.01", "reason": "damaged"})
    done = client.post(url, {"amount": "40.00", "reason": "damaged"})

    assert form.status_code == 200 and "¥100.00" in form.content.decode()
    assert too_much.status_code == 400
    assert done.status_code == 302
    refund = payment.refunds.get()
    assert (refund.amount, refund.actor, refund.reason) == (Decimal("40.00"), staff, "damaged")
    order_page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert payment.reference in order_page


def test_admin_refund_needs_the_refund_permission(client, paid):
    _order, payment = paid
    staff = StaffUserFactory(is_superuser=False)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_payment", "view_order"]))
    staff_login(client, staff)

    response = client.post(reverse("admin:payments_payment_refund", args=[payment.pk]), {"amount": "1.00"})

    assert response.status_code == 403, response.get("Location")
    assert not payment.refunds.exists()


def test_order_paid_online_cannot_be_marked_refunded_without_the_gateway(paid):
    order, _payment = paid

    with pytest.raises(InvalidTransition):
        order_refund(order=order)
