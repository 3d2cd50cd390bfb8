"""Background work of orders: sending their emails (T3, T4)."""

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from orders.emails import order_email_build
from orders.models import Order, OutboundEmail
from shop.mail import email_retry_allowed, email_retry_at

logger = logging.getLogger(__name__)


def _email_retry(
    *, email: OutboundEmail, order_id: int, kind: str, attempt: int, error: BaseException
) -> None:
    # The status and the next try commit together: a failed email is never lost.
    with transaction.atomic():
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=OutboundEmail.Status.RETRYING, attempts=attempt, last_error=repr(error)[:2000]
        )
        send_order_email.using(run_after=email_retry_at(attempt=attempt)).enqueue(
            order_id=order_id, kind=kind, email_id=email.pk, attempt=attempt + 1
        )


def _email_failed(*, email: OutboundEmail, attempt: int, error: str) -> None:
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.FAILED, attempts=attempt, last_error=error[:2000]
    )


@task()
def send_order_email(*, order_id: int, kind: str, email_id: int, attempt: int = 1) -> str:
    """Send one order email (an OutboundEmail row), re-reading the order by id.

    Must not run inside a transaction (SMTP, T3). On a transient SMTP or
    network error it re-enqueues itself with back-off (2**attempt minutes) up
    to settings.EMAIL_MAX_ATTEMPTS; a permanent failure marks the row failed and
    raises, so the task result shows it too. An email already sent is skipped.
    """
    email = OutboundEmail.objects.filter(pk=email_id).first()
    if email is None or email.status in (OutboundEmail.Status.SENT, OutboundEmail.Status.FAILED):
        return "skipped"
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        _email_failed(email=email, attempt=attempt, error="The order no longer exists.")
        return "failed"
    try:
        message = order_email_build(order=order, kind=kind, to_email=email.to_email, language=email.language)
        message.send()
    except Exception as error:
        if email_retry_allowed(error=error, attempt=attempt):
            logger.warning("Order email %s (attempt %d) failed, retrying: %r", email.pk, attempt, error)
            _email_retry(email=email, order_id=order_id, kind=kind, attempt=attempt, error=error)
            return "retrying"
        logger.error("Order email %s failed for good after %d attempts: %r", email.pk, attempt, error)
        _email_failed(email=email, attempt=attempt, error=repr(error))
        raise
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.SENT,
        attempts=attempt,
        subject=message.subject[:255],
        last_error="",
        sent_at=timezone.now(),
    )
    return "sent"
