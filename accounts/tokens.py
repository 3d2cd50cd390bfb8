"""Signed, expiring tokens for the links in account emails.

A token carries only what it binds (user id and addresses) and a timestamp,
signed with SECRET_KEY; nothing is stored. Each purpose has its own salt, so a
token made for one link never opens another. A two-factor set-up token names its
TwoFactorSetupLink row, which makes it single-use.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing

from accounts.exceptions import InvalidToken
from shop.models import User

TOKEN_MAX_AGE = timedelta(days=3)

_VERIFY_SALT = "shop.account.email-verify"
_EMAIL_CHANGE_SALT = "shop.account.email-change"
_TWO_FACTOR_SETUP_SALT = "shop.account.two-factor-setup"


@dataclass(frozen=True)
class EmailChangeRequest:
    user_id: int
    new_email: str
    old_email: str


def email_verification_token_make(*, user: User) -> str:
    """A token proving that whoever holds it reads mail at the user's current address."""
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=_VERIFY_SALT)


def email_verification_token_read(*, token: str) -> tuple[int, str]:
    """Return (user id, lowercased email) from a verification token.

    Raises InvalidToken when the token is tampered with, malformed or older than TOKEN_MAX_AGE.
    """
    payload = _loads(token, salt=_VERIFY_SALT)
    try:
        return int(payload["u"]), str(payload["e"])
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidToken() from error


def email_change_token_make(*, user: User, new_email: str) -> str:
    """A token that moves the account from its current address to new_email when opened."""
    return signing.dumps({"u": user.pk, "new": new_email, "old": user.email.lower()}, salt=_EMAIL_CHANGE_SALT)


def email_change_token_read(*, token: str) -> EmailChangeRequest:
    """Return the change a token asks for.

    Raises InvalidToken when the token is tampered with, malformed or older than TOKEN_MAX_AGE.
    """
    payload = _loads(token, salt=_EMAIL_CHANGE_SALT)
    try:
        return EmailChangeRequest(
            user_id=int(payload["u"]), new_email=str(payload["new"]), old_email=str(payload["old"])
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidToken() from error


def two_factor_setup_token_make(*, link_id: int, user_id: int) -> str:
    """A token naming one two-factor set-up link of one user (the row says whether it still works)."""
    return signing.dumps({"l": link_id, "u": user_id}, salt=_TWO_FACTOR_SETUP_SALT)


def two_factor_setup_token_read(*, token: str) -> tuple[int, int]:
    """Return (link id, user id) from a two-factor set-up token.

    Raises InvalidToken when the token is tampered with, malformed or older than
    settings.TWO_FACTOR_LINK_MAX_AGE.
    """
    payload = _loads(token, salt=_TWO_FACTOR_SETUP_SALT, max_age=settings.TWO_FACTOR_LINK_MAX_AGE)
    link_id, user_id = payload.get("l"), payload.get("u")
    # Ids fit a bigint column; a forged huge number must not reach a query.
    if not all(type(value) is int and 0 < value < 2**63 for value in (link_id, user_id)):
        raise InvalidToken()
    return link_id, user_id


def _loads(token: str, *, salt: str, max_age: timedelta = TOKEN_MAX_AGE) -> dict:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, UnicodeError) as error:
        raise InvalidToken() from error
    if not isinstance(payload, dict):
        raise InvalidToken()
    return payload
