"""What every email task shares: telling a passing SMTP failure from a final one."""

import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def smtp_error_is_transient(error: BaseException) -> bool:
    """Worth another try later: the network, a busy server, a 4xx reply."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _message in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code < 500
    # Everything else smtplib raises, and socket errors and time-outs, are OSError.
    return isinstance(error, OSError)


def email_retry_at(*, attempt: int) -> datetime:
    """When to try again after failed attempt number ``attempt``: 2, 4, 8... minutes."""
    return timezone.now() + timedelta(minutes=2**attempt)


def email_retry_allowed(*, error: BaseException, attempt: int) -> bool:
    """True when failed attempt number ``attempt`` may be tried again later."""
    return smtp_error_is_transient(error) and attempt < settings.EMAIL_MAX_ATTEMPTS
