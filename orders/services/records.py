"""What every order write path records besides the row itself: events, log lines and emails.

All of it happens in the caller's transaction: the event row and the email's
task commit or roll back with the change; the log line is written
only after commit, so it never reports a change that was rolled back.
"""

import logging
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from orders.models import Order, OrderEvent, OutboundEmail
from orders.tasks import send_order_emails

# One logger for every order write path (the package's name).
logger = logging.getLogger("orders.services")


def order_emails_enqueue(
    *, order: Order, kinds: Sequence[str], to_email: str = "", detail: Mapping[str, Any] | None = None
) -> None:
    """Record the emails (one insert) and queue their sending (one task), in the caller's transaction.

    ``to_email``: the customer's emails go there instead of the order's address (a fapiao's own).
    ``detail``: what the email is about beyond the order, for the builder of its kind.
    """
    emails = []
    for kind in kinds:
        if kind == OutboundEmail.Kind.STAFF_NEW_ORDER:
            to_email_of_kind, language = settings.ORDERS_NOTIFY_EMAIL, settings.LANGUAGE_CODE
        else:
            to_email_of_kind, language = to_email or order.email, order.language
        emails.append(
            OutboundEmail(
                order=order,
                kind=kind,
                to_email=to_email_of_kind,
                language=language,
                detail=dict(detail or {}),
            )
        )
    created = OutboundEmail.objects.bulk_create(emails)
    send_order_emails.enqueue(order_id=order.pk, email_ids=[email.pk for email in created])


def order_email_enqueue(
    *, order: Order, kind: str, to_email: str = "", detail: Mapping[str, Any] | None = None
) -> None:
    """Record the email and queue its sending, in the caller's transaction (to ``to_email`` if given)."""
    order_emails_enqueue(order=order, kinds=[kind], to_email=to_email, detail=detail)


def order_lock(order: Order) -> Order:
    """The order's row again, locked until the caller's transaction ends (SELECT ... FOR UPDATE)."""
    return Order.objects.select_for_update().get(pk=order.pk)


def order_event_log(*, order: Order, kind: str, from_state: str, to_state: str, actor_id: int | None) -> None:
    """Log the state change once the caller's transaction commits (never a rolled-back one)."""
    transaction.on_commit(
        partial(
            logger.info,
            "order %s %s: %s -> %s",
            order.number,
            kind,
            from_state or "-",
            to_state or "-",
            extra={
                "event": "order.status_changed",
                "order_number": order.number,
                "kind": str(kind),
                "from_state": from_state,
                "to_state": to_state,
                "actor_id": actor_id,
            },
        )
    )


def order_event_record(
    *, order: Order, kind: str, from_state: str, to_state: str, actor: AbstractBaseUser | None, note: str
) -> None:
    """The append-only audit row of a state change, and its log line after commit."""
    actor = actor if actor is not None and actor.is_authenticated else None
    OrderEvent.objects.create(
        order=order,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        note=note,
    )
    order_event_log(
        order=order,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        actor_id=actor.pk if actor is not None else None,
    )


def order_change_save(
    *,
    order: Order,
    fields: Sequence[str],
    kind: str,
    from_state: str,
    to_state: str,
    actor: AbstractBaseUser | None,
    note: str,
    email: str | None = None,
) -> None:
    """Save a state change of a locked order: its changed fields, the event and, if any, the email."""
    order.save(update_fields=[*fields, "updated_at"])
    order_event_record(
        order=order, kind=kind, from_state=from_state, to_state=to_state, actor=actor, note=note
    )
    if email is not None:
        order_email_enqueue(order=order, kind=email)
