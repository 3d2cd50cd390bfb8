from collections.abc import Callable
from contextlib import nullcontext
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cart.coupon import cart_coupon_get, cart_coupon_remove, cart_coupon_set
from cart.exceptions import CouponTriesExceeded
from cart.messages import out_of_stock_message, per_order_max_message
from cart.pricing import CartPricing, cart_pricing_get
from cart.selectors import Cart, cart_get
from cart.services import cart_clear, coupon_try_counted
from cart.views import cart_coupon_apply_view, cart_coupon_remove_view
from orders.address_book import address_book_for_checkout
from orders.exceptions import (
    CartEmpty,
    FapiaoClosed,
    InvalidTransition,
    OutOfStock,
    PerOrderMaxExceeded,
    ShippingPriceChanged,
    ShippingUnavailable,
    TooManyOrders,
)
from orders.forms import CheckoutForm, FapiaoForm
from orders.models import FapiaoRequest, Order
from orders.payment_methods import payment_form_action_origins
from orders.selectors import (
    checkout_initial_get,
    customer_first_order,
    fapiao_request_get,
    order_get_visible,
    order_shipment_list,
    payment_instructions_get,
    payment_panel_get,
)
from orders.services import (
    checkout_draft_pop,
    checkout_draft_save,
    checkout_token_forget,
    checkout_token_issue,
    checkout_token_issued_here,
    fapiao_request_open,
    fapiao_request_save,
    order_client_ip_hash,
    order_place,
    order_receipt_confirm,
)
from orders.shipping_rates import parcel_weight_grams
from promotions.codes import coupon_code_canonical
from promotions.exceptions import CouponError
from shop.i18n import language_is_offered, language_remember
from shop.ratelimit import client_ip
from shop.uploads import private_file_response

# The name of the checkout page's "Place order" button, posted only when it is pressed
# (Enter in a field presses the page's hidden default button instead).
PLACE_BUTTON = "place"


def allows_payment_forms(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator: the page's forms may lead to a payment method's pages (checkout, the order page)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        # The CSP form-action also applies to the redirects that follow a form's submission.
        if origins := payment_form_action_origins():
            response._csp_update = {"form-action": origins}
        return response

    return wrapped


def _checkout_place(request: HttpRequest, form: CheckoutForm, cart: Cart, *, typed_code: str) -> HttpResponse:
    """Place the order; ``typed_code``, a coupon code typed but not applied, goes with it (a counted try)."""
    ip_address = client_ip(request)
    checkout = form.checkout_data(
        user=request.user,
        language=get_language(),
        client_ip_hash=order_client_ip_hash(ip_address=ip_address),
        coupon_code=typed_code,
    )
    try:
        with coupon_try_counted(ip_address=ip_address) if typed_code else nullcontext():
            order = order_place(cart=cart, checkout=checkout, token=form.cleaned_data["checkout_token"])
    except (CouponTriesExceeded, CouponError) as error:
        if not typed_code:
            return _checkout_coupon_refused(request, cart, error)
        # The code typed with the order is refused; the page, and any code applied before, stay.
        form.add_error(None, error.message)
        form.add_error(None, _("Your order was not placed; please check the total and place it again."))
        status = 429 if isinstance(error, CouponTriesExceeded) else 409
        return render(request, "orders/checkout_form.html", {"form": form, "cart": cart}, status=status)
    except ShippingPriceChanged as error:
        if typed_code:
            # The code typed with the order changed the shipping price: apply it and show the
            # page with it, as pressing Enter would, so the next press places what is shown.
            checkout_draft_save(session=request.session, values=CheckoutForm.draft_values(request.POST))
            cart_coupon_set(session=request.session, code=coupon_code_canonical(typed_code))
            messages.error(request, error.message)
            return redirect("orders:checkout")
        form = _checkout_form_again(request, cart)
        form.add_error(None, error.message)
        return render(request, "orders/checkout_form.html", {"form": form, "cart": cart}, status=409)
    except ShippingUnavailable as error:
        # The rates changed since the page was shown: the page shows the methods that deliver now.
        form = _checkout_form_again(request, cart)
        form.add_error("shipping_method", error.message)
        return render(request, "orders/checkout_form.html", {"form": form, "cart": cart}, status=409)
    except TooManyOrders as error:
        # The cart and the details typed are kept, for when the limit lifts.
        form.add_error(None, error.message)
        return render(request, "orders/checkout_form.html", {"form": form, "cart": cart}, status=429)
    except CartEmpty:
        messages.error(request, _("Your cart is empty."))
        return redirect("cart:detail")
    except OutOfStock as error:
        messages.error(request, out_of_stock_message(error))
        return redirect("cart:detail")
    except PerOrderMaxExceeded as error:
        messages.error(request, per_order_max_message(error))
        return redirect("cart:detail")
    if not order.placed_now and not checkout_token_issued_here(
        session=request.session, token=order.checkout_token
    ):
        # Another session's token: its order is not this shopper's to see.
        form.add_error("checkout_token", form.fields["checkout_token"].error_messages["invalid"])
        return render(request, "orders/checkout_form.html", {"form": form, "cart": cart}, status=400)
    if order.placed_now:
        # Only the request that placed the order touches the session: a
        # concurrent duplicate saving its stale copy would bring the cart back.
        cart_clear(session=request.session)
        # The code went with this order; the next cart starts without one.
        cart_coupon_remove(session=request.session)
        checkout_token_forget(session=request.session, token=order.checkout_token)
    provider = order.payment_provider
    begun = provider.begin(request=request, order=order) if provider is not None else None
    return begun if begun is not None else redirect(order.get_access_url())


def _checkout_coupon_refused(request: HttpRequest, cart: Cart, error: CouponError) -> HttpResponse:
    """The applied code was refused when placing: nothing was placed, and the code goes.

    The cart is priced again without it, so the page shows the full price the next
    submit (same token, details kept) will charge.
    """
    cart_coupon_remove(session=request.session)
    form = _checkout_form_again(request, cart)
    form.add_error(None, error.message)
    form.add_error(None, _("Your order was not placed; please check the total and place it again."))
    return render(request, "orders/checkout_form.html", {"form": form, "cart": cart}, status=409)


def _checkout_form_again(request: HttpRequest, cart: Cart) -> CheckoutForm:
    """The submitted checkout form, checked again with the cart priced as it is now.

    For the page after placing refused the order: what was typed stays, and the prices,
    shipping choices and saved addresses are the ones the next submit will meet.
    """
    form = CheckoutForm(
        request.POST,
        pricing=_checkout_pricing(request, cart),
        book=address_book_for_checkout(user=request.user),
        weight_grams=_cart_weight(cart),
    )
    form.is_valid()
    return form


def _cart_weight(cart: Cart) -> int:
    """The cart's parcel weight in grams, as shipping rates weigh it (the lines that can be bought)."""
    return parcel_weight_grams(
        items=[(line.variant.weight_grams, line.quantity) for line in cart.lines if line.purchasable]
    )


def _checkout_pricing(request: HttpRequest, cart: Cart) -> CartPricing:
    """The cart's discounts; a signed-in customer's coupon limits (per customer, first order) checked too."""
    email = request.user.email_canonical if request.user.is_authenticated else ""
    first_order = None
    if email and cart_coupon_get(session=request.session):
        first_order = customer_first_order(email_canonical=email)
    return cart_pricing_get(
        session=request.session, cart=cart, email_canonical=email, first_order=first_order
    )


@never_cache
@require_http_methods(["GET", "POST"])
@allows_payment_forms
def checkout(request: HttpRequest) -> HttpResponse:
    cart = cart_get(session=request.session, with_thumbnails=False)
    pricing = _checkout_pricing(request, cart)
    if request.method == "POST":
        typed_code = request.POST.get("code", "").strip()
        if typed_code and PLACE_BUTTON not in request.POST:
            # A code typed but not applied, and Enter pressed (in its field, or another): the
            # page's default button submits, so the shopper may have meant Apply. Apply it and
            # show the new total, rather than place the order without it.
            return checkout_coupon_apply(request)
        form = CheckoutForm(
            request.POST,
            pricing=pricing,
            book=address_book_for_checkout(user=request.user),
            weight_grams=_cart_weight(cart),
        )
        if form.is_valid():
            # "Place order" pressed with a code typed: the order is placed with it.
            return _checkout_place(request, form, cart, typed_code=typed_code)
        return render(request, "orders/checkout_form.html", {"form": form, "cart": cart}, status=400)
    if pricing.coupon_dropped:
        messages.warning(request, pricing.coupon_dropped)
    if cart.is_empty or cart.has_problems:
        messages.error(request, _("Your cart is empty.") if cart.is_empty else _("Please review your cart."))
        return redirect("cart:detail")
    book = address_book_for_checkout(user=request.user)
    initial = {
        **checkout_initial_get(user=request.user, book=book),
        **checkout_draft_pop(session=request.session),
        "checkout_token": checkout_token_issue(session=request.session),
    }
    form = CheckoutForm(initial=initial, pricing=pricing, book=book, weight_grams=_cart_weight(cart))
    return render(request, "orders/checkout_form.html", {"form": form, "cart": cart})


@never_cache
@require_GET
def checkout_shipping(request: HttpRequest) -> HttpResponse:
    """The shipping choices and totals for this cart to the country and province in the query, as HTML.

    Fetched by the checkout page's script when the address's country or province changes;
    the page without JavaScript gets the same from the address step. Nothing is written.
    """
    cart = cart_get(session=request.session, with_thumbnails=False)
    initial = {name: request.GET.get(name, "")[:8] for name in ("country", "province_code")}
    form = CheckoutForm(
        initial=initial, pricing=_checkout_pricing(request, cart), weight_grams=_cart_weight(cart)
    )
    context = {"form": form, "cart": cart}
    return JsonResponse(
        {
            "shipping": render_to_string("orders/_checkout_shipping.html", context, request=request),
            "totals": render_to_string("orders/_checkout_totals.html", context, request=request),
        }
    )


@never_cache
@require_POST
def checkout_language(request: HttpRequest) -> HttpResponse:
    """The checkout page's language switch: it posts the checkout form, so what was typed is kept.

    The input is kept unchecked for the next checkout page, shown in the chosen
    language; an unknown language leaves the language as it was.
    """
    checkout_draft_save(session=request.session, values=CheckoutForm.draft_values(request.POST))
    response = redirect("orders:checkout")
    language = request.POST.get("language", "")
    if language_is_offered(language):
        language_remember(response=response, language=language)
    return response


@never_cache
@require_POST
def checkout_address_step(request: HttpRequest) -> HttpResponse:
    """The address's next-level buttons without JavaScript: keeps what was typed, shows the new choices.

    The checkout page comes back with the cities of the province chosen (or the districts of
    the city, or the fields of the country); nothing is checked or placed yet.
    """
    checkout_draft_save(session=request.session, values=CheckoutForm.draft_values(request.POST))
    return redirect(reverse("orders:checkout") + "#shipping-address")


@never_cache
@require_POST
def checkout_coupon_apply(request: HttpRequest) -> HttpResponse:
    """The checkout page's coupon field: keeps what was typed, then applies the code as the cart does."""
    checkout_draft_save(session=request.session, values=CheckoutForm.draft_values(request.POST))
    return cart_coupon_apply_view(request)


@never_cache
@require_POST
def checkout_coupon_remove(request: HttpRequest) -> HttpResponse:
    """The checkout page's Remove of the applied code: keeps what was typed, then removes it."""
    checkout_draft_save(session=request.session, values=CheckoutForm.draft_values(request.POST))
    return cart_coupon_remove_view(request)


def _access_query(request: HttpRequest) -> str:
    """The page's guest token as a query string for its forms, links and redirects ("" when signed in)."""
    token = request.GET.get("token", "")
    return "?" + urlencode({"token": token}) if token else ""


def _fapiao_form_initial(order: Order, fapiao: FapiaoRequest | None) -> dict:
    """The order page's fapiao form: the request as it is, else the order's name and email."""
    if fapiao is None:
        return {"fapiao_title": order.full_name, "fapiao_email": order.email}
    return {
        "fapiao_kind": fapiao.kind,
        "fapiao_title": fapiao.title,
        "fapiao_tax_number": fapiao.tax_number,
        "fapiao_email": fapiao.email,
    }


def _order_page(
    request: HttpRequest, order: Order, *, fapiao_form: FapiaoForm | None = None, status: int = 200
) -> HttpResponse:
    panel = payment_panel_get(request=request, order=order)
    fapiao = fapiao_request_get(order=order)
    # The order as this request read it: before anything ships (most order pages), no query.
    unshipped = order.fulfilment_status == Order.FulfilmentStatus.UNFULFILLED
    shipments = [] if unshipped else order_shipment_list(order=order)
    if fapiao_form is None and fapiao_request_open(order) and (fapiao is None or not fapiao.is_issued):
        fapiao_form = FapiaoForm(initial=_fapiao_form_initial(order, fapiao))
    context = {
        # The panel's template reads the page's context and its own; the page's names win.
        **(panel.context if panel is not None else {}),
        "order": order,
        "payment": payment_instructions_get(order=order),
        "payment_panel": panel,
        "shipments": shipments,
        "support_email": settings.SUPPORT_EMAIL,
        "fapiao": fapiao,
        "fapiao_form": fapiao_form,
        # The page's own query string carries a guest's token to its forms and links.
        "access_query": _access_query(request),
    }
    return render(request, "orders/order_detail.html", context, status=status)


@never_cache
@require_GET
@allows_payment_forms
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = order_get_visible(request=request, number=number)
    return _order_page(request, order)


@never_cache
@require_POST
@allows_payment_forms
def order_fapiao_request(request: HttpRequest, number: str) -> HttpResponse:
    """The order page's fapiao form: request one, or change the request until it is issued."""
    order = order_get_visible(request=request, number=number)
    form = FapiaoForm(request.POST)
    if not form.is_valid():
        return _order_page(request, order, fapiao_form=form, status=400)
    try:
        fapiao_request_save(order=order, fapiao=form.fapiao_data(), actor=request.user)
    except FapiaoClosed as error:
        # Issued or finished meanwhile: the page as it is now, saying why nothing changed.
        messages.error(request, error.message)
        return _order_page(request, order_get_visible(request=request, number=number), status=409)
    messages.success(
        request,
        _("Your fapiao request is saved. We will email it to %(email)s.")
        % {"email": form.cleaned_data["fapiao_email"]},
    )
    return redirect(order.get_absolute_url() + _access_query(request))


@never_cache
@require_GET
def order_fapiao_download(request: HttpRequest, number: str) -> HttpResponse:
    """The issued fapiao's PDF, for the order's owner or link holder only, as a sandboxed download."""
    order = order_get_visible(request=request, number=number)
    fapiao = fapiao_request_get(order=order)
    if fapiao is None or not fapiao.is_issued or not fapiao.pdf:
        raise Http404()
    try:
        handle = fapiao.pdf.open("rb")
    except OSError as error:
        raise Http404() from error
    return private_file_response(
        handle, filename=f"fapiao-{order.number}.pdf", content_type="application/pdf"
    )


@never_cache
@require_POST
@allows_payment_forms
def order_receipt_confirm_view(request: HttpRequest, number: str) -> HttpResponse:
    """POST: the owner or the link's holder confirms the parcels arrived; a second click is thanked too."""
    order = order_get_visible(request=request, number=number)
    try:
        order = order_receipt_confirm(order=order, actor=request.user)
    except InvalidTransition as error:
        messages.error(request, str(error))
        return _order_page(request, order, status=409)
    messages.success(request, _("Thank you for confirming that your order arrived."))
    return redirect(order.get_access_url())
