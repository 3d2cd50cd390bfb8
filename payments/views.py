import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from orders.exceptions import InvalidTransition
from orders.models import Order
from orders.selectors import order_get_visible
from orders.services import order_payment_method_change
from payments.browsers import Browser, browser_kind
from payments.models import Payment
from payments.providers.wechat import oauth
from payments.selectors import gateway_get, gateway_instead_get, order_get_by_number
from payments.services import PaymentUnavailable, payment_notification_receive, payment_start
from shop.ratelimit import client_ip


def payment_redirect(*, request: HttpRequest, order: Order, payment: Payment) -> HttpResponseRedirect:
    """Send the shopper to the gateway's page, or to our page showing the QR code."""
    if payment.redirect_url:
        return redirect(payment.redirect_url)
    url = reverse("payments:qr", kwargs={"number": order.number, "reference": payment.reference})
    return redirect(f"{url}?token={order.access_token}")


def _open_in_browser_redirect(order: Order) -> HttpResponseRedirect:
    url = reverse("payments:open_in_browser", kwargs={"number": order.number})
    return redirect(f"{url}?token={order.access_token}")


def payment_begin(*, request: HttpRequest, order: Order, channel: str = "") -> HttpResponseRedirect:
    """Start (or resume) paying the order online; on failure back to the order page with a message.

    The browser decides the channel (payments.browsers). A gateway that cannot be paid in
    it starts nothing: inside WeChat, Alipay sends the shopper to the page explaining how
    to open the order in the phone's browser, and WeChat Pay without JSAPI is refused. A
    channel that must know who pays (WeChat's JSAPI) first sends the shopper to the
    gateway's authorisation, which comes back to ``wechat_oauth`` and from there here again.
    """
    provider = gateway_get(order.payment_method)
    payer_id = ""
    if provider is not None:
        browser = browser_kind(request.headers.get("User-Agent", ""))
        allowed = provider.channel_for(browser=browser)
        if allowed is None:
            if browser is Browser.WECHAT and provider.opens_outside_wechat:
                return _open_in_browser_redirect(order)
            messages.error(
                request,
                _("%(name)s cannot be paid in this browser. Please open your order in another one.")
                % {"name": provider.name},
            )
            return redirect(order.get_access_url())
        if not provider.channel_usable(channel):
            channel = allowed
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
        # The Alipay app cannot open WeChat Pay: the code is to be saved and scanned in WeChat.
        "in_alipay_app": browser_kind(request.headers.get("User-Agent", "")) is Browser.ALIPAY_APP,
    }
    return render(request, "payments/qr.html", context)


@never_cache
@require_GET
def open_in_browser(request: HttpRequest, number: str) -> HttpResponse:
    """Inside WeChat, for a gateway WeChat blocks: how to open the order in the phone's browser."""
    order = order_get_visible(request=request, number=number)
    provider = gateway_get(order.payment_method)
    if provider is None or not provider.opens_outside_wechat:
        return redirect(order.get_access_url())
    payable = not order.is_cancelled and order.payment_status == Order.PaymentStatus.UNPAID
    instead = gateway_instead_get(order=order, user_agent=request.headers.get("User-Agent", ""))
    context = {
        "order": order,
        "provider": provider,
        "order_url": request.build_absolute_uri(order.get_access_url()),
        "payable": payable,
        "instead": instead if payable else None,
    }
    response = render(request, "payments/open_in_browser.html", context)
    # Paying instead: the form's answer leads to that gateway's pages, and the CSP
    # form-action also applies to the redirects that follow a form's submission.
    if payable and instead is not None and (origins := instead.form_action_origins()):
        response._csp_update = {"form-action": origins}
    return response


@require_POST
def pay_instead(request: HttpRequest, number: str) -> HttpResponse:
    """Pay the order through another gateway (chosen on the page above), then start paying with it."""
    order = order_get_visible(request=request, number=number)
    try:
        order = order_payment_method_change(
            order=order,
            code=request.POST.get("gateway", "")[:32],
            user_agent=request.headers.get("User-Agent", ""),
        )
    except InvalidTransition as error:
        messages.error(request, str(error))
        return redirect(order.get_access_url())
    provider = gateway_get(order.payment_method)
    if provider is None:
        return redirect(order.get_access_url())
    return provider.begin(request=request, order=order)


@csrf_exempt
@require_POST
def notify(request: HttpRequest, provider: str) -> HttpResponse:
    gateway = gateway_get(provider)
    if gateway is None:
        raise Http404()
    return payment_notification_receive(provider=gateway, request=request)
