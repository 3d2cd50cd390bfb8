from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cart.exceptions import OutOfStock, VariantUnavailable
from cart.forms import CartAddForm, CartLinesForm, CartUpdateForm
from cart.messages import cart_change_message, out_of_stock_message
from cart.selectors import cart_get, cart_quantities_get, cart_suggestions_get
from cart.services import CartChange, cart_add, cart_lines_update, cart_prune, cart_update


def _redirect_back(request: HttpRequest) -> HttpResponseRedirect:
    """Back to ``next`` when it is a path on this site, else to the cart."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        # Not redirect(): it would take a bare word for a URL name to reverse.
        return HttpResponseRedirect(target)
    return redirect("cart:detail")


@never_cache
@require_GET
def cart_detail(request: HttpRequest) -> HttpResponse:
    cart = cart_get(session=request.session)
    if cart.missing_variant_ids:
        cart_prune(session=request.session, variant_ids=cart.missing_variant_ids)
    suggestions = cart_suggestions_get(request=request, cart=cart)
    return render(request, "cart/cart_detail.html", {"cart": cart, "suggestions": suggestions})


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
