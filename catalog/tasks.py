"""Background work of the catalogue: the back-in-stock email, sent outside every transaction."""

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from catalog.emails import back_in_stock_email_build
from catalog.models import BackInStockRequest
from shop.mail import email_retry_allowed, email_retry_at

logger = logging.getLogger(__name__)


@task()
def send_back_in_stock_email(*, request_id: int, attempt: int = 1) -> str:
    """Send the one "back in stock" email of a notified request, re-reading it by id.

    Must not run inside a transaction (it talks SMTP). Sends at most once per
    notification: a request already sent, waiting again, unsubscribed or
    deleted is skipped. On a transient SMTP or network error it re-enqueues
    itself with back-off (2**attempt minutes) up to settings.EMAIL_MAX_ATTEMPTS;
    a permanent failure is recorded on the request and raised, so the task
    result shows it too. Returns "sent", "retrying" or "skipped".
    """
    stock_request = (
        BackInStockRequest.objects.select_related("variant__product").filter(pk=request_id).first()
    )
    if (
        stock_request is None
        or stock_request.status != BackInStockRequest.Status.NOTIFIED
        or stock_request.sent_at is not None
    ):
        return "skipped"
    try:
        message = back_in_stock_email_build(stock_request=stock_request)
        message.send()
    except Exception as error:
        retry = email_retry_allowed(error=error, attempt=attempt)
        # The error and the next try commit together: a failed email is never lost.
        with transaction.atomic():
            BackInStockRequest.objects.filter(pk=request_id).update(
                attempts=attempt, last_error=repr(error)[:2000]
            )
            if retry:
                send_back_in_stock_email.using(run_after=email_retry_at(attempt=attempt)).enqueue(
                    request_id=request_id, attempt=attempt + 1
                )
        if retry:
            logger.warning(
                "Back-in-stock email %s (attempt %d) failed, retrying: %r", request_id, attempt, error
            )
            return "retrying"
        logger.error(
            "Back-in-stock email %s failed for good after %d attempts: %r", request_id, attempt, error
        )
        raise
    BackInStockRequest.objects.filter(pk=request_id).update(
        sent_at=timezone.now(), attempts=attempt, last_error=""
    )
    return "sent"
