"""Emails: built from a template triple; telling a passing SMTP failure from a final one."""

import smtplib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation


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


def email_render(*, templates: str, context: Mapping[str, Any], language: str) -> tuple[str, str, str]:
    """Subject, text and HTML of the template triple ``<templates>.subject.txt|.txt|.html`` in ``language``.

    The subject is folded onto one line: a header cannot span lines.
    """
    with translation.override(language):
        subject = " ".join(render_to_string(f"{templates}.subject.txt", context).split())
        text = render_to_string(f"{templates}.txt", context)
        html = render_to_string(f"{templates}.html", context)
    return subject, text, html


def email_build(
    *,
    templates: str,
    context: Mapping[str, Any],
    language: str,
    to: list[str],
    reply_to: list[str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMultiAlternatives:
    """An email from DEFAULT_FROM_EMAIL rendered from its template triple: text, with an HTML part."""
    subject, text, html = email_render(templates=templates, context=context, language=language)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
        headers=dict(headers or {}),
    )
    message.attach_alternative(html, "text/html")
    return message


def email_build_stoppable(
    *, templates: str, context: Mapping[str, Any], language: str, to: list[str], unsubscribe_url: str
) -> EmailMultiAlternatives:
    """Mail a shopper asked for and may stop with one click (RFC 8058: mail clients POST to the link).

    Replies go to support; the templates also get the link, the shop's name, its support address
    and its site.
    """
    return email_build(
        templates=templates,
        context={
            **context,
            "unsubscribe_url": unsubscribe_url,
            "shop_name": settings.SHOP_NAME,
            "support_email": settings.SUPPORT_EMAIL,
            "site_url": settings.SITE_URL,
        },
        language=language,
        to=to,
        reply_to=[settings.SUPPORT_EMAIL],
        headers={
            "Content-Language": language,
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
