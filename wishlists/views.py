"""The wishlist page, its buttons (save, remove, emails on or off), and the emails' stop link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.cache import category_tree
from shop.models import User
from wishlists.emails import wishlist_unsubscribe_user_id
from wishlists.exceptions import ProductUnavailable, WishlistError, WishlistFull
from wishlists.forms import WishlistNotifyForm, WishlistProductForm
from wishlists.selectors import wishlist_entry_list
from wishlists.services import (
    wishlist_guest_add,
    wishlist_item_add,
    wishlist_item_notify_set,
    wishlist_item_remove,
    wishlist_notify_stop,
)
from wishlists.session import WISHLIST_MAX_ITEMS, wishlist_session_remove


def _page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "wishlists/wishlist_detail.html",
        {"entries": wishlist_entry_list(request=request)},
        status=status,
    )


@never_cache
@require_GET
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
            "count": WISHLIST_MAX_ITEMS
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
        wishlist_item_remove(user=request.user, product_id=product_id)
    else:
        wishlist_session_remove(session=request.session, product_id=product_id)
    messages.success(request, _("Removed from your wishlist."))
    return redirect("wishlists:detail")


@never_cache
@login_required
@require_POST
def wishlist_notify(request: HttpRequest) -> HttpResponse:
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
    user_id = wishlist_unsubscribe_user_id(token=token)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id is not None else None
    if user is None:
        return render(request, "wishlists/wishlist_unsubscribe.html", {"invalid": True}, status=404)
    context = {"token": token}
    if request.method == "POST":
        context["stopped"] = wishlist_notify_stop(user=user)
        context["done"] = True
    return render(request, "wishlists/wishlist_unsubscribe.html", context)
