"""Refunding a request: the amount, computed under locks, sent through the payments services.

The amount is what was paid for the request's units (each line's total after its
discounts, shared by unit so that a line refunded over several requests adds up to
exactly what it cost), plus the shipping paid when every unit of the order has now been
refunded or staff choose to, never more than is left of what was paid. A gateway
refund is stored first and sent after commit; its final answer comes back through
``payments.signals.refund_settled`` (``refund_settled_receive``).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.emails import REFUND_FAILED
from aftersales.exceptions import RefundNotPossible, StepNotAllowed
from aftersales.models import AfterSalesLine, AfterSalesRequest
from aftersales.rules import units_refund_amount
from aftersales.selectors import order_after_sales_refunded, units_refunded_by_line
from aftersales.services._records import request_change_record, request_lock
from orders.models import Order
from payments.exceptions import RefundNotAllowed
from payments.models import Payment, Refund
from payments.selectors import order_payment_paid_get
from payments.services import offline_refund_record, payment_refund_prepare, payment_refund_send
from shop.money import format_money

Status = AfterSalesRequest.Status


@dataclass(frozen=True)
class RefundQuote:
    """What a request's refund would be: per request line, the shipping, the total, and the cap."""

    lines: dict[int, Decimal]
    shipping: Decimal
    total: Decimal
    everything_returned: bool


def refund_quote(*, request: AfterSalesRequest, include_shipping: bool = False) -> RefundQuote:
    """The refund of ``request`` if it were made now (reads only; the refund itself re-reads under locks)."""
    order = request.order
    refunded_units = units_refunded_by_line(order=order, exclude_request=request)
    lines = list(request.lines.select_related("order_line"))
    amounts = {
        line.pk: units_refund_amount(
            paid_total=line.order_line.paid_total,
            quantity=line.order_line.quantity,
            refunded_before=refunded_units.get(line.order_line_id, 0),
            units=line.quantity,
        )
        for line in lines
    }
    for line in lines:
        refunded_units[line.order_line_id] = refunded_units.get(line.order_line_id, 0) + line.quantity
    everything = all(refunded_units.get(line.pk, 0) >= line.quantity for line in order.lines.all())
    _total_before, shipping_before = order_after_sales_refunded(order=order, exclude_request=request)
    shipping = Decimal("0.00")
    if everything or include_shipping:
        shipping = max(Decimal("0.00"), order.shipping_total - order.shipping_discount - shipping_before)
    goods = sum(amounts.values(), Decimal("0.00"))
    return RefundQuote(
        lines=amounts, shipping=shipping, total=goods + shipping, everything_returned=everything
    )


def _left_to_refund(*, order: Order, payment: Payment | None, request: AfterSalesRequest) -> Decimal:
    """What is left of what was paid: the payment's refundable amount, else the order's total less refunds."""
    if payment is not None:
        pending = sum(
            (refund.amount for refund in payment.refunds.filter(status=Refund.Status.PENDING)),
            Decimal("0.00"),
        )
        return payment.refundable_amount - pending
    refunded, _shipping = order_after_sales_refunded(order=order, exclude_request=request)
    return order.grand_total - refunded


@transaction.atomic(durable=True)
def _refund_start(
    *, request: AfterSalesRequest, actor: AbstractBaseUser, include_shipping: bool, reference: str, note: str
) -> tuple[AfterSalesRequest, Refund | None]:
    # Lock order: the payment row, then the order row, then the request (docs/architecture.md).
    payment = order_payment_paid_get(order=request.order)
    if payment is not None:
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
    order, request = request_lock(request=request)
    if not request.refund_due:
        if request.status in (Status.REFUNDING, Status.REFUNDED):
            raise StepNotAllowed(_("This request is refunded or its refund is under way already."))
        raise StepNotAllowed(
            _("This request cannot be refunded yet: its goods are not back, or it is not approved.")
        )
    if order.payment_status != Order.PaymentStatus.PAID:
        raise RefundNotPossible(
            _("Only a paid order can be refunded; this one is not paid or is refunded already.")
        )
    quote = refund_quote(request=request, include_shipping=include_shipping)
    left = _left_to_refund(order=order, payment=payment, request=request)
    amount = min(quote.total, left)
    if amount <= 0:
        raise RefundNotPossible(_("Nothing is left to refund on this order."))
    # Capped by what is left (money sent back otherwise since): the goods take it first, line
    # by line, then the shipping, so the stored parts always add up to the amount refunded.
    lines = list(request.lines.all())
    remaining = amount
    for line in lines:
        line.refund_amount = min(quote.lines[line.pk], remaining)
        remaining -= line.refund_amount
    AfterSalesLine.objects.bulk_update(lines, ["refund_amount"])
    request.refund_amount = amount
    request.refund_shipping = min(quote.shipping, remaining)
    from_status = request.status
    refund = None
    if payment is not None:
        try:
            refund = payment_refund_prepare(
                payment=payment,
                amount=amount,
                actor=actor,
                reason=_("After-sales %(number)s") % {"number": request.number},
            )
        except RefundNotAllowed as error:
            raise RefundNotPossible(error.message) from error
        request.refund = refund
        request.refund_reference = refund.reference
        request.status = Status.REFUNDING
        step_note = _("Refund of %(amount)s sent through the payment gateway.") % {
            "amount": format_money(amount)
        }
    else:
        refunded_before, _shipping = order_after_sales_refunded(order=order, exclude_request=request)
        try:
            offline_refund_record(
                order=order,
                amount=amount,
                reference=reference,
                completes_order=refunded_before + amount >= order.grand_total,
                actor=actor,
                note=note,
            )
        except RefundNotAllowed as error:
            raise RefundNotPossible(error.message) from error
        request.refund_reference = reference.strip()[:100]
        request.status = Status.REFUNDED
        step_note = _("%(amount)s refunded by hand (reference %(reference)s).") % {
            "amount": format_money(amount),
            "reference": request.refund_reference,
        }
    request_change_record(
        request=request,
        from_status=from_status,
        actor=actor,
        note=f"{step_note} {note.strip()}".strip(),
        fields=("refund_amount", "refund_shipping", "refund", "refund_reference"),
        # A gateway refund is emailed when the gateway answers (refunded, or not completed):
        # one email per outcome, and none that a refusal would make untrue.
        email=request.status == Status.REFUNDED,
    )
    return request, refund


def after_sales_refund(
    *,
    request: AfterSalesRequest,
    actor: AbstractBaseUser,
    include_shipping: bool = False,
    reference: str = "",
    note: str = "",
) -> AfterSalesRequest:
    """Refund a received return or exchange, or an approved refund without return (outside any transaction).

    Under the payment row's lock (when a gateway paid the order), then the order's and
    the request's, computes the amount (``refund_quote``, capped by what is left of what
    was paid) and moves the request on, so two staff clicking at once make one refund.
    A gateway payment is refunded through its refund API: the request is "refund in
    progress" until the gateway's answer settles it. An order paid offline is recorded
    as refunded by hand with staff's ``reference``. Raises StepNotAllowed and
    RefundNotPossible.
    """
    request, refund = _refund_start(
        request=request, actor=actor, include_shipping=include_shipping, reference=reference, note=note
    )
    if refund is not None:
        payment_refund_send(refund=refund)
        request.refresh_from_db()
    return request


def refund_settled_receive(*, refund: Refund) -> None:
    """Finish the request a settled gateway refund was for (inside the refund's transaction).

    Locks the order row, then the request. A refund that succeeded makes the request
    refunded; one the gateway refused puts it back where its refund started, so staff
    can try again or refund by hand, and the customer is told the refund did not go through.
    """
    request = AfterSalesRequest.objects.filter(refund=refund).select_related("order").first()
    if request is None:
        return
    _order, request = request_lock(request=request)
    if request.status != Status.REFUNDING or request.refund_id != refund.pk:
        return
    if refund.status == Refund.Status.SUCCEEDED:
        request.status = Status.REFUNDED
        request_change_record(
            request=request,
            from_status=Status.REFUNDING,
            actor=refund.actor,
            note=_("The gateway refunded %(amount)s.") % {"amount": format_money(refund.amount)},
        )
        return
    amount = request.refund_amount
    request.status = request.refund_from_status
    request.refund = None
    request.refund_reference = ""
    request.refund_amount = None
    request.refund_shipping = Decimal("0.00")
    request.lines.update(refund_amount=Decimal("0.00"))
    request_change_record(
        request=request,
        from_status=Status.REFUNDING,
        actor=refund.actor,
        note=_("The gateway refused the refund: %(error)s") % {"error": refund.error or "-"},
        fields=("refund", "refund_reference", "refund_amount", "refund_shipping"),
        email_step=REFUND_FAILED,
        email_amount=amount,
    )
