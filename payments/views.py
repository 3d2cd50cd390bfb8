import re

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from orders.models import Order
from orders.selectors import order_get_visible
from payments.models import Payment
from payments.providers.wechat import oauth
from payments.selectors import gateway_get, order_get_by_number
from payments.services import PaymentUnavailable, payment_notification_receive, payment_start
from shop.ratelimit import client_ip

MOBILE_BROWSER = re.compile(r"Mobile|Android|iPhone|iPad|HarmonyOS", re.IGNORECASE)


def payment_redirect(*, request: HttpRequest, order: Order, payment: Payment) -> HttpResponseRedirect:
    """Send the shopper to the gateway's page, or to our page showing the QR code."""
    if payment.redirect_url:
        return redirect(payment.redirect_url)
    url = reverse("payments:qr", kwargs={"number": order.number, "reference": payment.reference})
    return redirect(f"{url}?token={order.access_token}")


def payment_begin(*, request: HttpRequest, order: Order, channel: str = "") -> HttpResponseRedirect:
    """Start (or resume) paying the order online; on failure back to the order page with a message.

    A channel that must know who pays (WeChat's JSAPI) first sends the shopper to the gateway's
    authorisation, which comes back to ``wechat_oauth`` and from there here again.
    """
    provider = gateway_get(order.payment_method)
    payer_id = ""
    if provider is not None:
        if not provider.channel_usable(channel):
            mobile = bool(MOBILE_BROWSER.search(request.headers.get("User-Agent", "")))
            channel = provider.channel_for(mobile=mobile)
        payer_id = provider.payer_id_get(request=request, channel=channel)
        if not payer_id and (
            authorize := provider.payer_authorize_url(request=request, order=order, channel=channel)
        ):
            return redirect(authorize)
    try:
        payment = payment_start(order=order, channel=channel, client_ip=client_ip(request), payer_id=payer_id)
    except PaymentUnavailable as error:
        messages.error(request, error.message)
        return redirect(order.get_access_url())
    return payment_redirect(request=request, order=order, payment=payment)


@require_POST
def pay(request: HttpRequest, number: str) -> HttpResponse:
    order = order_get_visible(request=request, number=number)
    return payment_begin(request=request, order=order, channel=request.POST.get("channel", "")[:16])


@never_cache
@require_GET
def wechat_oauth(request: HttpRequest) -> HttpResponse:
    """Back from WeChat's silent authorisation: learn the openid, then carry on paying (JSAPI)."""
    try:
        number = oauth.payer_identify(
            session=request.session,
            state=request.GET.get("state", "")[:256],
            code=request.GET.get("code", "")[:256],
        )
    except oauth.OAuthRefused as refusal:
        order = order_get_by_number(number=refusal.order_number)
        context = {"message": refusal.message, "order": order}
        return render(request, "payments/wechat_oauth_refused.html", context, status=400)
    order = order_get_by_number(number=number)
    if order is None:
        raise Http404()
    return payment_begin(request=request, order=order, channel="jsapi")


@never_cache
@require_GET
def qr(request: HttpRequest, number: str, reference: str) -> HttpResponse:
    order = order_get_visible(request=request, number=number)
    payment = get_object_or_404(Payment, order=order, reference=reference.upper()[:32])
    expired = payment.expires_at is not None and payment.expires_at <= timezone.now()
    if payment.status != Payment.Status.PENDING or not payment.qr_code or order.is_cancelled or expired:
        return redirect(order.get_access_url())
    if order.payment_status != Order.PaymentStatus.UNPAID:
        return redirect(order.get_access_url())
    context = {
        "order": order,
        "payment": payment,
        "provider": gateway_get(payment.provider),
        "qr_svg": segno.make(payment.qr_code, error="m").svg_data_uri(scale=6, border=2),
    }
    return render(request, "payments/qr.html", context)


@csrf_exempt
@require_POST
def notify(request: HttpRequest, provider: str) -> HttpResponse:
    gateway = gateway_get(provider)
    if gateway is None:
        raise Http404()
    return payment_notification_receive(provider=gateway, request=request)
