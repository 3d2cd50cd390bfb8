"""Background work of the shop package: the weekly audit digest email."""

import logging
import smtplib
from datetime import datetime

from django.conf import settings
from django_tasks import task

from shop.audit import audit_digest_get
from shop.mail import email_build, email_retry_allowed, email_retry_at
from shop.models import User

logger = logging.getLogger(__name__)


@task()
def audit_digest_send(*, user_id: int, since: str, until: str, attempt: int = 1) -> str:
    """Mail one superuser the audit digest of [since, until) (ISO times); "sent", "retrying" or "skipped".

    Re-reads the user: an account that is no longer an active superuser gets nothing. Must not
    run inside a transaction (it talks SMTP). A transient SMTP or network error re-enqueues the
    task with back-off up to settings.EMAIL_MAX_ATTEMPTS; after that, or on a permanent refusal,
    it raises.
    """
    user = User.objects.filter(pk=user_id, is_active=True, is_superuser=True).first()
    if user is None:
        return "skipped"
    digest = audit_digest_get(since=datetime.fromisoformat(since), until=datetime.fromisoformat(until))
    message = email_build(
        templates="shop/emails/audit_digest",
        context={"digest": digest, "shop_name": settings.SHOP_NAME, "user": user},
        language=settings.LANGUAGE_CODE,
        to=[user.email],
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        if not email_retry_allowed(error=error, attempt=attempt):
            raise
        logger.warning("Audit digest to user %s failed (attempt %s): %s", user_id, attempt, error)
        audit_digest_send.using(run_after=email_retry_at(attempt=attempt)).enqueue(
            user_id=user_id, since=since, until=until, attempt=attempt + 1
        )
        return "retrying"
    return "sent"
