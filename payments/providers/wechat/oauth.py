"""WeChat's silent OAuth (``snsapi_base``): the shopper's openid for the official account, for JSAPI payment.

The ``state`` sent to WeChat is a nonce and the order number, signed with
``django.core.signing`` (its own salt), timestamped and written in base32, as
WeChat takes only letters and digits there (at most 128 bytes). The nonce is
also kept in the session until the shopper comes back, so a state works once,
for the session that asked for it, for that order and for ``STATE_MAX_AGE``
seconds. The code WeChat hands back is exchanged on the server; the openid is
kept in the session only: never stored in the database, never logged.
"""

import base64
import binascii
import logging
import secrets
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext

# One logger per gateway, named after its package as for the API calls.
logger = logging.getLogger(__package__)

STATE_SALT = "payments.wechat.oauth-state"
# A shopper who takes longer than this between leaving for WeChat and coming back starts again.
STATE_MAX_AGE = 600
# At most this many authorisations in flight per session (several tabs); older ones are dropped.
PENDING_MAX = 5
SESSION_PENDING = "wechat_oauth_pending"
SESSION_OPENID = "wechat_openid"
TIMEOUT = (5, 15)


class OAuthRefused(Exception):
    """The way back from WeChat's authorisation is not valid; ``message`` says so to the shopper.

    ``order_number`` is the order the state was for, once the state was checked.
    """

    def __init__(self, message: str, *, order_number: str = "") -> None:
        self.message = message
        self.order_number = order_number
        super().__init__(message)


def is_configured() -> bool:
    """Whether an official account (公众号) is configured: its AppID and AppSecret."""
    return bool(getattr(settings, "WECHAT_MP_APP_ID", "") and getattr(settings, "WECHAT_MP_APP_SECRET", ""))


def oauth_origin() -> str:
    """The origin of WeChat's authorisation page (the CSP form-action must allow the redirect there)."""
    return settings.WECHAT_OAUTH_BASE_URL.rstrip("/")


def session_openid(session: SessionBase) -> str:
    """The shopper's openid for the configured official account, or "" when not known in this session."""
    known = session.get(SESSION_OPENID)
    if not isinstance(known, dict) or known.get("app") != settings.WECHAT_MP_APP_ID:
        return ""
    openid = known.get("openid")
    return openid if isinstance(openid, str) else ""


def authorize_url(*, session: SessionBase, order_number: str) -> str:
    """WeChat's silent authorisation URL for this session and order (remembers its nonce in the session)."""
    nonce = secrets.token_hex(6)
    pending = session.get(SESSION_PENDING)
    pending = dict(pending) if isinstance(pending, dict) else {}
    pending[nonce] = order_number
    session[SESSION_PENDING] = dict(list(pending.items())[-PENDING_MAX:])
    signed = signing.TimestampSigner(salt=STATE_SALT).sign(f"{nonce}.{order_number}")
    state = base64.b32encode(signed.encode()).decode().rstrip("=")
    query = urlencode(
        {
            "appid": settings.WECHAT_MP_APP_ID,
            "redirect_uri": settings.SITE_URL + reverse("payments:wechat_oauth"),
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    return f"{oauth_origin()}/connect/oauth2/authorize?{query}#wechat_redirect"


def state_check(*, session: SessionBase, state: str) -> str:
    """The order number ``state`` was issued for, in this session; the state can never be used again.

    Raises OAuthRefused when the state is forged, expired, already used or another session's.
    """
    expired = gettext("The way back from WeChat has expired. Please go back to your order and pay again.")
    invalid = gettext(
        "This link from WeChat is not valid here. Please go back to your order and pay again in this browser."
    )
    try:
        padded = state.upper() + "=" * (-len(state) % 8)
        signed = base64.b32decode(padded.encode("ascii")).decode("ascii")
        value = signing.TimestampSigner(salt=STATE_SALT).unsign(signed, max_age=STATE_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise OAuthRefused(expired) from exc
    except (signing.BadSignature, binascii.Error, UnicodeError, ValueError) as exc:
        raise OAuthRefused(invalid) from exc
    nonce, _, order_number = value.partition(".")
    pending = session.get(SESSION_PENDING)
    pending = dict(pending) if isinstance(pending, dict) else {}
    expected = pending.pop(nonce, None)
    session[SESSION_PENDING] = pending
    if not isinstance(expected, str) or not constant_time_compare(expected, order_number):
        raise OAuthRefused(invalid)
    return order_number


def openid_exchange(*, code: str) -> str:
    """Exchange the one-time ``code`` for the shopper's openid (``/sns/oauth2/access_token``).

    Raises OAuthRefused when WeChat cannot be reached, refuses the code (used, expired) or
    answers without an openid.
    """
    refused = gettext("WeChat did not confirm your account. Please go back to your order and pay again.")
    if not code or len(code) > 128:
        raise OAuthRefused(refused)
    params = {
        "appid": settings.WECHAT_MP_APP_ID,
        "secret": settings.WECHAT_MP_APP_SECRET,
        "code": code,
        "grant_type": "authorization_code",
    }
    url = f"{settings.WECHAT_API_BASE_URL.rstrip('/')}/sns/oauth2/access_token"
    try:
        response = requests.get(url, params=params, timeout=TIMEOUT)
        data: Any = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("WeChat OAuth code exchange: no usable answer (%s)", exc.__class__.__name__)
        raise OAuthRefused(
            gettext("WeChat cannot be reached right now. Please go back to your order and try again.")
        ) from exc
    if not isinstance(data, dict):
        data = {}
    openid = data.get("openid")
    if data.get("errcode") or not isinstance(openid, str) or not openid or len(openid) > 128:
        logger.warning(
            "WeChat OAuth code exchange refused: errcode %s %s",
            data.get("errcode", "-"),
            data.get("errmsg", ""),
        )
        raise OAuthRefused(refused)
    return openid


def payer_identify(*, session: SessionBase, state: str, code: str) -> str:
    """Check the state and exchange the code; keep the openid in the session. Returns the order number.

    Raises OAuthRefused (with the order number once the state was valid) on any failure.
    """
    order_number = state_check(session=session, state=state)
    try:
        openid = openid_exchange(code=code)
    except OAuthRefused as refusal:
        raise OAuthRefused(refusal.message, order_number=order_number) from refusal
    session[SESSION_OPENID] = {"app": settings.WECHAT_MP_APP_ID, "openid": openid}
    return order_number
