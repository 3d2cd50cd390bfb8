"""Django's CSRF token for a request, made with one read of the system's random source.

``django.middleware.csrf.get_token`` draws its secret and its mask one character at a
time (``secrets.choice``, 64 reads of the random source for a visitor without a CSRF
cookie): on a warm catalogue page, served from the cache, that was the largest single
cost left. ``csrf_token_get`` returns what ``get_token`` returns, under the same contract
(the same alphabet and lengths, the same masking, the same ``request.META`` keys that make
``CsrfViewMiddleware`` set or renew the cookie), drawing every character uniformly from
``secrets.token_bytes``: bytes at or above the largest multiple of the alphabet's size are
skipped, so no character is more likely than another.
"""

import secrets
from operator import add

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

_CHARS = CSRF_ALLOWED_CHARS
# Bytes below this map onto the alphabet evenly (248 for 62 characters).
_UNBIASED_BELOW = 256 - 256 % len(_CHARS)
# One C-level pass turns random bytes into characters: a byte below the bound becomes its
# character, the rest are deleted (their table entries are never used).
_BYTE_TO_CHAR = bytes(ord(_CHARS[byte % len(_CHARS)]) for byte in range(256))
_SKIPPED_BYTES = bytes(range(_UNBIASED_BELOW, 256))
# Django's masking, a character of the secret plus one of the mask modulo the alphabet's
# size, looked up by the pair instead of worked out character by character.
_MASKED = {
    secret + mask: _CHARS[(secret_index + mask_index) % len(_CHARS)]
    for secret_index, secret in enumerate(_CHARS)
    for mask_index, mask in enumerate(_CHARS)
}


def _random_characters(count: int) -> str:
    chosen = b""
    while len(chosen) < count:
        # A few spare bytes, as about 3% of them are skipped.
        chosen += secrets.token_bytes(count - len(chosen) + 8).translate(_BYTE_TO_CHAR, _SKIPPED_BYTES)
    return chosen[:count].decode("ascii")


def csrf_token_get(request: HttpRequest) -> str:
    """The masked CSRF token for a form on this response, as ``django.middleware.csrf.get_token``.

    Uses the request's CSRF secret (from its cookie or session) or makes a new one, and
    marks the response to send or renew the cookie, exactly as ``get_token`` does.
    """
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = _random_characters(CSRF_SECRET_LENGTH)
        request.META["CSRF_COOKIE"] = secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_characters(CSRF_SECRET_LENGTH)
    return mask + "".join(map(_MASKED.__getitem__, map(add, secret, mask)))
