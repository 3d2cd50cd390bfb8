"""Rate limits counted in PostgreSQL, so every web process sees the same counts.

A limit is a scope ("password_reset:email") plus a key (the address); only a keyed hash
of the key is stored. Hits expire after their window and are pruned as new ones arrive.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from shop.identity import email_canonical
from shop.models import RateLimitHit


def client_ip(request: HttpRequest) -> str:
    """The client's IP address: REMOTE_ADDR, or behind our proxy the last X-Forwarded-For entry."""
    # Behind our proxy the client is the last address it appended; anything
    # further left in X-Forwarded-For is whatever the client claimed.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.SECURE_PROXY_SSL_HEADER and forwarded:
        return forwarded.split(",")[-1].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def rate_limit_key_hash(*, scope: str, key: str) -> str:
    """A keyed hash of a limited value: enough to count it, useless to anyone who reads the table."""
    return salted_hmac("shop.ratelimit", f"{scope}\x00{key.strip().lower()}").hexdigest()[:64]


def _advisory_lock_id(scope: str, key_hash: str) -> int:
    digest = hashlib.blake2b(f"{scope}\x00{key_hash}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def rate_limit_hit(*, scope: str, key: str, limit: int, window: timedelta) -> bool:
    """Count one request for (scope, key); False when `limit` requests were counted in `window` already.

    A refused request is not counted, so the limit lifts as the oldest hits age out. Exact
    across processes and one round trip: the database function ``shop_rate_limit_take``
    (shop migration 0010) counts under a transaction-level advisory lock per (scope, key),
    so concurrent callers count one after another. Call it outside a transaction: inside
    one, the lock would be held, and other callers kept waiting, until that one ends.
    """
    key_hash = rate_limit_key_hash(scope=scope, key=key)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shop_rate_limit_take(%s, %s, %s, %s, %s, %s)",
            [scope, key_hash, limit, timezone.now(), window, _advisory_lock_id(scope, key_hash)],
        )
        (counted,) = cursor.fetchone()
    return counted


def rate_limit_reached(*, scope: str, key: str, limit: int, window: timedelta) -> bool:
    """True when `limit` requests for (scope, key) were counted in `window`; counts nothing itself.

    For limits on failures known only after the work is done (a coupon code that is
    refused): check before the work, and count a failure with ``rate_limit_hit`` before
    telling the client, refusing to tell once that count is refused. However many run at
    once, no more failures are told than the limit, and successes cost no write.
    """
    key_hash = rate_limit_key_hash(scope=scope, key=key)
    since = timezone.now() - window
    return RateLimitHit.objects.filter(scope=scope, key_hash=key_hash, created_at__gt=since).count() >= limit


# Request kinds of the account pages and their (per IP, per email) limit settings.
ACCOUNT_RATE_LIMITS = {
    "password_reset": ("PASSWORD_RESET_RATE_LIMIT_PER_IP", "PASSWORD_RESET_RATE_LIMIT_PER_EMAIL"),
    "signup": ("SIGNUP_RATE_LIMIT_PER_IP", "SIGNUP_RATE_LIMIT_PER_EMAIL"),
    "email_change": ("EMAIL_CHANGE_RATE_LIMIT_PER_IP", "EMAIL_CHANGE_RATE_LIMIT_PER_EMAIL"),
}


def account_rate_limit_hit(*, action: str, ip_address: str, email: str) -> bool:
    """Count one account request per IP, then per email; False when either limit is reached.

    Limits and window come from settings (ACCOUNT_RATE_LIMITS names them). A request the IP
    limit refuses is not counted against the address, and a blank address is counted per IP
    only. Must not run inside a transaction.
    """
    per_ip, per_email = (getattr(settings, name) for name in ACCOUNT_RATE_LIMITS[action])
    window = settings.ACCOUNT_RATE_LIMIT_WINDOW
    if not rate_limit_hit(scope=f"{action}:ip", key=ip_address or "unknown", limit=per_ip, window=window):
        return False
    if not email.strip():
        return True
    return rate_limit_hit(scope=f"{action}:email", key=email_canonical(email), limit=per_email, window=window)
