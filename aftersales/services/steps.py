"""What staff do with a request: approve or reject it, receive the goods, send an exchange, close it.

Each step locks the order row, then the request row, re-checks the state under the locks
and refuses what makes no sense with StepNotAllowed; each records actor, time and note on
the request and in the order's history, and emails the customer.
"""

from collections.abc import Mapping

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import ExchangeOutOfStock, StepNotAllowed
from aftersales.models import AfterSalesLine, AfterSalesRequest
from aftersales.services._records import request_change_record, request_lock
from catalog.exceptions import InsufficientStock
from catalog.stock import stock_return, stock_take
from orders.models import OrderEvent
from orders.services import order_event_record

Status = AfterSalesRequest.Status


@transaction.atomic(durable=True)
def after_sales_approve(
    *,
    request: AfterSalesRequest,
    actor: AbstractBaseUser,
    return_address: str = "",
    return_instructions: str = "",
    note: str = "",
) -> AfterSalesRequest:
    """Accept a waiting request: a return or exchange gets where and how to send the goods back.

    Raises StepNotAllowed unless the request is waiting for review, and for a return or
    exchange without a return address.
    """
    _order, request = request_lock(request=request)
    if request.status != Status.REQUESTED:
        raise StepNotAllowed(_("Only a request waiting for review can be approved."))
    return_address = return_address.strip()
    if request.needs_goods_back and not return_address:
        raise StepNotAllowed(_("Enter the address the customer sends the goods back to."))
    request.return_address = return_address if request.needs_goods_back else ""
    request.return_instructions = return_instructions.strip() if request.needs_goods_back else ""
    request.status = Status.APPROVED
    request_change_record(
        request=request,
        from_status=Status.REQUESTED,
        actor=actor,
        note=note.strip(),
        fields=("return_address", "return_instructions"),
    )
    return request


@transaction.atomic(durable=True)
def after_sales_reject(
    *, request: AfterSalesRequest, actor: AbstractBaseUser, reason: str
) -> AfterSalesRequest:
    """Turn a waiting request down with a reason the customer reads. Its units may be asked about again.

    Raises StepNotAllowed unless the request is waiting for review, and without a reason.
    """
    _order, request = request_lock(request=request)
    if request.status != Status.REQUESTED:
        raise StepNotAllowed(_("Only a request waiting for review can be rejected."))
    reason = reason.strip()
    if not reason:
        raise StepNotAllowed(_("Tell the customer why the request is rejected."))
    request.rejection_reason = reason
    request.status = Status.REJECTED
    request_change_record(
        request=request, from_status=Status.REQUESTED, actor=actor, note=reason, fields=("rejection_reason",)
    )
    return request


@transaction.atomic(durable=True)
def after_sales_receive(
    *, request: AfterSalesRequest, actor: AbstractBaseUser, restock: Mapping[int, int], note: str = ""
) -> AfterSalesRequest:
    """The returned goods arrived: put ``restock`` (units by request line id) back in stock, once.

    Raises StepNotAllowed unless the request is an approved return or exchange (or on its
    way back), and for a restock quantity below zero or above the line's units. The stock
    goes back through the catalogue (variants in ascending id, after the order and the
    request: docs/architecture.md, "Lock order"), so cached pages and back-in-stock notices follow.
    """
    order, request = request_lock(request=request)
    if not request.needs_goods_back or request.status not in (Status.APPROVED, Status.RETURNING):
        raise StepNotAllowed(_("Only an approved return or exchange can be received."))
    lines = list(request.lines.select_related("order_line"))
    known = {line.pk for line in lines}
    if any(line_id not in known for line_id in restock):
        raise StepNotAllowed(_("Restock only the lines of this request."))
    quantities: dict[int, int] = {}
    restocked = []
    gone = []
    for line in lines:
        units = restock.get(line.pk, 0)
        if units < 0 or units > line.quantity:
            raise StepNotAllowed(
                _("Restock between 0 and %(count)d of %(product)s.")
                % {"count": line.quantity, "product": line.order_line.product_name}
            )
        if units and line.order_line.variant_id is None:
            gone.append(line.order_line.sku)
        elif units:
            quantities[line.order_line.variant_id] = quantities.get(line.order_line.variant_id, 0) + units
            line.restocked_quantity = units
            restocked.append(line)
    if restocked:
        AfterSalesLine.objects.bulk_update(restocked, ["restocked_quantity"])
        stock_return(quantities=quantities)
        order_event_record(
            order=order,
            kind=OrderEvent.Kind.RESTOCKED,
            from_state="",
            to_state="",
            actor=actor,
            note=f"{request.number}: "
            + ", ".join(f"{line.order_line.sku} x {line.restocked_quantity}" for line in restocked),
        )
    if gone:
        # Said in the history, so nobody believes these units are back on sale.
        skipped = _("Not restocked, no longer in the catalogue: %(skus)s.") % {"skus": ", ".join(gone)}
        note = f"{skipped} {note.strip()}"
    from_status = request.status
    request.status = Status.RECEIVED
    request.goods_received_at = timezone.now()
    request_change_record(
        request=request,
        from_status=from_status,
        actor=actor,
        note=note.strip(),
        fields=("goods_received_at",),
    )
    return request


@transaction.atomic(durable=True)
def after_sales_exchange_send(
    *, request: AfterSalesRequest, actor: AbstractBaseUser, carrier: str, tracking_number: str, note: str = ""
) -> AfterSalesRequest:
    """Send the replacement of a received exchange, taking its stock under the checkout's rules.

    Raises StepNotAllowed unless the request is a received exchange, and without a carrier
    and tracking number; ExchangeOutOfStock (nothing taken) when an option is short, so
    staff can refund the request instead.
    """
    _order, request = request_lock(request=request)
    if request.kind != AfterSalesRequest.Kind.EXCHANGE or request.status != Status.RECEIVED:
        raise StepNotAllowed(_("A replacement is sent once the exchanged goods are received."))
    carrier, tracking_number = carrier.strip()[:100], tracking_number.strip()[:100]
    if not carrier or not tracking_number:
        raise StepNotAllowed(_("Enter the carrier and the tracking number of the replacement."))
    lines = list(request.lines.select_related("order_line", "exchange_variant"))
    quantities: dict[int, int] = {}
    for line in lines:
        quantities[line.exchange_variant_id] = quantities.get(line.exchange_variant_id, 0) + line.quantity
    try:
        with transaction.atomic():
            stock_take(quantities=quantities)
    except InsufficientStock as error:
        short = next(line for line in lines if line.exchange_variant_id == error.variant_id)
        raise ExchangeOutOfStock(
            _("%(sku)s has %(count)d left, not enough for this exchange: refund the request instead.")
            % {"sku": short.exchange_variant.sku, "count": error.available}
        ) from error
    request.exchange_carrier, request.exchange_tracking_number = carrier, tracking_number
    request.status = Status.EXCHANGED
    request_change_record(
        request=request,
        from_status=Status.RECEIVED,
        actor=actor,
        note=f"{carrier} {tracking_number} {note.strip()}".strip(),
        fields=("exchange_carrier", "exchange_tracking_number"),
    )
    return request


@transaction.atomic(durable=True)
def after_sales_close(*, request: AfterSalesRequest, actor: AbstractBaseUser, note: str) -> AfterSalesRequest:
    """End a request that goes no further (the goods never came back, it was settled otherwise).

    Raises StepNotAllowed for a request that has ended or whose refund is under way, and
    without a note saying why.
    """
    _order, request = request_lock(request=request)
    if request.is_final or request.status == Status.REFUNDING:
        raise StepNotAllowed(_("This request has ended or its refund is under way; it cannot be closed."))
    note = note.strip()
    if not note:
        raise StepNotAllowed(_("Say why the request is closed; the customer reads it."))
    from_status = request.status
    request.status = Status.CLOSED
    request.closing_note = note
    request_change_record(
        request=request, from_status=from_status, actor=actor, note=note, fields=("closing_note",)
    )
    return request
