"""The shopper's after-sales pages: the request form with its review step, the order page's section,
the return parcel's tracking, withdrawing, and the request's photos.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.exceptions import RequestNotAllowed, StepNotAllowed
from aftersales.forms import AfterSalesRequestForm, ReturnParcelForm
from aftersales.models import AfterSalesRequest
from aftersales.photos import photo_file_response
from aftersales.selectors import (
    SHIPPED_STATES,
    exchange_options_by_line,
    order_after_sales_deadlines,
    order_after_sales_possible,
    order_line_availability,
    refund_preview,
    request_get_visible,
    request_list_for_order,
)
from aftersales.services import after_sales_request_create, after_sales_return_parcel, after_sales_withdraw
from aftersales.submission import submit_token_hash, submit_token_issue, submit_token_valid
from orders.models import Order
from orders.page_sections import OrderPageSection
from orders.selectors import order_get_visible

Kind = AfterSalesRequest.Kind
Status = AfterSalesRequest.Status
# Photo types a browser may show inline, once the file's first bytes confirm them.


def _access_query(request: HttpRequest) -> str:
    """The page's guest token as a query string for forms, links and redirects ("" when signed in)."""
    token = request.GET.get("token", "")
    return "?" + urlencode({"token": token}) if token else ""


def _order_url(request: HttpRequest, order: Order) -> str:
    return order.get_absolute_url() + _access_query(request)


def _windows(order: Order) -> dict:
    """The windows as the pages state them: their lengths and, once received, their last days (no query)."""
    now = timezone.now()
    windows = {
        "no_reason_days": settings.AFTER_SALES_NO_REASON_DAYS,
        "faulty_days": settings.AFTER_SALES_FAULTY_DAYS,
    }
    for name, deadline in zip(("no_reason", "faulty"), order_after_sales_deadlines(order=order), strict=True):
        # The deadline is the first moment after the window: its last day is the day before.
        windows[f"{name}_last_day"] = (
            timezone.localtime(deadline - timedelta(seconds=1)).date() if deadline else None
        )
        windows[f"{name}_open"] = deadline is None or now < deadline
    return windows


# The request form -------------------------------------------------------------------------------


def _request_form(request: HttpRequest, order: Order) -> AfterSalesRequestForm:
    availability = order_line_availability(order=order)
    options = exchange_options_by_line(lines=[available.order_line for available in availability])
    if request.method == "POST":
        return AfterSalesRequestForm(
            request.POST, request.FILES, availability=availability, exchange_options=options
        )
    return AfterSalesRequestForm(availability=availability, exchange_options=options)


def _form_page(
    request: HttpRequest,
    order: Order,
    form: AfterSalesRequestForm,
    *,
    review: bool,
    status: int = 200,
    submit_token: str = "",
) -> HttpResponse:
    rows = form.line_rows()
    context = {
        "order": order,
        "form": form,
        "rows": rows,
        "exempt_rows": [row for row in rows if row.availability.no_reason_exempt],
        "review": review,
        "access_query": _access_query(request),
        "windows": _windows(order),
    }
    if review:
        lines = form.request_lines()
        wanted = {line.order_line_id: form.exchange_label(line) for line in lines}
        preview = refund_preview(order=order, lines=lines)
        kind = form.cleaned_data["kind"]
        context.update(
            kind_label=Kind(kind).label,
            reason_label=AfterSalesRequest.Reason(form.cleaned_data["reason"]).label,
            review_lines=[
                {"line": line, "wanted": wanted.get(line.order_line.pk, "")} for line in preview.lines
            ],
            preview=preview,
            refunds=kind != Kind.EXCHANGE,
            # The same token again when the review comes back (a photo refused), so a request
            # sent meanwhile from another tab of this review is not made twice.
            submit_token=submit_token or submit_token_issue(order_number=order.number),
        )
    return render(request, "aftersales/request_form.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, number: str) -> HttpResponse:
    """Ask for after-sales: the form, then a review of what comes back ("review"), then "send"."""
    order = order_get_visible(request=request, number=number)
    if not order_after_sales_possible(order=order):
        message = _("After-sales requests can be made once a paid order has shipped.")
        if request.method == "POST":
            # Nothing is stored: the form again with why (409), not a redirect that looks like success.
            form = _request_form(request, order)
            form.is_valid()
            form.add_error(None, message)
            return _form_page(request, order, form, review=False, status=409)
        messages.info(request, message)
        return redirect(_order_url(request, order))
    form = _request_form(request, order)
    if request.method == "GET" or "edit" in request.POST:
        return _form_page(request, order, form, review=False)
    token = request.POST.get("submit_token", "")
    token = token if submit_token_valid(token, order_number=order.number) else ""
    if not form.is_valid():
        review = form.only_photo_errors
        return _form_page(request, order, form, review=review, status=400, submit_token=token)
    if "send" not in request.POST:
        return _form_page(request, order, form, review=True)
    if not token:
        # Sent without its review (or after a day): the shopper sees what comes back first.
        form.add_error(None, _("Please check your request below, then send it."))
        return _form_page(request, order, form, review=True, status=400)
    data = form.cleaned_data
    try:
        created = after_sales_request_create(
            order=order,
            kind=data["kind"],
            reason=data["reason"],
            lines=form.request_lines(),
            description=data["description"],
            photos=data["photos"],
            actor=request.user,
            submit_token=submit_token_hash(token),
        )
    except RequestNotAllowed as error:
        form.add_error(None, error.message)
        return _form_page(request, order, form, review=False, status=409)
    messages.success(
        request,
        _("Your request %(number)s is sent. We will email you when we have looked at it.")
        % {"number": created.number},
    )
    return redirect(_order_url(request, order))


# The order page's section -----------------------------------------------------------------------


def order_page_section(request: HttpRequest, order: Order) -> OrderPageSection | None:
    """The order's requests and their next steps, and the link to ask; None before shipping (no query).

    Requests stay listed whatever became of the order since (refunded in full by them, say);
    the link to ask shows only while the order allows a new request.
    """
    if order.fulfilment_status not in SHIPPED_STATES:
        return None
    requests = request_list_for_order(order=order)
    windows = _windows(order)
    can_ask = (
        order_after_sales_possible(order=order)
        # The faulty-goods window is the longest: while it is open, something may be asked.
        and windows["faulty_open"]
        and any(available.available for available in order_line_availability(order=order))
    )
    if not requests and not can_ask:
        return None
    entries = [
        {
            "request": item,
            "parcel_form": _parcel_form(item) if _takes_parcel(item) else None,
            "can_withdraw": item.status in (Status.REQUESTED, Status.APPROVED),
        }
        for item in requests
    ]
    return OrderPageSection(
        template_name="aftersales/_order_section.html",
        context={
            "entries": entries,
            "can_ask": can_ask,
            "access_query": _access_query(request),
            "windows": windows,
        },
    )


def _takes_parcel(item: AfterSalesRequest) -> bool:
    return item.needs_goods_back and item.status in (Status.APPROVED, Status.RETURNING)


def _parcel_form(item: AfterSalesRequest, data: dict | None = None) -> ReturnParcelForm:
    initial = {"carrier": item.return_carrier, "tracking_number": item.return_tracking_number}
    return ReturnParcelForm(data, prefix=item.number.lower(), initial=initial)


# Steps on a request -----------------------------------------------------------------------------


def _step_page(
    request: HttpRequest, item: AfterSalesRequest, *, message: str = "", form=None, status: int
) -> HttpResponse:
    context = {
        "order": item.order,
        "item": item,
        "message": message,
        "parcel_form": form,
        "access_query": _access_query(request),
    }
    return render(request, "aftersales/request_step.html", context, status=status)


@never_cache
@require_POST
def request_return_parcel(request: HttpRequest, number: str, request_number: str) -> HttpResponse:
    """The carrier and tracking number of the goods sent back; a refused step says why (409)."""
    item = request_get_visible(request=request, order_number=number, number=request_number)
    form = _parcel_form(item, request.POST)
    if not form.is_valid():
        return _step_page(request, item, form=form, status=400)
    try:
        after_sales_return_parcel(
            request=item,
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
            actor=request.user,
        )
    except StepNotAllowed as error:
        return _step_page(request, item, message=error.message, status=409)
    messages.success(request, _("Thank you. We will let you know when your parcel arrives."))
    return redirect(_order_url(request, item.order))


@never_cache
@require_POST
def request_withdraw(request: HttpRequest, number: str, request_number: str) -> HttpResponse:
    """Take a request back; once the goods are on their way or it has ended, a 409 says why."""
    item = request_get_visible(request=request, order_number=number, number=request_number)
    try:
        after_sales_withdraw(request=item, actor=request.user)
    except StepNotAllowed as error:
        return _step_page(request, item, message=error.message, status=409)
    messages.success(request, _("Your request %(number)s is withdrawn.") % {"number": item.number})
    return redirect(_order_url(request, item.order))


@never_cache
@require_GET
def request_photo(request: HttpRequest, number: str, request_number: str, photo_id: int) -> HttpResponse:
    """A photo of a request, for the order's owner or link holder only; inline only when it is an image."""
    item = request_get_visible(request=request, order_number=number, number=request_number)
    photo = next((photo for photo in item.photos.all() if photo.pk == photo_id), None)
    if photo is None:
        raise Http404()
    return photo_file_response(photo)
