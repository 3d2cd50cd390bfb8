"""Storefront pages: whole pages come from ``catalog.cache``, which fills in the
per-request parts (CSRF token, header links, messages) on every request.

Also the back-in-stock request (a POST from a product page) and its unsubscribe link."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from catalog import cache
from catalog.back_in_stock import (
    BACK_IN_STOCK_MAX_WAITING,
    back_in_stock_request_create,
    back_in_stock_request_get,
    back_in_stock_unsubscribe,
)
from catalog.exceptions import BackInStockError, TooManyWaiting, VariantInStock
from catalog.forms import BackInStockRequestForm, product_filters_parse, product_variant_parse
from catalog.selectors import product_get_visible


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return cache.home_page(request=request)


@require_safe
def product_list(request: HttpRequest) -> HttpResponse:
    filters, ignored = product_filters_parse(request.GET)
    return cache.listing_page(request=request, filters=filters, ignored=ignored)


@require_safe
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    filters, ignored = product_filters_parse(request.GET, with_category=False)
    return cache.category_page(request=request, slug=slug, filters=filters, ignored=ignored)


@require_safe
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    variant_id = product_variant_parse(request.GET)
    return cache.product_page(request=request, slug=slug, variant_id=variant_id)


@require_POST
def back_in_stock_request(request: HttpRequest, slug: str) -> HttpResponseRedirect:
    product = product_get_visible(slug=slug, category_ids=cache.category_tree(request).visible_ids)
    form = BackInStockRequestForm(request.POST, variants=product.active_variants, user=request.user)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect(product)
    email = form.cleaned_data["email"]
    try:
        back_in_stock_request_create(
            variant_id=form.cleaned_data["variant"], email=email, user=request.user, language=get_language()
        )
    except BackInStockError as error:
        messages.add_message(request, *_refusal(error))
    else:
        messages.success(
            request,
            _("Thank you. We will email %(email)s once, when it is back in stock.") % {"email": email},
        )
    return redirect(product)


def _refusal(error: BackInStockError) -> tuple[int, str]:
    """The message level and text for a back-in-stock request that was not taken."""
    if isinstance(error, VariantInStock):
        return messages.INFO, _("Good news: that option is in stock now. Add it to your cart while it lasts.")
    if isinstance(error, TooManyWaiting):
        text = _(
            "This address is already waiting for %(count)s sold-out products. "
            "We will write when they are back."
        )
        return messages.ERROR, text % {"count": BACK_IN_STOCK_MAX_WAITING}
    return messages.ERROR, _("Sorry, that option is no longer available.")


# The signed token in the link is the credential, and mail clients send one-click
# unsubscribes (RFC 8058) as a POST without any CSRF token: so no CSRF check here.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def back_in_stock_unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    stock_request = back_in_stock_request_get(token=token)
    if stock_request is None:
        return render(request, "catalog/back_in_stock_unsubscribe.html", {"invalid": True}, status=404)
    context = {"stock_request": stock_request, "variant": stock_request.variant}
    if request.method == "POST":
        context["stopped"] = back_in_stock_unsubscribe(stock_request=stock_request)
        context["done"] = True
    return render(request, "catalog/back_in_stock_unsubscribe.html", context)
