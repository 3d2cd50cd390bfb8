from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cart.coupon import cart_coupon_get, cart_coupon_remove
from cart.exceptions import CouponTriesExceeded, OutOfStock, VariantUnavailable
from cart.forms import CartAddForm, CartLinesForm, CartUpdateForm, CouponForm
from cart.messages import cart_change_message, coupon_applied_message, out_of_stock_message
from cart.pricing import cart_pricing_get
from cart.selectors import cart_get, cart_quantities_get, cart_suggestions_get
from cart.services import (
    CartChange,
    cart_add,
    cart_coupon_apply,
    cart_lines_update,
    cart_prune,
    cart_update,
)
from promotions.exceptions import CouponError
from shop.ratelimit import client_ip


def _redirect_back(request: HttpRequest) -> HttpResponseRedirect:
    """Back to ``next`` when it is a path on this site, else to the cart."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        # Not redirect(): it would take a bare word for a URL name to reverse.
        return HttpResponseRedirect(target)
    return redirect("cart:detail")


def _customer_email(request: HttpRequest) -> str:
    """The signed-in customer's canonical address, so a coupon's limit per customer shows early."""
    return request.user.email_canonical if request.user.is_authenticated else ""


def _cart_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    cart = cart_get(session=request.session)
    if cart.missing_variant_ids:
        cart_prune(session=request.session, variant_ids=cart.missing_variant_ids)
    pricing = cart_pricing_get(session=request.session, cart=cart, email_canonical=_customer_email(request))
    if pricing.coupon_dropped:
        messages.warning(request, pricing.coupon_dropped)
    context = {
        "cart": cart,
        "pricing": pricing,
        "suggestions": cart_suggestions_get(request=request, cart=cart),
    }
    return render(request, "cart/cart_detail.html", context, status=status)


@never_cache
@require_GET
def cart_detail(request: HttpRequest) -> HttpResponse:
    return _cart_page(request)


def _refusal_message(error: VariantUnavailable | OutOfStock) -> str:
    if isinstance(error, OutOfStock):
        return out_of_stock_message(error)
    return _("Sorry, that product is no longer available.")


def _change_report(request: HttpRequest, change: CartChange, *, added: bool) -> None:
    level = messages.WARNING if change.capped else messages.SUCCESS
    messages.add_message(request, level, cart_change_message(change, added=added))


def _cart_write(request: HttpRequest, form_class: type, service, *, added: bool) -> HttpResponseRedirect:
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return _redirect_back(request)
    try:
        change = service(
            session=request.session,
            variant_id=form.cleaned_data["variant"],
            quantity=form.cleaned_data["quantity"],
        )
    except (VariantUnavailable, OutOfStock) as error:
        messages.error(request, _refusal_message(error))
    else:
        _change_report(request, change, added=added)
    return _redirect_back(request)


@require_POST
def cart_add_view(request: HttpRequest) -> HttpResponseRedirect:
    return _cart_write(request, CartAddForm, cart_add, added=True)


@require_POST
def cart_update_view(request: HttpRequest) -> HttpResponseRedirect:
    return _cart_write(request, CartUpdateForm, cart_update, added=False)


@require_POST
def cart_lines_update_view(request: HttpRequest) -> HttpResponseRedirect:
    """The cart page's form: every line's quantity, then back to the cart or on to ``next`` (checkout).

    It goes on only when every line holds what the shopper typed; otherwise the
    cart says what was capped or refused.
    """
    form = CartLinesForm(request.POST, variant_ids=cart_quantities_get(session=request.session))
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect("cart:detail")
    result = cart_lines_update(session=request.session, quantities=form.quantities())
    for error in result.refused:
        messages.error(request, _refusal_message(error))
    as_asked = [change for change in result.changes if not change.capped]
    for change in result.changes:
        if change.capped or len(as_asked) == 1:
            _change_report(request, change, added=False)
    if len(as_asked) > 1:
        messages.success(request, _("Your cart was updated."))
    if not result.complete:
        return redirect("cart:detail")
    return _redirect_back(request)


@never_cache
@require_POST
def cart_coupon_apply_view(request: HttpRequest) -> HttpResponse:
    """Apply a coupon code, then back to the cart or to ``next`` (checkout); too many refused: 429."""
    form = CouponForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return _redirect_back(request)
    try:
        pricing = cart_coupon_apply(
            session=request.session,
            cart=cart_get(session=request.session, with_thumbnails=False),
            code=form.cleaned_data["code"],
            ip_address=client_ip(request),
            email_canonical=_customer_email(request),
        )
    except CouponTriesExceeded as error:
        messages.error(request, error.message)
        return _cart_page(request, status=429)
    except CouponError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, coupon_applied_message(pricing))
    return _redirect_back(request)


@require_POST
def cart_coupon_remove_view(request: HttpRequest) -> HttpResponseRedirect:
    code = cart_coupon_get(session=request.session)
    cart_coupon_remove(session=request.session)
    if code:
        messages.success(request, _("The code “%(code)s” was removed.") % {"code": code})
    return _redirect_back(request)
