"""WeChat Pay notifications: signature headers, freshness and decryption, then what they report.

The headers are checked here before any cryptography (the SDK does not check
freshness); the SDK then verifies the platform key's signature and decrypts the
AES-256-GCM resource with the APIv3 key.
"""

import logging
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from payments.providers.base import GatewayError, GatewayEvent, NotificationRejected
from payments.providers.wechat.client import sdk_client
from payments.providers.wechat.resources import refund_event, transaction_event

# One logger per gateway, named after its package as before the split into modules.
logger = logging.getLogger(__package__)

# Notifications signed longer ago than this (or this far ahead) are refused as replays.
NOTIFICATION_MAX_AGE_SECONDS = 300
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
REFUND_EVENT_TYPES = frozenset({"REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"})


def notification_events(request: HttpRequest) -> list[GatewayEvent]:
    """Verify a notification (headers, signature, decryption) and say what it reports.

    Raises NotificationRejected for anything not genuine.
    """
    headers = _notification_headers(request)
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotificationRejected("body is not UTF-8") from exc
    try:
        client = sdk_client()
    except GatewayError as exc:
        raise NotificationRejected(str(exc)) from exc
    try:
        data = client.callback(headers=headers, body=body)
    # The SDK raises plain Exception for a signature type it does not know; ValueError for bad JSON.
    except Exception as exc:
        raise NotificationRejected(f"unreadable notification ({exc.__class__.__name__})") from exc
    if not data:
        raise NotificationRejected("bad signature or resource that does not decrypt")
    try:
        return _events_from(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise NotificationRejected(f"malformed resource ({exc.__class__.__name__}: {exc})") from exc


def _notification_headers(request: HttpRequest) -> dict[str, str]:
    """The signature headers, refused before any cryptography when absent, foreign or stale."""
    headers = {
        name: request.headers.get(name, "")
        for name in ("Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial")
    }
    if not all(headers.values()):
        raise NotificationRejected("missing Wechatpay signature headers")
    # Only our platform public key is trusted; any other serial would make the SDK go
    # and download certificates while answering a stranger's request.
    if headers["Wechatpay-Serial"] != settings.WECHATPAY_PUBLIC_KEY_ID:
        raise NotificationRejected("signed with an unknown key (Wechatpay-Serial)")
    try:
        signed_at = int(headers["Wechatpay-Timestamp"])
    except ValueError as exc:
        raise NotificationRejected("Wechatpay-Timestamp is not a number") from exc
    if abs(time.time() - signed_at) > NOTIFICATION_MAX_AGE_SECONDS:
        raise NotificationRejected("stale Wechatpay-Timestamp (replayed or delayed notification)")
    headers["Wechatpay-Signature-Type"] = request.headers.get("Wechatpay-Signature-Type", SIGNATURE_TYPE)
    return headers


def _events_from(data: Mapping[str, Any]) -> list[GatewayEvent]:
    notification_id = data["id"]
    if not isinstance(notification_id, str) or not notification_id:
        raise ValueError("no notification id")
    resource = data["resource"]
    if resource.get("mchid") != settings.WECHATPAY_MCH_ID:
        raise ValueError("notification for another merchant")
    # JSAPI payments are made for the official account's AppID, bound to the same merchant.
    our_apps = {settings.WECHATPAY_APP_ID, getattr(settings, "WECHAT_MP_APP_ID", "")} - {""}
    if resource.get("appid", settings.WECHATPAY_APP_ID) not in our_apps:
        raise ValueError("notification for another app")
    event_type = data.get("event_type", "")
    payload = {
        "id": notification_id,
        "event_type": event_type,
        "create_time": data.get("create_time", ""),
        "summary": data.get("summary", ""),
    }
    if event_type == "TRANSACTION.SUCCESS":
        if resource["trade_state"] != "SUCCESS":
            return []
        return [transaction_event(resource, event_id=notification_id, payload=payload)]
    if event_type in REFUND_EVENT_TYPES:
        return [refund_event(resource, event_id=notification_id, payload=payload)]
    logger.info("WeChat Pay notification %s of type %s ignored", notification_id, event_type)
    return []
