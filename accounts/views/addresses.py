"""The address book pages: a customer's own addresses only (another customer's is a 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.exceptions import AddressBookFull, SavedAddressNotFound
from accounts.forms import SavedAddressForm
from accounts.models import ADDRESS_BOOK_LIMIT
from accounts.selectors import saved_address_get_visible, saved_address_list
from accounts.services import (
    saved_address_create,
    saved_address_default_set,
    saved_address_delete,
    saved_address_update,
)
from shop.addresses import ADDRESS_STEP


def book_full_message() -> str:
    return ngettext(
        "Your address book is full: it holds %(limit)s address. Delete one to add another.",
        "Your address book is full: it holds %(limit)s addresses. Delete one to add another.",
        ADDRESS_BOOK_LIMIT,
    ) % {"limit": ADDRESS_BOOK_LIMIT}


def _form_page(
    request: HttpRequest, form: SavedAddressForm, *, address=None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "address": address}
    return render(request, "account/address_form.html", context, status=status)


@require_GET
@login_required
def address_list(request: HttpRequest) -> HttpResponse:
    """The customer's addresses, the default first."""
    addresses = saved_address_list(user=request.user)
    context = {
        "addresses": addresses,
        "limit": ADDRESS_BOOK_LIMIT,
        "book_full": len(addresses) >= ADDRESS_BOOK_LIMIT,
    }
    return render(request, "account/address_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def address_add(request: HttpRequest) -> HttpResponse:
    """Add an address; the first one becomes the default."""
    if request.method == "POST" and ADDRESS_STEP in request.POST:
        # A next-level button without JavaScript: the form again as typed, with the new choices.
        return _form_page(request, SavedAddressForm(initial=SavedAddressForm.typed_values(request.POST)))
    form = SavedAddressForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            saved_address_create(user=request.user, values=form.cleaned_data)
        except AddressBookFull:
            form.add_error(None, book_full_message())
            return _form_page(request, form, status=409)
        messages.success(request, _("The address has been added to your address book."))
        return redirect("account:addresses")
    return _form_page(request, form, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def address_edit(request: HttpRequest, address_id: int) -> HttpResponse:
    """Change one of your addresses."""
    address = saved_address_get_visible(user=request.user, address_id=address_id)
    if request.method == "POST" and ADDRESS_STEP in request.POST:
        form = SavedAddressForm(initial=SavedAddressForm.typed_values(request.POST))
        return _form_page(request, form, address=address)
    form = SavedAddressForm.for_address(address, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            saved_address_update(user=request.user, address_id=address.pk, values=form.cleaned_data)
        except SavedAddressNotFound as error:  # deleted in another tab meanwhile
            raise Http404("No such address.") from error
        messages.success(request, _("The address has been saved."))
        return redirect("account:addresses")
    return _form_page(request, form, address=address, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def address_delete(request: HttpRequest, address_id: int) -> HttpResponse:
    """GET asks to confirm; POST deletes (the newest other address becomes the default if needed)."""
    address = saved_address_get_visible(user=request.user, address_id=address_id)
    if request.method == "POST":
        try:
            saved_address_delete(user=request.user, address_id=address.pk)
        except SavedAddressNotFound as error:
            raise Http404("No such address.") from error
        messages.success(request, _("The address has been deleted."))
        return redirect("account:addresses")
    return render(request, "account/address_delete_confirm.html", {"address": address})


@require_POST
@login_required
def address_default_set(request: HttpRequest, address_id: int) -> HttpResponse:
    """Make this address the default offered at checkout."""
    try:
        saved_address_default_set(user=request.user, address_id=address_id)
    except SavedAddressNotFound as error:
        raise Http404("No such address.") from error
    messages.success(request, _("Checkout now offers this address first."))
    return redirect("account:addresses")
