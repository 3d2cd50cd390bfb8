"""The order page: the order, its parcels and payment, its fapiao, and the receipt confirmation."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from orders.exceptions import FapiaoClosed, InvalidTransition
from orders.forms import FapiaoForm
from orders.models import FapiaoRequest, Order
from orders.page_sections import order_page_sections
from orders.selectors import (
    fapiao_request_get,
    order_get_visible,
    order_shipment_list,
    payment_instructions_get,
    payment_panel_get,
)
from orders.services import fapiao_request_open, fapiao_request_save, order_receipt_confirm
from orders.views.payment_forms import allows_payment_forms
from shop.uploads import private_file_response


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
        "page_sections": order_page_sections(request=request, order=order),
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
