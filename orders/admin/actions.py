"""Actions of the order list: each selected order goes through its service on its own.

A service's refusal (InvalidTransition) is listed per order and changes nothing
for that order; the others still go through. The money actions (mark paid, cancel,
refund) and ship first show a page of what will change and what will be left out and
why (with a note, or carriers and tracking numbers); only posting that page back with
``confirmed=yes`` acts, and then only on the orders it listed.
"""

from collections.abc import Callable, Iterable
from functools import partial

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from orders.admin.export import order_csv_response
from orders.admin.forms import OrderShipFormSet, OrderTransitionForm
from orders.admin.views import TRANSITIONS
from orders.exceptions import InvalidTransition
from orders.models import Carrier, Order
from orders.selectors import OrderAction, order_action_list
from orders.services import order_ship


def _done_message(key: str, numbers: list[str]) -> str:
    count = len(numbers)
    templates = {
        OrderAction.CONFIRM: ngettext(
            "%(count)d order confirmed: %(numbers)s.",
            "%(count)d orders confirmed: %(numbers)s.",
            count,
        ),
        OrderAction.MARK_PAID: ngettext(
            "%(count)d order marked as paid: %(numbers)s.",
            "%(count)d orders marked as paid: %(numbers)s.",
            count,
        ),
        OrderAction.MARK_DELIVERED: ngettext(
            "%(count)d order marked as delivered: %(numbers)s.",
            "%(count)d orders marked as delivered: %(numbers)s.",
            count,
        ),
        OrderAction.CANCEL: ngettext(
            "%(count)d order cancelled and restocked: %(numbers)s.",
            "%(count)d orders cancelled and restocked: %(numbers)s.",
            count,
        ),
        OrderAction.REFUND: ngettext(
            "%(count)d order marked as refunded: %(numbers)s.",
            "%(count)d orders marked as refunded: %(numbers)s.",
            count,
        ),
        OrderAction.SHIP: ngettext(
            "%(count)d order shipped: %(numbers)s.",
            "%(count)d orders shipped: %(numbers)s.",
            count,
        ),
    }
    return templates[key] % {"count": count, "numbers": ", ".join(numbers)}


def _run_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    key: str,
    changes: Iterable[tuple[Order, Callable[[], Order]]],
) -> None:
    """Make each order's change on its own; refusals become errors, the rest one success message."""
    done: list[str] = []
    for order, change in changes:
        try:
            change()
        except InvalidTransition as error:
            model_admin.message_user(request, f"{order.number}: {error}", messages.ERROR)
        else:
            done.append(order.number)
    if done:
        model_admin.message_user(request, _done_message(key, done), messages.SUCCESS)


def _apply_each(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Order], key: str, note: str = ""
) -> None:
    service = TRANSITIONS[key].service
    changes = (
        (order, partial(service, order=order, actor=request.user, note=note))
        for order in queryset.order_by("pk")
    )
    _run_each(model_admin, request, key, changes)


def _ship_each(
    model_admin: admin.ModelAdmin, request: HttpRequest, shipments: list[tuple[Order, Carrier, str]]
) -> None:
    changes = (
        (
            order,
            partial(
                order_ship, order=order, carrier=carrier, tracking_number=tracking_number, actor=request.user
            ),
        )
        for order, carrier, tracking_number in shipments
    )
    _run_each(model_admin, request, OrderAction.SHIP, changes)


def _selection_page(
    model_admin: admin.ModelAdmin, request: HttpRequest, template: str, title: str, **context
) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        **context,
    }
    return TemplateResponse(request, f"admin/orders/order/{template}", context)


def _skip_reason(order: Order, key: str) -> str:
    """Why ``order`` cannot take this step now, in the words its service would refuse it with."""
    if key == OrderAction.MARK_PAID:
        if order.is_cancelled:
            return _("A cancelled order cannot be marked as paid.")
        return _("This order has already been paid.")
    if key == OrderAction.CANCEL:
        if order.is_cancelled:
            return _("This order is already cancelled.")
        return _("A shipped order cannot be cancelled.")
    # A refund: offered for paid orders, unless a gateway took the money.
    if order.payment_status != Order.PaymentStatus.PAID:
        return _("Only a paid order can be refunded.")
    return _("This order was paid online: refund it from its payment, so the gateway sends the money back.")


def _confirm_then_apply(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Order], key: str, action: str
) -> TemplateResponse | None:
    """Show what will change and what is left out (and why); act only on ``confirmed=yes``.

    The page posts back only the orders it listed as changing, so an order that was
    left out is never changed by confirming, even if its state moved meanwhile. Each
    service still locks its order and re-checks, so a second confirmation (another tab,
    a double click) changes nothing twice: it is reported as refused.
    """
    form = OrderTransitionForm(request.POST if request.POST.get("confirmed") == "yes" else None)
    if form.is_valid():
        _apply_each(model_admin, request, queryset, key, note=form.cleaned_data["note"])
        return None
    selected = list(queryset.order_by("pk"))
    ready = [order for order in selected if key in order_action_list(order=order)]
    skipped = [(order, _skip_reason(order, key)) for order in selected if order not in ready]
    transition = TRANSITIONS[key]
    return _selection_page(
        model_admin,
        request,
        "confirm_selected.html",
        str(transition.label),
        orders=ready,
        skipped=skipped,
        form=form,
        action=action,
        transition=transition,
    )


@admin.action(
    description=pgettext_lazy("admin action", "Confirm selected cash-on-delivery orders"),
    permissions=["change"],
)
def confirm_selected(model_admin, request, queryset):
    _apply_each(model_admin, request, queryset, OrderAction.CONFIRM)


@admin.action(
    description=pgettext_lazy("admin action", "Mark selected orders as paid…"),
    permissions=["refund"],
)
def mark_paid_selected(model_admin, request, queryset):
    return _confirm_then_apply(model_admin, request, queryset, OrderAction.MARK_PAID, "mark_paid_selected")


@admin.action(
    description=pgettext_lazy("admin action", "Mark selected orders as delivered"), permissions=["change"]
)
def mark_delivered_selected(model_admin, request, queryset):
    _apply_each(model_admin, request, queryset, OrderAction.MARK_DELIVERED)


@admin.action(
    description=pgettext_lazy("admin action", "Cancel selected orders…"),
    permissions=["refund"],
)
def cancel_selected(model_admin, request, queryset):
    return _confirm_then_apply(model_admin, request, queryset, OrderAction.CANCEL, "cancel_selected")


@admin.action(
    description=pgettext_lazy("admin action", "Refund selected orders…"),
    permissions=["refund"],
)
def refund_selected(model_admin, request, queryset):
    return _confirm_then_apply(model_admin, request, queryset, OrderAction.REFUND, "refund_selected")


@admin.action(description=pgettext_lazy("admin action", "Ship selected orders…"), permissions=["change"])
def ship_selected(model_admin, request, queryset):
    selected = list(queryset.order_by("pk"))
    shippable = [order for order in selected if OrderAction.SHIP in order_action_list(order=order)]
    if not shippable:
        model_admin.message_user(
            request, gettext("None of the selected orders can be shipped now."), messages.ERROR
        )
        return None
    orders = Order.objects.filter(pk__in=[order.pk for order in shippable])
    if request.POST.get("confirmed") == "yes":
        formset = OrderShipFormSet(request.POST, prefix="ship", orders=orders)
        if formset.is_valid():
            _ship_each(model_admin, request, formset.shipments())
            return None
    else:
        initial = [{"order": order.pk} for order in shippable]
        formset = OrderShipFormSet(initial=initial, prefix="ship", orders=orders)
    rows = list(zip(formset.forms, shippable, strict=True))
    skipped = [order for order in selected if order not in shippable]
    return _selection_page(
        model_admin,
        request,
        "ship_selected.html",
        gettext("Ship orders"),
        formset=formset,
        rows=rows,
        skipped=skipped,
        orders=selected,
        action="ship_selected",
    )


@admin.action(
    description=pgettext_lazy("admin action", "Export selected orders to CSV"), permissions=["view"]
)
def export_csv_selected(model_admin, request, queryset):
    return order_csv_response(queryset.order_by("-created_at", "-id"), request=request)
