"""Background work of orders: sending their emails, outside every transaction."""

import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from orders.emails import order_email_build
from orders.models import Order, OutboundEmail
from shop.mail import email_retry_allowed, email_retry_at

logger = logging.getLogger(__name__)

SENT, SKIPPED, RETRYING, FAILED = "sent", "skipped", "retrying", "failed"


def _email_failed(*, email: OutboundEmail, attempt: int, error: str) -> None:
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.FAILED, attempts=attempt, last_error=error[:2000]
    )


def _email_send(*, email: OutboundEmail, order: Order, attempt: int) -> tuple[str, BaseException | None]:
    """Send one email; its outcome and, unless it was sent, the error."""
    try:
        message = order_email_build(
            order=order,
            kind=email.kind,
            to_email=email.to_email,
            language=email.language,
            detail=email.detail,
        )
        message.send()
    except Exception as error:
        if email_retry_allowed(error=error, attempt=attempt):
            logger.warning("Order email %s (attempt %d) failed, retrying: %r", email.pk, attempt, error)
            return RETRYING, error
        logger.error("Order email %s failed for good after %d attempts: %r", email.pk, attempt, error)
        _email_failed(email=email, attempt=attempt, error=repr(error))
        return FAILED, error
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.SENT,
        attempts=attempt,
        subject=message.subject[:255],
        last_error="",
        sent_at=timezone.now(),
    )
    return SENT, None


def _emails_retry(*, order_id: int, failures: dict[int, BaseException], attempt: int) -> None:
    # The statuses and the next try commit together: a failed email is never lost.
    with transaction.atomic():
        for email_id, error in failures.items():
            OutboundEmail.objects.filter(pk=email_id).update(
                status=OutboundEmail.Status.RETRYING, attempts=attempt, last_error=repr(error)[:2000]
            )
        send_order_emails.using(run_after=email_retry_at(attempt=attempt)).enqueue(
            order_id=order_id, email_ids=sorted(failures), attempt=attempt + 1
        )


@task()
def send_order_emails(*, order_id: int, email_ids: Sequence[int], attempt: int = 1) -> str:
    """Send the emails of one order change (OutboundEmail rows), re-reading the order by id.

    One task for all of them: placing an order writes one task row for both
    the confirmation and the staff notice. Must not run inside a transaction
    (it talks SMTP). Emails already sent or given up are skipped. On a transient
    SMTP or network error the failed emails are tried again together by one
    new task, with back-off (2**attempt minutes), up to
    settings.EMAIL_MAX_ATTEMPTS; a permanent failure marks that email failed
    and, once the others are done, raises, so the task result shows it too.
    Returns each email's outcome ("sent", "skipped", "retrying", "failed"),
    comma-separated in the order of ``email_ids``.
    """
    emails = OutboundEmail.objects.in_bulk(email_ids)
    order = Order.objects.filter(pk=order_id).first()
    outcomes: list[str] = []
    failures: dict[int, BaseException] = {}
    permanent: BaseException | None = None
    for email_id in email_ids:
        email = emails.get(email_id)
        if email is None or email.status in (OutboundEmail.Status.SENT, OutboundEmail.Status.FAILED):
            outcomes.append(SKIPPED)
            continue
        if order is None:
            _email_failed(email=email, attempt=attempt, error="The order no longer exists.")
            outcomes.append(FAILED)
            continue
        outcome, error = _email_send(email=email, order=order, attempt=attempt)
        outcomes.append(outcome)
        if outcome == RETRYING:
            failures[email_id] = error
        elif outcome == FAILED:
            permanent = permanent or error
    if failures:
        _emails_retry(order_id=order_id, failures=failures, attempt=attempt)
    if permanent is not None:
        raise permanent
    return ",".join(outcomes)
