"""Starting a payment with any gateway, and the pages around it: the pay button, the QR page, the return.

Through a gateway that lives in the test (tests/payments/core/fake_gateway.py); each real gateway
has its own tests against a stand-in server.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Variant
from orders.models import Order
from payments.models import Payment, PaymentEvent
from payments.selectors import gateway_get
from tests.helpers import run_tasks
from tests.payments.core.fake_gateway import BANK, NOTIFY_URL, PAGE_ORIGIN, notification
from tests.payments.helpers import latest_order, online_checkout

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_gateway")]


def test_checkout_with_an_online_method_goes_straight_to_the_gateway_page(fakepay_placed, settings):
    order, payment, response = fakepay_placed

    assert response.status_code == 302
    assert response["Location"] == f"{PAGE_ORIGIN}/pay/{order.number}-1"
    assert payment.status == Payment.Status.PENDING
    assert (payment.amount, payment.currency, payment.channel) == (Decimal("100.00"), "CNY", "page")
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert Variant.objects.get().stock == 9  # held like any unpaid order
    event = payment.events.get(kind=PaymentEvent.Kind.CHECKOUT)
    assert event.payload["notify_url"] == f"{settings.PAYMENT_NOTIFY_BASE_URL}/payments/notify/fakepay/"
    assert event.payload["return_url"] == f"{settings.SITE_URL}{order.get_access_url()}&payment=returned"
    assert "sign" not in event.payload  # secrets never stored


def test_pay_button_reuses_the_open_attempt_instead_of_starting_a_second(client, fakepay_placed):
    order, payment, _response = fakepay_placed

    response = client.post(f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}")

    assert response["Location"] == payment.redirect_url
    assert order.payments.count() == 1
    assert BANK.calls == ["checkout"]


def test_gateway_down_at_checkout_keeps_the_order_and_offers_to_pay_again(client, variant, shipping):
    BANK.down = True

    response = online_checkout(client, variant=variant, shipping=shipping, method="fakepay")

    order = latest_order()
    assert response["Location"] == order.get_access_url()
    page = client.get(response["Location"]).content.decode()
    assert "FakePay cannot be reached right now" in page
    assert "Pay with FakePay" in page
    assert order.payments.get().status == Payment.Status.FAILED
    BANK.down = False
    retry = client.post(f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}")
    assert retry["Location"] == f"{PAGE_ORIGIN}/pay/{order.number}-2"


def test_pay_for_someone_elses_order_is_a_404(client, fakepay_placed):
    order, _payment, _response = fakepay_placed
    client.cookies.clear()

    response = client.post(reverse("payments:pay", args=[order.number]))

    assert response.status_code == 404


def test_qr_channel_shows_a_qr_code_page_that_refreshes_until_paid(client, fakepay_placed):
    order, _first, _response = fakepay_placed
    pay_url = f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}"

    response = client.post(pay_url, {"channel": "qr"})
    page = client.get(response["Location"])

    payment = order.payments.get(channel="qr")
    assert response["Location"].startswith(reverse("payments:qr", args=[order.number, payment.reference]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    assert 'http-equiv="refresh"' in html
    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))
    assert client.get(response["Location"])["Location"] == order.get_access_url()


def test_checkout_and_order_pages_allow_forms_to_reach_the_gateway(client, fakepay_placed):
    order, _payment, _response = fakepay_placed

    response = client.get(order.get_access_url())

    policy = response["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if "form-action" in part)
    assert PAGE_ORIGIN in form_action and "'self'" in form_action


def test_returning_shopper_sees_waiting_and_is_never_marked_paid_by_the_browser(client, fakepay_placed):
    order, _payment, _response = fakepay_placed

    page = client.get(f"{order.get_access_url()}&payment=returned&status=paid&trade_status=TRADE_SUCCESS")

    html = page.content.decode()
    assert "We are waiting for FakePay to confirm your payment" in html
    assert 'http-equiv="refresh"' in html
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID


def test_notification_before_the_shopper_returns_shows_paid_on_return(client, fakepay_placed):
    order, payment, _response = fakepay_placed
    client.post(NOTIFY_URL, **notification(reference=payment.reference, amount="100.00"))

    html = client.get(f"{order.get_access_url()}&payment=returned").content.decode()

    assert "waiting for FakePay" not in html
    assert "Awaiting shipment" in html


def test_expired_qr_code_is_not_shown_again(client, fakepay_placed):
    order, _first, _response = fakepay_placed
    response = client.post(
        f"{reverse('payments:pay', args=[order.number])}?token={order.access_token}", {"channel": "qr"}
    )
    Payment.objects.filter(channel="qr").update(expires_at=timezone.now() - timedelta(seconds=1))

    page = client.get(response["Location"])

    assert page["Location"] == order.get_access_url()


def test_returning_after_the_attempt_expired_offers_to_pay_again_instead_of_waiting(client, fakepay_placed):
    order, payment, _response = fakepay_placed
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    html = client.get(f"{order.get_access_url()}&payment=returned").content.decode()

    assert "waiting for FakePay" not in html
    assert 'http-equiv="refresh"' not in html
    assert "Pay with FakePay" in html


@pytest.mark.django_db(transaction=True)
def test_confirmation_email_of_an_unpaid_online_order_points_to_the_pay_button(
    client, variant, shipping, mailoutbox
):
    BANK.reset()
    online_checkout(client, variant=variant, shipping=shipping, method="fakepay")

    run_tasks()

    confirmation = next(mail for mail in mailoutbox if "Thank you for your order" in mail.body)
    assert "Not paid yet? Open your order page and choose “Pay with FakePay”" in confirmation.body
    assert latest_order().get_absolute_access_url() in confirmation.body


def test_online_methods_are_not_offered_for_an_order_that_costs_nothing():
    gateway = gateway_get("fakepay")

    assert gateway.is_available(country="CN", total=Decimal("0.00")) is False
    assert gateway.is_available(country="CN", total=Decimal("0.01")) is True
