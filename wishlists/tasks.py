"""Background work of wishlists: the email about wished-for products, sent outside every transaction."""

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from shop.mail import email_retry_allowed, email_retry_at
from wishlists.emails import wishlist_notice_email_build
from wishlists.models import WishlistNotice

logger = logging.getLogger(__name__)


@task()
def send_wishlist_notice(*, notice_id: int, attempt: int = 1) -> str:
    """Send one wishlist notice's email, re-reading it by id; "sent", "retrying" or "skipped".

    Must not run inside a transaction (it talks SMTP). Sends at most once: a notice already
    sent, deleted (the account was erased), of a customer no longer active or verified, or
    with nothing left to tell (emails stopped or products removed since) is skipped. On a
    transient SMTP or network error it re-enqueues itself with back-off up to
    settings.EMAIL_MAX_ATTEMPTS; a permanent failure is recorded on the notice and raised.
    """
    notice = WishlistNotice.objects.select_related("user").filter(pk=notice_id, sent_at=None).first()
    if notice is None or not notice.user.is_active or notice.user.email_verified_at is None:
        return "skipped"
    try:
        message = wishlist_notice_email_build(notice=notice)
        if message is None:
            return "skipped"
        message.send()
    except Exception as error:
        retry = email_retry_allowed(error=error, attempt=attempt)
        # The error and the next try commit together: a failed email is never lost.
        with transaction.atomic():
            WishlistNotice.objects.filter(pk=notice_id).update(
                attempts=attempt, last_error=repr(error)[:2000]
            )
            if retry:
                send_wishlist_notice.using(run_after=email_retry_at(attempt=attempt)).enqueue(
                    notice_id=notice_id, attempt=attempt + 1
                )
        if not retry:
            logger.error("Wishlist email %s failed for good after %d attempts: %r", notice_id, attempt, error)
            raise
        logger.warning("Wishlist email %s (attempt %d) failed, retrying: %r", notice_id, attempt, error)
        return "retrying"
    WishlistNotice.objects.filter(pk=notice_id).update(
        sent_at=timezone.now(), attempts=attempt, last_error=""
    )
    return "sent"
