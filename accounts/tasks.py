"""Background work of the accounts app: account emails, enqueued in the transaction that causes them."""

import logging
import smtplib

from django_tasks import task

from accounts.emails import AccountEmail, account_email_build
from shop.identity import email_canonical
from shop.mail import email_retry_allowed, email_retry_at
from shop.models import User

logger = logging.getLogger(__name__)


@task()
def account_email_send(
    *,
    kind: str,
    user_id: int,
    language: str,
    new_email: str = "",
    old_email: str = "",
    attempt: int = 1,
) -> str:
    """Render and send one account email; the user is re-read here, so the mail says what is true now.

    Must not run inside a transaction (it talks SMTP). A transient SMTP or network error
    re-enqueues the task with exponential back-off (2, 4, 8... minutes) up to settings.EMAIL_MAX_ATTEMPTS;
    after that, or on a permanent refusal, it raises, so the task result shows as failed.
    Returns what happened: "sent", "retrying" or "skipped".
    """
    email_kind = AccountEmail(kind)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not _still_wanted(
        kind=email_kind, user=user, new_email=new_email, old_email=old_email
    ):
        return "skipped"
    message = account_email_build(
        kind=email_kind, user=user, language=language, new_email=new_email, old_email=old_email
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        if not email_retry_allowed(error=error, attempt=attempt):
            raise
        logger.warning("Account email %s to user %s failed (attempt %s): %s", kind, user_id, attempt, error)
        account_email_send.using(run_after=email_retry_at(attempt=attempt)).enqueue(
            kind=kind,
            user_id=user_id,
            language=language,
            new_email=new_email,
            old_email=old_email,
            attempt=attempt + 1,
        )
        return "retrying"
    return "sent"


def _still_wanted(*, kind: AccountEmail, user: User, new_email: str, old_email: str) -> bool:
    # The queue may run late: a verification mail for an address verified
    # meanwhile, or a change link for an address the account no longer has,
    # would only confuse.
    if kind == AccountEmail.EMAIL_VERIFY:
        return user.email_verified_at is None
    if kind == AccountEmail.EMAIL_CHANGE_CONFIRM:
        return user.email_canonical == email_canonical(old_email)
    if kind in (AccountEmail.SIGNUP_ADDRESS_TAKEN, AccountEmail.EMAIL_CHANGE_ADDRESS_TAKEN):
        # A notice about an address the account has given up would name the wrong one.
        return user.email_canonical == email_canonical(new_email)
    return True
