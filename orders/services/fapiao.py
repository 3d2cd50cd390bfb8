"""Fapiao requests: recorded at checkout or from the order page, issued by staff."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from orders.models import FapiaoRequest, Order, OrderEvent
from orders.services.records import order_event_record


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
