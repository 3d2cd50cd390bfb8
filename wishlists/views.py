"""The wishlist page, its buttons (save, remove, emails on or off), and the emails' stop link."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from catalog.cache import category_tree
from wishlists.exceptions import ProductUnavailable, WishlistError, WishlistFull
from wishlists.forms import WishlistNotifyForm, WishlistProductForm
from wishlists.selectors import wishlist_entry_list, wishlist_unsubscribe_user_get
from wishlists.services import (
    wishlist_guest_add,
    wishlist_item_add,
    wishlist_item_notify_set,
    wishlist_item_remove,
    wishlist_notify_stop,
)
from wishlists.session import wishlist_session_remove


def _page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    context = {"entries": wishlist_entry_list(request=request)}
    return render(request, "wishlists/wishlist_detail.html", context, status=status)


@never_cache
@require_safe
def wishlist_detail(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _refused(request: HttpRequest, form: WishlistProductForm) -> HttpResponse:
    messages.error(request, form.error_text())
    return _page(request, status=400)


@never_cache
@require_POST
def wishlist_add(request: HttpRequest) -> HttpResponse:
    form = WishlistProductForm(request.POST)
    if not form.is_valid():
        return _refused(request, form)
    product_id = form.cleaned_data["product"]
    visible = category_tree(request).visible_ids
    try:
        if request.user.is_authenticated:
            product, added = wishlist_item_add(
                user=request.user, product_id=product_id, category_ids=visible, language=get_language()
            )
        else:
            product, added = wishlist_guest_add(
                session=request.session, product_id=product_id, category_ids=visible
            )
    except WishlistError as error:
        messages.error(request, _refusal_text(error))
        return _page(request, status=404 if isinstance(error, ProductUnavailable) else 409)
    if added:
        messages.success(request, _("%(product)s is saved on your wishlist.") % {"product": product.name})
    else:
        messages.info(request, _("%(product)s is on your wishlist already.") % {"product": product.name})
    return redirect(product)


def _refusal_text(error: WishlistError) -> str:
    if isinstance(error, WishlistFull):
        return _("Your wishlist is full (%(count)s products). Remove some to save more.") % {
            "count": error.limit
        }
    return _("Sorry, that product is no longer available.")


@never_cache
@require_POST
def wishlist_remove(request: HttpRequest) -> HttpResponse:
    form = WishlistProductForm(request.POST)
    if not form.is_valid():
        return _refused(request, form)
    product_id = form.cleaned_data["product"]
    if request.user.is_authenticated:
        removed = wishlist_item_remove(user=request.user, product_id=product_id)
    else:
        removed = wishlist_session_remove(session=request.session, product_id=product_id)
    if removed:
        messages.success(request, _("Removed from your wishlist."))
    else:
        messages.info(request, _("It was not on your wishlist."))
    return redirect("wishlists:detail")


@never_cache
@require_POST
def wishlist_notify(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        # After signing in the shopper lands on the list (this address answers POST only).
        return redirect_to_login(reverse("wishlists:detail"))
    form = WishlistNotifyForm(request.POST)
    if not form.is_valid():
        return _refused(request, form)
    notify = form.cleaned_data["notify"]
    if not wishlist_item_notify_set(
        user=request.user, product_id=form.cleaned_data["product"], notify=notify, language=get_language()
    ):
        messages.error(request, _("That product is not on your wishlist any more."))
        return _page(request, status=404)
    if notify:
        messages.success(request, _("We will email you when it is back in stock or cheaper."))
    else:
        messages.success(request, _("No more emails about it."))
    return redirect("wishlists:detail")


# The signed token in the link is the credential, and mail clients send one-click
# unsubscribes (RFC 8058) as a POST without any CSRF token: so no CSRF check here.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def wishlist_unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    user = wishlist_unsubscribe_user_get(token=token)
    if user is None:
        return render(request, "wishlists/wishlist_unsubscribe.html", {"invalid": True}, status=404)
    context = {}
    if request.method == "POST":
        wishlist_notify_stop(user=user)
        context["done"] = True
    return render(request, "wishlists/wishlist_unsubscribe.html", context)
