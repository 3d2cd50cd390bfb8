"""Fapiao requests: recorded at checkout or from the order page, issued by staff."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.exceptions import FapiaoClosed, FapiaoNotReady
from orders.models import FapiaoRequest, Order, OrderEvent, OutboundEmail
from orders.services.records import order_email_enqueue, order_event_record, order_lock


@dataclass(frozen=True)
class FapiaoData:
    """A validated fapiao request (built by the fapiao fields of the checkout and order-page forms)."""

    kind: str
    title: str
    tax_number: str  # normalised; "" for a personal fapiao
    email: str

    def as_fields(self) -> dict:
        return {"kind": self.kind, "title": self.title, "tax_number": self.tax_number, "email": self.email}


def fapiao_note(fapiao: FapiaoData | FapiaoRequest) -> str:
    """The order event's note: who the fapiao is made out to."""
    return f"{fapiao.title} {fapiao.tax_number}".strip()


def fapiao_request_record(
    *, order: Order, fapiao: FapiaoData, actor: AbstractBaseUser | None
) -> FapiaoRequest:
    """Store a new order's fapiao request and its event, in the caller's (order-placing) transaction."""
    request = FapiaoRequest.objects.create(order=order, requested_at=timezone.now(), **fapiao.as_fields())
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.FAPIAO_REQUESTED,
        from_state="",
        to_state=FapiaoRequest.Status.REQUESTED,
        actor=actor,
        note=fapiao_note(fapiao),
    )
    return request


def fapiao_request_open(order: Order) -> bool:
    """Whether the order still takes a fapiao request or a change: not cancelled, refunded or completed."""
    return not order.is_cancelled and order.display_status not in (
        Order.Status.COMPLETED,
        Order.Status.REFUNDED,
    )


@transaction.atomic(durable=True)
def fapiao_request_save(*, order: Order, fapiao: FapiaoData, actor: AbstractBaseUser | None) -> FapiaoRequest:
    """Request the order's fapiao from the order page, or change the request not yet issued.

    Locks the order row, then re-reads its fapiao under the lock (a staff member issuing it
    locks the same row first, so a change never lands on an issued fapiao). Raises
    FapiaoClosed when the order is cancelled, refunded or completed, or the fapiao was
    issued; then nothing changes. Records a fapiao_requested event. Must not run inside a
    transaction.
    """
    order = order_lock(order)
    if not fapiao_request_open(order):
        raise FapiaoClosed(_("This order is finished: a fapiao can no longer be requested for it."))
    existing = FapiaoRequest.objects.filter(order=order).first()
    if existing is not None and existing.is_issued:
        raise FapiaoClosed(_("This order's fapiao has been issued and can no longer be changed."))
    if existing is None:
        request = FapiaoRequest.objects.create(order=order, requested_at=timezone.now(), **fapiao.as_fields())
    else:
        for name, value in fapiao.as_fields().items():
            setattr(existing, name, value)
        existing.save(update_fields=list(fapiao.as_fields()))
        request = existing
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.FAPIAO_REQUESTED,
        from_state=existing.status if existing is not None else "",
        to_state=FapiaoRequest.Status.REQUESTED,
        actor=actor,
        note=fapiao_note(fapiao),
    )
    return request


def fapiao_issue(
    *, fapiao: FapiaoRequest, number: str, pdf: File | None, actor: AbstractBaseUser | None
) -> FapiaoRequest:
    """Mark the fapiao issued with its number and/or its PDF, and email the customer.

    Locks the order row (as a customer's change does), then re-reads the fapiao: of two
    staff issuing at once, the second gets FapiaoNotReady, as does a call with neither
    number nor PDF. The PDF must already be checked (orders.admin.forms). Records a
    fapiao_issued event and enqueues the customer's email (in the order's language, with
    the private download link) in this transaction; a stored PDF is deleted again when the
    transaction fails. Must not run inside a transaction.
    """
    if not number and pdf is None:
        raise FapiaoNotReady(_("Give the fapiao number or upload its PDF."))
    saved = []
    try:
        with transaction.atomic(durable=True):
            order = order_lock(fapiao.order)
            fapiao = FapiaoRequest.objects.select_for_update().get(pk=fapiao.pk)
            if fapiao.is_issued:
                raise FapiaoNotReady(_("This fapiao was issued already."))
            if pdf is not None:
                fapiao.pdf.save("fapiao.pdf", pdf, save=False)
                saved.append(fapiao.pdf.name)
            fapiao.number = number
            fapiao.status = FapiaoRequest.Status.ISSUED
            fapiao.issued_at = timezone.now()
            fapiao.issued_by = actor if actor is not None and actor.is_authenticated else None
            fapiao.save(update_fields=["number", "pdf", "status", "issued_at", "issued_by"])
            order_event_record(
                order=order,
                kind=OrderEvent.Kind.FAPIAO_ISSUED,
                from_state=FapiaoRequest.Status.REQUESTED,
                to_state=FapiaoRequest.Status.ISSUED,
                actor=actor,
                note=number,
            )
            order_email_enqueue(order=order, kind=OutboundEmail.Kind.FAPIAO_ISSUED, to_email=fapiao.email)
    except BaseException:
        for name in saved:
            fapiao.pdf.storage.delete(name)
        raise
    return fapiao
