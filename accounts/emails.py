"""What each account email says: one template triple per kind, in the recipient's language.

Templates live in `templates/account/emails/<kind>.subject.txt|.txt|.html`.
Links are absolute, built from settings.SITE_URL, and carry fresh tokens made
here, so no secret ever sits in the task queue.
"""

import enum

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import TwoFactorSetupLink
from accounts.tokens import (
    TOKEN_MAX_AGE,
    email_change_token_make,
    email_verification_token_make,
    two_factor_setup_token_make,
)
from shop.mail import email_build
from shop.models import User


class AccountEmail(enum.StrEnum):
    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFY = "email_verify"
    # To the new address: the link that completes an email change.
    EMAIL_CHANGE_CONFIRM = "email_change_confirm"
    # To the old address: a change was asked for / has been made.
    EMAIL_CHANGE_REQUESTED = "email_change_requested"
    EMAIL_CHANGED = "email_changed"
    # To an account's own address, when someone else asked for it: a sign-up, or
    # another account's email change. They stand in for the verification and
    # confirmation mail, so the page answers alike whether the address is taken.
    SIGNUP_ADDRESS_TAKEN = "signup_address_taken"
    EMAIL_CHANGE_ADDRESS_TAKEN = "email_change_address_taken"
    # To a staff member: the one-time link that sets up their authenticator.
    TWO_FACTOR_SETUP = "two_factor_setup"


def account_email_recipient(*, kind: AccountEmail, user: User, new_email: str, old_email: str) -> str:
    """The address an email of this kind goes to."""
    if kind == AccountEmail.EMAIL_CHANGE_CONFIRM:
        return new_email
    if kind in (AccountEmail.EMAIL_CHANGE_REQUESTED, AccountEmail.EMAIL_CHANGED):
        return old_email
    return user.email


def two_factor_setup_url(*, link: TwoFactorSetupLink) -> str:
    """The absolute address of a two-factor set-up link, with a fresh token naming it."""
    token = two_factor_setup_token_make(link_id=link.pk, user_id=link.user_id)
    return settings.SITE_URL + reverse("account:two_factor_link", kwargs={"token": token})


def account_email_build(
    *,
    kind: AccountEmail,
    user: User,
    language: str,
    new_email: str = "",
    old_email: str = "",
    setup_link: TwoFactorSetupLink | None = None,
) -> EmailMultiAlternatives:
    """Render one account email for user in language, with a fresh link where the kind has one.

    A TWO_FACTOR_SETUP email needs ``setup_link``, the link it hands over.
    """
    context = {
        "user": user,
        "shop_name": settings.SHOP_NAME,
        "site_url": settings.SITE_URL,
        "new_email": new_email,
        "old_email": old_email,
        "link_valid_days": TOKEN_MAX_AGE.days,
        "setup_link_valid_hours": int(settings.TWO_FACTOR_LINK_MAX_AGE.total_seconds() // 3600),
        "support_email": settings.SUPPORT_EMAIL,
        "link": _link(kind=kind, user=user, new_email=new_email, setup_link=setup_link),
        "password_reset_link": settings.SITE_URL + reverse("account:password_reset"),
    }
    return email_build(
        templates=f"account/emails/{kind.value}",
        context=context,
        language=language,
        to=[account_email_recipient(kind=kind, user=user, new_email=new_email, old_email=old_email)],
    )


def _link(*, kind: AccountEmail, user: User, new_email: str, setup_link: TwoFactorSetupLink | None) -> str:
    if kind == AccountEmail.EMAIL_CHANGED:
        return ""
    if kind in (AccountEmail.SIGNUP_ADDRESS_TAKEN, AccountEmail.EMAIL_CHANGE_ADDRESS_TAKEN):
        # Plain pages, no token: nobody who receives this asked for a link.
        return settings.SITE_URL + reverse("account:login")
    if kind == AccountEmail.TWO_FACTOR_SETUP:
        if setup_link is None:
            raise ValueError("A two-factor set-up email needs the link it hands over.")
        return two_factor_setup_url(link=setup_link)
    if kind == AccountEmail.PASSWORD_RESET:
        path = reverse(
            "account:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    elif kind == AccountEmail.EMAIL_VERIFY:
        path = reverse("account:email_verify", kwargs={"token": email_verification_token_make(user=user)})
    elif kind == AccountEmail.EMAIL_CHANGE_CONFIRM:
        path = reverse(
            "account:email_change_confirm",
            kwargs={"token": email_change_token_make(user=user, new_email=new_email)},
        )
    else:
        path = reverse("account:password_change")
    return settings.SITE_URL + path
