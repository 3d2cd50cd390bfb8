"""Background work of support: sending thread mail and staff notices, outside every transaction.

Each task re-reads its row by id, sends, and records the delivery on the row:
sent, retrying (with the next try enqueued in the same transaction, so a mail
is never lost), or failed.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from shop.mail import email_retry_allowed, email_retry_at
from support.emails import staff_notification_build, ticket_message_build
from support.models import Message, Notification

logger = logging.getLogger(__name__)

_FINISHED = (Message.Delivery.SENT, Message.Delivery.FAILED, Message.Delivery.BOUNCED)


@task()
def support_message_send(*, message_id: int, attempt: int = 1) -> str:
    """Send one outbound thread message (a staff reply or an acknowledgement) by id.

    Must not run inside a transaction (SMTP). A transient SMTP or network error
    re-enqueues it with back-off (2, 4, 8... minutes) up to settings.EMAIL_MAX_ATTEMPTS;
    a permanent one marks the message failed and raises. A message already
    sent or failed is skipped. Returns "sent", "retrying" or "skipped".
    """
    message = (
        Message.objects.select_related("ticket")
        .filter(pk=message_id, direction=Message.Direction.OUTBOUND)
        .first()
    )
    if message is None or message.delivery_status in _FINISHED:
        return "skipped"
    try:
        ticket_message_build(message=message).send()
    except Exception as error:
        if email_retry_allowed(error=error, attempt=attempt):
            logger.warning("Support message %s (attempt %d) failed, retrying: %r", message_id, attempt, error)
            with transaction.atomic():
                Message.objects.filter(pk=message_id).update(
                    delivery_status=Message.Delivery.RETRYING, attempts=attempt, last_error=repr(error)[:2000]
                )
                support_message_send.using(run_after=email_retry_at(attempt=attempt)).enqueue(
                    message_id=message_id, attempt=attempt + 1
                )
            return "retrying"
        logger.error("Support message %s failed for good after %d attempts: %r", message_id, attempt, error)
        Message.objects.filter(pk=message_id).update(
            delivery_status=Message.Delivery.FAILED, attempts=attempt, last_error=repr(error)[:2000]
        )
        raise
    Message.objects.filter(pk=message_id).update(
        delivery_status=Message.Delivery.SENT, attempts=attempt, last_error="", sent_at=timezone.now()
    )
    return "sent"


@task()
def support_notification_send(*, notification_id: int, attempt: int = 1) -> str:
    """Send one staff notice (new ticket, customer reply, held mail) by id.

    Same contract as ``support_message_send``: never inside a transaction,
    retried with back-off on transient errors, the outcome recorded on the row.
    """
    notification = (
        Notification.objects.select_related("ticket", "source_message").filter(pk=notification_id).first()
    )
    if notification is None or notification.delivery_status in _FINISHED:
        return "skipped"
    try:
        staff_notification_build(notification=notification).send()
    except Exception as error:
        if email_retry_allowed(error=error, attempt=attempt):
            logger.warning(
                "Support notice %s (attempt %d) failed, retrying: %r", notification_id, attempt, error
            )
            with transaction.atomic():
                Notification.objects.filter(pk=notification_id).update(
                    delivery_status=Message.Delivery.RETRYING, attempts=attempt, last_error=repr(error)[:2000]
                )
                support_notification_send.using(run_after=email_retry_at(attempt=attempt)).enqueue(
                    notification_id=notification_id, attempt=attempt + 1
                )
            return "retrying"
        logger.error(
            "Support notice %s failed for good after %d attempts: %r", notification_id, attempt, error
        )
        Notification.objects.filter(pk=notification_id).update(
            delivery_status=Message.Delivery.FAILED, attempts=attempt, last_error=repr(error)[:2000]
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        delivery_status=Message.Delivery.SENT, attempts=attempt, last_error="", sent_at=timezone.now()
    )
    return "sent"
