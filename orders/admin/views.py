"""Custom views of the orders admin: action buttons, the ship form, print pages and the discounts report.

Every view is wrapped by ``admin_site.admin_view`` (staff only; others get the
admin login) and checks the model admin's permissions itself: changes need
``orders.change_order`` (mark paid, cancel and refund also ``orders.refund_order``),
printing ``orders.view_order``. State
changes go through orders.services only; a refused change shows the
service's InvalidTransition message and changes nothing. The CSV export is in
``orders.admin.export``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.admin.forms import DiscountReportForm, OrderShipForm, OrderTransitionForm
from orders.exceptions import InvalidTransition
from orders.models import Order
from orders.selectors import OrderAction, discount_report_list, order_lines_to_ship
from orders.services import (
    order_cancel,
    order_confirm,
    order_mark_delivered,
    order_mark_paid,
    order_refund,
    shipment_create,
)

REFUND_PERMISSION = "orders.refund_order"


@dataclass(frozen=True)
class Transition:
    """A staff action that takes an optional note: its service and what the admin says about it."""

    service: Callable[..., Order]
    label: Promise
    question: Promise
    done: Promise  # %(number)s is the order number
    dangerous: bool = False
    # Money changes (mark paid, cancel, refund) also need orders.refund_order.
    moves_money: bool = False

    def allowed_for(self, user) -> bool:
        return not self.moves_money or user.has_perm(REFUND_PERMISSION)

    @property
    def asks_first(self) -> bool:
        """Whether the order page's button leads to the confirmation page rather than acting at once."""
        return self.dangerous or self.moves_money


TRANSITIONS: dict[str, Transition] = {
    OrderAction.CONFIRM: Transition(
        service=order_confirm,
        label=_("Confirm order"),
        question=_(
            "Confirm cash-on-delivery order %(number)s? A confirmed order is no longer cancelled "
            "automatically."
        ),
        done=_("Order %(number)s is confirmed."),
    ),
    OrderAction.MARK_PAID: Transition(
        service=order_mark_paid,
        label=_("Mark as paid"),
        question=_("Record that the payment for order %(number)s has arrived?"),
        done=_("Order %(number)s is marked as paid."),
        moves_money=True,
    ),
    OrderAction.MARK_DELIVERED: Transition(
        service=order_mark_delivered,
        label=_("Mark as delivered"),
        question=_("Record that order %(number)s has been delivered?"),
        done=_("Order %(number)s is marked as delivered."),
    ),
    OrderAction.CANCEL: Transition(
        service=order_cancel,
        label=_("Cancel order"),
        question=_("Cancel order %(number)s? Its items go back into stock and the customer is told."),
        done=_("Order %(number)s is cancelled; its items are back in stock."),
        dangerous=True,
        moves_money=True,
    ),
    OrderAction.REFUND: Transition(
        service=order_refund,
        label=_("Refund"),
        question=_(
            "Record a refund of order %(number)s? Send the money back first: this only records it "
            "and tells the customer."
        ),
        done=_("Order %(number)s is marked as refunded."),
        dangerous=True,
        moves_money=True,
    ),
}


def _change_url(order: Order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def _order_get(request: HttpRequest, model_admin: admin.ModelAdmin, object_id: str, *, change: bool) -> Order:
    """The order for a custom view, after the permission check (before it, so nothing is revealed)."""
    allowed = model_admin.has_change_permission if change else model_admin.has_view_permission
    if not allowed(request):
        raise PermissionDenied
    order = model_admin.get_object(request, unquote(object_id))
    if order is None:
        raise Http404(gettext("There is no order with this ID."))
    if not allowed(request, order):
        raise PermissionDenied
    return order


def _page(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    template: str,
    title: str,
    status: int = 200,
    **context,
) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        **context,
    }
    return TemplateResponse(request, f"admin/orders/order/{template}", context, status=status)


def order_transition_view(
    request: HttpRequest, *, model_admin: admin.ModelAdmin, object_id: str, action: str
) -> HttpResponse:
    """GET: ask to confirm (with a note); POST: confirm, mark paid, mark delivered, cancel or refund."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise Http404(gettext("Unknown order action."))
    order = _order_get(request, model_admin, object_id, change=True)
    if not transition.allowed_for(request.user):
        raise PermissionDenied
    form = OrderTransitionForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            transition.service(order=order, actor=request.user, note=form.cleaned_data["note"])
        except InvalidTransition as error:
            model_admin.message_user(request, str(error), messages.ERROR)
        else:
            model_admin.message_user(request, transition.done % {"number": order.number}, messages.SUCCESS)
        return redirect(_change_url(order))
    question = transition.question % {"number": order.number}
    return _page(
        request,
        model_admin,
        "transition_confirm.html",
        str(transition.label),
        order=order,
        form=form,
        question=question,
        transition=transition,
        action=action,
    )


def order_ship_view(request: HttpRequest, *, model_admin: admin.ModelAdmin, object_id: str) -> HttpResponse:
    """GET: the parcel form; POST: ship a parcel with carrier, tracking number and its lines' units.

    The form again on errors (400); a refusal by the service (the order moved on, another
    parcel took the units meanwhile) is a message on the order page and ships nothing.
    """
    order = _order_get(request, model_admin, object_id, change=True)
    form = OrderShipForm(
        request.POST if request.method == "POST" else None, lines=order_lines_to_ship(order=order)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            shipment = shipment_create(
                order=order,
                carrier=data["carrier"],
                tracking_number=data["tracking_number"],
                quantities=form.quantities(),
                actor=request.user,
                note=data["note"],
            )
        except InvalidTransition as error:
            model_admin.message_user(request, str(error), messages.ERROR)
        else:
            if shipment.order.fulfilment_status == Order.FulfilmentStatus.SHIPPED:
                done = gettext("Order %(number)s is shipped with %(carrier)s, tracking number %(tracking)s.")
            else:
                done = gettext(
                    "Order %(number)s is partly shipped: a parcel with %(carrier)s, tracking number "
                    "%(tracking)s. Ship the rest when it is ready."
                )
            values = {
                "number": order.number,
                "carrier": data["carrier"],
                "tracking": shipment.tracking_number,
            }
            model_admin.message_user(request, done % values, messages.SUCCESS)
        return redirect(_change_url(order))
    title = gettext("Ship order %(number)s") % {"number": order.number}
    return _page(
        request,
        model_admin,
        "ship_form.html",
        title,
        order=order,
        form=form,
        status=400 if form.is_bound else 200,
    )


def _print_page(
    request: HttpRequest, model_admin: admin.ModelAdmin, object_id: str, template: str, title: str
) -> TemplateResponse:
    order = _order_get(request, model_admin, object_id, change=False)
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "discounts": list(order.discounts.all()),
        "title": title % {"number": order.number},
        "shop_name": settings.SHOP_NAME,
        "shop_address_lines": [line for line in settings.SHOP_ADDRESS.splitlines() if line.strip()],
        "support_email": settings.SUPPORT_EMAIL,
        "site_url": settings.SITE_URL,
        "change_url": _change_url(order),
    }
    return TemplateResponse(request, f"admin/orders/order/{template}", context)


def order_packing_slip_view(
    request: HttpRequest, *, model_admin: admin.ModelAdmin, object_id: str
) -> TemplateResponse:
    """The packing slip to print: what goes in the parcel and where it goes, without prices.

    The discounts are named (a campaign's code may come with something in the parcel), never priced.
    """
    return _print_page(
        request, model_admin, object_id, "packing_slip.html", gettext("Packing slip %(number)s")
    )


def order_invoice_view(
    request: HttpRequest, *, model_admin: admin.ModelAdmin, object_id: str
) -> TemplateResponse:
    """The invoice to print: lines, prices and totals."""
    return _print_page(request, model_admin, object_id, "invoice.html", gettext("Invoice %(number)s"))


def order_discount_report_view(request: HttpRequest, *, model_admin: admin.ModelAdmin) -> TemplateResponse:
    """Per coupon and automatic promotion over a range of days: orders, discount given, revenue.

    For staff who may see orders. Bad dates show the form's errors with a 400.
    """
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    form = DiscountReportForm(request.GET)
    rows = None
    if form.is_valid():
        start, end = form.period()
        rows = discount_report_list(start=start, end=end)
    return _page(
        request,
        model_admin,
        "discount_report.html",
        gettext("Discounts report"),
        form=form,
        rows=rows,
        status=200 if rows is not None else 400,
    )
