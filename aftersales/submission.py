"""The review page's token: a request is sent only from its review, and once however often it is sent.

The token is signed (so only our review page makes one), names its order and expires after a
day; the request stores a hash of it under a unique constraint.
"""

import hashlib
import secrets

from django.core import signing

SALT = "aftersales.submit"
MAX_AGE_SECONDS = 24 * 60 * 60


def submit_token_issue(*, order_number: str) -> str:
    """A new token for the review of a request about this order."""
    return signing.dumps(f"{order_number}:{secrets.token_urlsafe(16)}", salt=SALT)


def submit_token_valid(token: str, *, order_number: str) -> bool:
    """Whether ``token`` came from a review of this order within the last day."""
    try:
        value = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return False
    return isinstance(value, str) and value.split(":", 1)[0] == order_number


def submit_token_hash(token: str) -> str:
    """What the request stores of its token."""
    return hashlib.sha256(token.encode()).hexdigest()
