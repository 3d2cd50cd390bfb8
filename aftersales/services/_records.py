"""What every after-sales step records besides the request row: its event, the order's history, the email.

All of it in the caller's transaction, with the order row and the request row locked.
"""

from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from aftersales.models import AfterSalesEvent, AfterSalesRequest
from orders.models import Order, OrderEvent, OutboundEmail
from orders.services import order_email_enqueue, order_event_record, order_lock


def request_lock(*, request: AfterSalesRequest) -> tuple[Order, AfterSalesRequest]:
    """The order row, then the request row, locked until the caller's transaction ends, as they are now.

    Every after-sales step takes them in this order (docs/architecture.md, "Lock order").
    """
    order = order_lock(request.order)
    locked = AfterSalesRequest.objects.select_for_update().get(pk=request.pk)
    locked.order = order
    return order, locked


def _actor_or_none(actor: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return actor if actor is not None and actor.is_authenticated else None


def request_change_record(
    *,
    request: AfterSalesRequest,
    from_status: str,
    actor: AbstractBaseUser | None,
    note: str = "",
    fields: tuple[str, ...] = (),
    email: bool = True,
    email_step: str = "",
    email_amount: Decimal | None = None,
) -> None:
    """Save the request's changed fields and its status, record the step twice and email the customer.

    The request's event and the order's history both get who, when, from, to and the note;
    the customer gets an email in the order's language (sent by orders' email task) unless
    ``email`` is False (a step the customer has nothing to do with). The email keeps what it
    reports as it is now (the state, the refund amount, a named ``email_step`` such as
    "refund_failed"), so it says the same when it is sent later, whatever happened meanwhile.
    """
    if request.is_final and request.closed_at is None:
        request.closed_at = timezone.now()
        fields = (*fields, "closed_at")
    request.save(update_fields=[*dict.fromkeys(fields), "status", "updated_at"])
    actor = _actor_or_none(actor)
    AfterSalesEvent.objects.create(
        request=request, from_status=from_status, to_status=request.status, actor=actor, note=note
    )
    order_event_record(
        order=request.order,
        kind=OrderEvent.Kind.AFTER_SALES,
        from_state=from_status,
        to_state=request.status,
        actor=actor,
        note=f"{request.number}: {note}".strip().rstrip(":"),
    )
    if not email:
        return
    order_email_enqueue(
        order=request.order,
        kind=OutboundEmail.Kind.AFTER_SALES,
        detail={
            "request_id": request.pk,
            "status": request.status,
            "step": email_step,
            "amount": str(email_amount if email_amount is not None else request.refund_amount or ""),
        },
    )
