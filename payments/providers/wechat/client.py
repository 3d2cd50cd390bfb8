"""The ``wechatpayv3`` client built from the settings (public-key mode), and one API call through it."""

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import requests
from django.conf import settings
from wechatpayv3 import WeChatPay, WeChatPayType

from payments.providers.base import GatewayError, setting_or_file

# One logger per gateway, named after its package as before the split into modules.
logger = logging.getLogger(__package__)

# (connect, read) seconds for every API call.
TIMEOUT = (5, 20)
# Error codes after which the same request may succeed later (the refund stays pending).
RETRYABLE_CODES = frozenset({"SYSTEM_ERROR", "SYSTEMERROR", "FREQUENCY_LIMITED", "BANK_ERROR"})


def official_account_configured() -> bool:
    """Whether the official account that pays inside WeChat's browser (JSAPI) is set up."""
    return bool(settings.WECHAT_MP_APP_ID and settings.WECHAT_MP_APP_SECRET)


def is_configured() -> bool:
    """Whether every setting the SDK needs is present (keys inline or as files)."""
    has_private_key = bool(settings.WECHATPAY_PRIVATE_KEY or settings.WECHATPAY_PRIVATE_KEY_FILE)
    has_public_key = bool(settings.WECHATPAY_PUBLIC_KEY or settings.WECHATPAY_PUBLIC_KEY_FILE)
    return all(
        (
            settings.WECHATPAY_MCH_ID,
            settings.WECHATPAY_APP_ID,
            settings.WECHATPAY_CERT_SERIAL_NO,
            settings.WECHATPAY_APIV3_KEY,
            settings.WECHATPAY_PUBLIC_KEY_ID,
            has_private_key,
            has_public_key,
        )
    )


def sdk_client() -> WeChatPay:
    """A WeChat Pay client built from the settings as they are now (public-key mode).

    Raises GatewayError when WeChat Pay is not configured or a key cannot be loaded.
    """
    if not is_configured():
        raise GatewayError("WeChat Pay is not configured.")
    proxy = settings.WECHATPAY_PROXY
    try:
        return WeChatPay(
            wechatpay_type=WeChatPayType.NATIVE,
            mchid=settings.WECHATPAY_MCH_ID,
            private_key=_pem_setting("WECHATPAY_PRIVATE_KEY"),
            cert_serial_no=settings.WECHATPAY_CERT_SERIAL_NO,
            appid=settings.WECHATPAY_APP_ID,
            apiv3_key=settings.WECHATPAY_APIV3_KEY,
            proxy={"https": proxy} if proxy else None,
            timeout=TIMEOUT,
            public_key=_pem_setting("WECHATPAY_PUBLIC_KEY"),
            public_key_id=settings.WECHATPAY_PUBLIC_KEY_ID,
        )
    # The SDK raises plain Exception for a key it cannot load; ValueError comes from cryptography.
    except Exception as exc:
        raise GatewayError(f"WeChat Pay: cannot load the configured keys ({exc}).") from exc


def _pem_setting(name: str) -> str:
    """A PEM key given inline in ``name`` or as a file path in ``name``_FILE ("" when neither)."""
    try:
        return setting_or_file(name)
    except OSError as exc:
        raise GatewayError(f"WeChat Pay: cannot read {name}_FILE ({exc.strerror}).") from exc


def api_call(action: str, call: Callable[[], tuple[int, Any]]) -> tuple[int, dict[str, Any]]:
    """Run one SDK call: its HTTP status and decoded JSON answer (signature already verified on 2xx).

    Raises GatewayError when the gateway cannot be reached, answers 5xx or an
    answer's signature does not verify.
    """
    try:
        status, message = call()
    except requests.RequestException as exc:
        logger.warning("WeChat Pay %s: no answer (%s)", action, exc.__class__.__name__)
        raise GatewayError(
            f"WeChat Pay {action}: cannot reach the gateway ({exc.__class__.__name__})."
        ) from exc
    # The SDK raises plain Exception when a 2xx answer's signature does not verify.
    except Exception as exc:
        logger.warning("WeChat Pay %s: refused the answer (%s)", action, exc)
        raise GatewayError(f"WeChat Pay {action}: {exc}.") from exc
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    try:
        data = json.loads(message) if message else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    if status >= 500 or status == 429 or data.get("code") in RETRYABLE_CODES:
        raise GatewayError(error_text(action, status, data))
    return status, data


def error_text(action: str, status: int, data: Mapping[str, Any]) -> str:
    """What WeChat Pay answered to ``action``, for logs and staff."""
    return f"WeChat Pay {action} answered {status}: {data.get('code', '')} {data.get('message', '')}".strip()
