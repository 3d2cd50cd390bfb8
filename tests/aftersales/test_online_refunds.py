"""Refunds of online payments through the fake gateway: settled now, later by sync_payments, or refused."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from aftersales.exceptions import RefundNotPossible, StepNotAllowed
from aftersales.services import after_sales_refund
from orders.emails import order_email_build
from orders.models import Order
from payments.models import Payment, Refund
from payments.services import payment_refund
from tests.aftersales.helpers import ask, delivered, fresh, received, staff
from tests.factories import StaffUserFactory
from tests.helpers import run_together, staff_login
from tests.payments.conftest import fake_gateway, fakepay_placed, shipping, variant  # noqa: F401 (fixtures)
from tests.payments.core.fake_gateway import BANK, NOTIFY_URL, notification

pytestmark = pytest.mark.usefixtures("fake_gateway")


@pytest.fixture
def paid_online(client, fakepay_placed):  # noqa: F811 (the imported fixture)
    """A guest order of one tea set (¥88 + ¥12 shipping) paid with FakePay, shipped and received."""
    order, payment, _response = fakepay_placed
    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))
    order = delivered(Order.objects.get(pk=order.pk), paid=False)
    assert order.payment_status == "paid"
    return order, Payment.objects.get(pk=payment.pk)


def _received_return(order):
    return received(ask(order, lines={"Tea Set": 1}))


def _age_refunds(settings) -> None:
    Refund.objects.update(created_at=Refund.objects.get().created_at - settings.PAYMENT_SYNC_AFTER * 2)


@pytest.mark.django_db
def test_a_gateway_refund_that_succeeds_refunds_the_request_the_payment_and_the_order(paid_online):
    order, payment = paid_online
    request = _received_return(order)

    request = after_sales_refund(request=request, actor=staff())

    refund = Refund.objects.get()
    payment.refresh_from_db()
    assert (request.status, request.refund_amount, request.refund_shipping) == (
        "refunded",
        Decimal("100.00"),
        Decimal("12.00"),
    )
    assert request.refund_id == refund.pk
    assert request.refund_reference == refund.reference == f"{payment.reference}-R1"
    assert (refund.status, refund.amount, refund.gateway_reference) == (
        "succeeded",
        Decimal("100.00"),
        f"fr_{refund.reference}",
    )
    assert BANK.refunds == {refund.reference: Decimal("100.00")}
    assert payment.amount_refunded == Decimal("100.00")
    # One email for the refund, once the gateway confirmed it.
    steps = list(
        order.emails.filter(kind="after_sales").order_by("id").values_list("detail__status", flat=True)
    )
    assert steps[-2:] == ["received", "refunded"]
    assert Order.objects.get(pk=order.pk).payment_status == "refunded"


@pytest.mark.django_db
def test_a_refund_sent_while_the_gateway_is_down_stays_in_progress_until_sync_settles_it(
    paid_online, settings
):
    order, payment = paid_online
    request = _received_return(order)
    BANK.down = True

    request = after_sales_refund(request=request, actor=staff())

    refund = Refund.objects.get()
    assert (request.status, refund.status) == ("refunding", "pending")
    assert request.refund_id == refund.pk
    # The bank took the refund after all; its answer only comes back to sync_payments.
    BANK.down = False
    BANK.refunds[refund.reference] = refund.amount
    _age_refunds(settings)

    call_command("sync_payments")

    request = fresh(request)
    payment.refresh_from_db()
    assert request.status == "refunded"
    assert payment.amount_refunded == Decimal("100.00")
    assert list(request.events.order_by("id").values_list("to_status", flat=True))[-2:] == [
        "refunding",
        "refunded",
    ]


@pytest.mark.django_db
def test_a_refund_the_gateway_refuses_puts_the_request_back_to_received_with_the_error(paid_online, settings):
    order, payment = paid_online
    request = _received_return(order)
    BANK.down = True
    after_sales_refund(request=request, actor=staff())
    BANK.down = False  # the bank never saw it: its answer is "unknown refund"
    _age_refunds(settings)
    emails = order.emails.filter(kind="after_sales").count()

    call_command("sync_payments")

    request = fresh(request)
    payment.refresh_from_db()
    assert request.status == "received"
    assert (request.refund_id, request.refund_reference, request.refund_amount) == (None, "", None)
    assert not request.lines.exclude(refund_amount=0).exists()
    assert "unknown refund" in request.events.order_by("-id").first().note
    assert payment.amount_refunded == Decimal("0.00")
    # The customer is told the refund did not go through, and never that it did.
    [failed] = order.emails.filter(kind="after_sales").order_by("id")[emails:]
    assert (failed.detail["status"], failed.detail["step"], failed.detail["amount"]) == (
        "received",
        "refund_failed",
        "100.00",
    )
    message = order_email_build(
        order=order, kind=failed.kind, to_email=failed.to_email, language="en", detail=failed.detail
    )
    assert "Refund not completed" in message.subject
    assert "We could not complete the refund of ¥100.00" in message.body
    assert not order.emails.filter(kind="after_sales", detail__status="refunded").exists()
    # Staff may try again: the gateway is up now.
    assert after_sales_refund(request=request, actor=staff()).status == "refunded"
    assert Refund.objects.filter(status="succeeded").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_refunding_at_once_make_one_refund_and_one_gateway_call(paid_online):
    order, _payment = paid_online
    request = _received_return(order)
    actor = staff()

    def refund():
        try:
            return after_sales_refund(request=fresh(request), actor=actor).status
        except StepNotAllowed:
            return "refused"

    assert sorted(run_together(refund, refund)) == ["refunded", "refused"]
    assert Refund.objects.count() == 1
    assert BANK.calls.count("refund") == 1
    assert fresh(request).status == "refunded"


@pytest.mark.django_db
def test_a_refund_never_gives_back_more_than_is_left_after_a_refund_made_from_the_payment(paid_online):
    order, payment = paid_online
    payment_refund(payment=payment, amount=Decimal("60.00"), reason="Goodwill")
    request = _received_return(order)

    request = after_sales_refund(request=request, actor=staff())

    payment.refresh_from_db()
    assert (request.status, request.refund_amount) == ("refunded", Decimal("40.00"))
    # The parts stored add up to what went back: the goods take it first, no shipping is left.
    assert request.lines.get().refund_amount == Decimal("40.00")
    assert request.refund_shipping == Decimal("0.00")
    assert payment.amount_refunded == Decimal("100.00")
    assert Order.objects.get(pk=order.pk).payment_status == "refunded"


@pytest.mark.django_db
def test_nothing_is_refunded_when_the_payment_was_refunded_in_full_already(paid_online):
    order, payment = paid_online
    request = _received_return(order)
    payment_refund(payment=payment, amount=Decimal("100.00"))

    with pytest.raises(RefundNotPossible):
        after_sales_refund(request=request, actor=staff())

    assert fresh(request).status == "received"
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_the_order_page_still_lists_a_request_whose_refund_refunded_the_whole_order(client, paid_online):
    order, _payment = paid_online
    request = after_sales_refund(request=_received_return(order), actor=staff())
    assert Order.objects.get(pk=order.pk).payment_status == "refunded"

    page = client.get(order.get_access_url()).content.decode()

    assert request.number in page
    assert "Refunded" in page
    assert "Request a return, refund or exchange" not in page


@pytest.mark.django_db
def test_the_refund_step_shows_money_sent_back_from_the_payment_outside_after_sales(client, paid_online):
    order, payment = paid_online
    refund = payment_refund(payment=payment, amount=Decimal("30.00"), reason="Goodwill")
    request = _received_return(order)
    staff_login(client, StaffUserFactory(is_superuser=True))

    page = client.get(
        reverse("admin:aftersales_aftersalesrequest_step", args=[request.pk, "refund"])
    ).content.decode()

    assert "Money was already sent back from this order's payment outside after-sales" in page
    assert f"{refund.reference}: ¥30.00" in page and "Goodwill" in page
