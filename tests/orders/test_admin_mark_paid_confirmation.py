"""The order list's money actions ask first: a page of what will change, what is left out and why."""

import re
from functools import partial

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from orders.models import Order, OrderEvent, OutboundEmail
from shop.models import AuditEvent
from tests.factories import StaffUserFactory
from tests.helpers import run_together, staff_login
from tests.orders.admin_helpers import order_in, staff_with, state

CHANGELIST = reverse("admin:orders_order_changelist")


def choose_action(client, action: str, orders: list[Order]):
    """Pick the action in the list's action bar and press Go."""
    payload = {"action": action, ACTION_CHECKBOX_NAME: [order.pk for order in orders], "index": 0}
    return client.post(CHANGELIST, payload)


def confirm(client, action: str, orders: list[Order], **data):
    """Press the confirmation page's button (it posts the listed orders back, without ``index``)."""
    payload = {"action": action, ACTION_CHECKBOX_NAME: [order.pk for order in orders], "confirmed": "yes"}
    return client.post(CHANGELIST, {**payload, **data})


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def posted_back(response) -> list[int]:
    """The order ids the confirmation page's form sends back."""
    pattern = rf'name="{ACTION_CHECKBOX_NAME}" value="(\d+)"'
    return [int(pk) for pk in re.findall(pattern, response.content.decode())]


def audited_paid() -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(action=AuditEvent.Action.ORDER_MARKED_PAID)
        .order_by("id")
        .values_list("actor_email", "target")
    )


@pytest.mark.django_db
def test_choosing_mark_paid_lists_what_will_be_paid_and_what_is_left_out_and_changes_nothing(client, staff):
    first = order_in(Order.Status.PENDING_PAYMENT, full_name="Chen Wei")
    second = order_in(Order.Status.PENDING_PAYMENT)
    paid = order_in(Order.Status.AWAITING_SHIPMENT)
    cancelled = order_in(Order.Status.CANCELLED)
    before = [state(order) for order in (first, second, paid, cancelled)]

    response = choose_action(client, "mark_paid_selected", [first, second, paid, cancelled])

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["orders"] == [first, second]
    assert [(order, str(reason)) for order, reason in response.context["skipped"]] == [
        (paid, "This order has already been paid."),
        (cancelled, "A cancelled order cannot be marked as paid."),
    ]
    assert "Apply “Mark as paid” to these 2 orders?" in page
    assert "Chen Wei" in page and "¥31.99" in page
    assert posted_back(response) == [first.pk, second.pk]
    assert '<input type="hidden" name="confirmed" value="yes">' in page
    assert [state(order) for order in (first, second, paid, cancelled)] == before
    assert audited_paid() == []


@pytest.mark.django_db
def test_confirming_marks_the_listed_orders_paid_with_an_audit_record_each(client, staff):
    first = order_in(Order.Status.PENDING_PAYMENT)
    second = order_in(Order.Status.PENDING_PAYMENT)

    response = confirm(client, "mark_paid_selected", [first, second], note="Seen in the bank statement")

    first.refresh_from_db()
    second.refresh_from_db()
    assert response.status_code == 302
    assert (first.payment_status, second.payment_status) == ("paid", "paid")
    assert first.events.get(kind=OrderEvent.Kind.PAID).note == "Seen in the bank statement"
    assert first.events.get(kind=OrderEvent.Kind.PAID).actor == staff
    assert audited_paid() == [
        ("clerk@example.com", f"order {first.number}"),
        ("clerk@example.com", f"order {second.number}"),
    ]
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.PAID).count() == 2
    assert messages_of(response) == [f"2 orders marked as paid: {first.number}, {second.number}."]


@pytest.mark.django_db
def test_confirming_an_order_paid_meanwhile_reports_it_and_pays_nothing_twice(client, staff):
    order = order_in(Order.Status.PENDING_PAYMENT)
    choose_action(client, "mark_paid_selected", [order])
    confirm(client, "mark_paid_selected", [order])
    client.get(CHANGELIST)  # the list shows (and uses up) the first confirmation's message

    again = confirm(client, "mark_paid_selected", [order])

    assert again.status_code == 302
    assert messages_of(again) == [f"{order.number}: This order has already been paid."]
    assert order.events.filter(kind=OrderEvent.Kind.PAID).count() == 1
    assert len(audited_paid()) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("confirmed", [None, "no", "YES"])
def test_only_the_confirmation_flag_acts(client, staff, confirmed):
    order = order_in(Order.Status.PENDING_PAYMENT)
    before = state(order)
    flag = {} if confirmed is None else {"confirmed": confirmed}

    response = client.post(
        CHANGELIST, {"action": "mark_paid_selected", ACTION_CHECKBOX_NAME: [order.pk], **flag}
    )

    assert response.status_code == 200
    assert response.context["orders"] == [order]
    assert state(order) == before
    assert audited_paid() == []


@pytest.mark.django_db
def test_going_back_from_the_confirmation_page_changes_nothing(client, staff):
    order = order_in(Order.Status.PENDING_PAYMENT)
    before = state(order)
    page = choose_action(client, "mark_paid_selected", [order]).content.decode()

    back = client.get(CHANGELIST)

    assert f'<a class="button cancel-link" href="{CHANGELIST}">No, go back</a>' in page
    assert back.status_code == 200
    assert state(order) == before
    assert audited_paid() == []


@pytest.mark.django_db
def test_with_nothing_to_mark_paid_the_page_only_says_why(client, staff):
    paid = order_in(Order.Status.AWAITING_SHIPMENT)

    response = choose_action(client, "mark_paid_selected", [paid])

    page = response.content.decode()
    assert response.status_code == 200
    assert "None of the selected orders can take this step now." in page
    assert "This order has already been paid." in page
    assert posted_back(response) == []
    assert 'name="confirmed"' not in page


@pytest.mark.django_db
@pytest.mark.parametrize("step", [choose_action, confirm])
@pytest.mark.parametrize("action", ["mark_paid_selected", "cancel_selected", "refund_selected"])
def test_staff_without_the_refund_permission_are_refused_with_403(client, step, action):
    staff_login(client, staff_with("view_order", "change_order"))
    unpaid = order_in(Order.Status.PENDING_PAYMENT)
    paid = order_in(Order.Status.AWAITING_SHIPMENT)
    before = [state(unpaid), state(paid)]

    response = step(client, action, [unpaid, paid])

    assert response.status_code == 403
    assert [state(unpaid), state(paid)] == before
    assert audited_paid() == []


@pytest.mark.django_db
def test_the_refund_page_lists_unpaid_orders_as_left_out_with_the_reason(client, staff):
    paid = order_in(Order.Status.AWAITING_SHIPMENT)
    unpaid = order_in(Order.Status.PENDING_PAYMENT)

    response = choose_action(client, "refund_selected", [paid, unpaid])

    assert response.context["orders"] == [paid]
    assert [(order, str(reason)) for order, reason in response.context["skipped"]] == [
        (unpaid, "Only a paid order can be refunded.")
    ]
    assert posted_back(response) == [paid.pk]


@pytest.mark.django_db
def test_the_cancel_page_lists_shipped_and_cancelled_orders_as_left_out(client, staff):
    unpaid = order_in(Order.Status.PENDING_PAYMENT)
    shipped = order_in(Order.Status.SHIPPED)
    cancelled = order_in(Order.Status.CANCELLED)

    response = choose_action(client, "cancel_selected", [unpaid, shipped, cancelled])

    assert response.context["orders"] == [unpaid]
    assert [(order, str(reason)) for order, reason in response.context["skipped"]] == [
        (shipped, "A shipped order cannot be cancelled."),
        (cancelled, "This order is already cancelled."),
    ]


@pytest.mark.django_db
def test_the_confirmation_page_in_chinese(client, staff):
    order = order_in(Order.Status.PENDING_PAYMENT)
    paid = order_in(Order.Status.AWAITING_SHIPMENT)

    response = client.post(
        CHANGELIST,
        {"action": "mark_paid_selected", ACTION_CHECKBOX_NAME: [order.pk, paid.pk], "index": 0},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    page = response.content.decode()
    assert "对这 1 个订单执行“标记为已付款”？" in page  # noqa: RUF001
    assert "以下 1 个所选订单不在此次操作之列，保持不变：" in page  # noqa: RUF001
    assert "此订单已付款。" in page


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_mark_the_order_paid_once():
    staff = StaffUserFactory(email="clerk@example.com")
    order = order_in(Order.Status.PENDING_PAYMENT)
    clients = [Client(), Client()]
    for each in clients:
        staff_login(each, staff)

    responses = run_together(*(partial(confirm, each, "mark_paid_selected", [order]) for each in clients))

    order.refresh_from_db()
    outcomes = sorted(messages_of(response)[0] for response in responses)
    assert order.payment_status == Order.PaymentStatus.PAID
    assert outcomes == [
        f"1 order marked as paid: {order.number}.",
        f"{order.number}: This order has already been paid.",
    ]
    assert order.events.filter(kind=OrderEvent.Kind.PAID).count() == 1
    assert OutboundEmail.objects.filter(order=order, kind=OutboundEmail.Kind.PAID).count() == 1
    assert audited_paid() == [("clerk@example.com", f"order {order.number}")]
