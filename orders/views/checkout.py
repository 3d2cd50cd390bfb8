"""The checkout page: the form, placing the order, and the steps that keep what was typed."""

from contextlib import nullcontext

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
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
    OutOfStock,
    PerOrderMaxExceeded,
    ShippingPriceChanged,
    ShippingUnavailable,
    TooManyOrders,
)
from orders.forms import CheckoutForm
from orders.selectors import checkout_initial_get, customer_first_order
from orders.services import (
    checkout_draft_pop,
    checkout_draft_save,
    checkout_token_forget,
    checkout_token_issue,
    checkout_token_issued_here,
    order_client_ip_hash,
    order_place,
)
from orders.shipping_rates import parcel_weight_grams
from orders.views.payment_forms import allows_payment_forms
from promotions.codes import coupon_code_canonical
from promotions.exceptions import CouponError
from shop.i18n import language_is_offered, language_remember
from shop.ratelimit import client_ip

# The name of the checkout page's "Place order" button, posted only when it is pressed
# (Enter in a field presses the page's hidden default button instead).
PLACE_BUTTON = "place"


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
        user_agent=request.headers.get("User-Agent", ""),
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
            user_agent=request.headers.get("User-Agent", ""),
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
    form = CheckoutForm(
        initial=initial,
        pricing=pricing,
        book=book,
        weight_grams=_cart_weight(cart),
        user_agent=request.headers.get("User-Agent", ""),
    )
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
        initial=initial,
        pricing=_checkout_pricing(request, cart),
        weight_grams=_cart_weight(cart),
        user_agent=request.headers.get("User-Agent", ""),
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
