"""Background work of the accounts app: account emails, enqueued in the transaction that causes them."""

import logging
import smtplib

from django.utils import timezone
from django_tasks import task

from accounts.emails import AccountEmail, account_email_build
from accounts.models import TwoFactorSetupLink
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
    link_id: int = 0,
    attempt: int = 1,
) -> str:
    """Render and send one account email; the user is re-read here, so the mail says what is true now.

    Must not run inside a transaction (it talks SMTP). A transient SMTP or network error
    re-enqueues the task with exponential back-off (2, 4, 8... minutes) up to settings.EMAIL_MAX_ATTEMPTS;
    after that, or on a permanent refusal, it raises, so the task result shows as failed.
    Returns what happened: "sent", "retrying" or "skipped". ``link_id`` names the
    TwoFactorSetupLink a two-factor set-up email hands over; its token is made here.
    """
    email_kind = AccountEmail(kind)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    setup_link = TwoFactorSetupLink.objects.filter(pk=link_id, user_id=user_id).first() if link_id else None
    if user is None or not _still_wanted(
        kind=email_kind, user=user, new_email=new_email, old_email=old_email, setup_link=setup_link
    ):
        return "skipped"
    message = account_email_build(
        kind=email_kind,
        user=user,
        language=language,
        new_email=new_email,
        old_email=old_email,
        setup_link=setup_link,
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
            link_id=link_id,
            attempt=attempt + 1,
        )
        return "retrying"
    return "sent"


def _still_wanted(
    *,
    kind: AccountEmail,
    user: User,
    new_email: str,
    old_email: str,
    setup_link: TwoFactorSetupLink | None,
) -> bool:
    # The queue may run late: a verification mail for an address verified
    # meanwhile, a change link for an address the account no longer has, or a
    # two-factor link that was replaced or used, would only confuse.
    if kind == AccountEmail.TWO_FACTOR_SETUP:
        return (
            user.is_staff
            and setup_link is not None
            and setup_link.state(now=timezone.now()) == TwoFactorSetupLink.State.USABLE
        )
    if kind == AccountEmail.EMAIL_VERIFY:
        return user.email_verified_at is None
    if kind == AccountEmail.EMAIL_CHANGE_CONFIRM:
        return user.email_canonical == email_canonical(old_email)
    if kind in (AccountEmail.SIGNUP_ADDRESS_TAKEN, AccountEmail.EMAIL_CHANGE_ADDRESS_TAKEN):
        # A notice about an address the account has given up would name the wrong one.
        return user.email_canonical == email_canonical(new_email)
    return True
