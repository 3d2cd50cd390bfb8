"""Alipay's asynchronous notifications: the RSA2 signature, app, seller and age, then what they report.

Alipay signs every field but ``sign`` and ``sign_type``, sorted, as ``k=v`` joined by ``&``.
"""

import logging
from collections.abc import Mapping
from datetime import timedelta

from alipay.exceptions import AliPayException
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from payments.providers.alipay.client import sdk_client
from payments.providers.alipay.formats import PAID_STATUSES, amount_parse, beijing_parse, payload
from payments.providers.base import EventKind, GatewayError, GatewayEvent, NotificationRejected

# One logger per gateway, named after its package as before the split into modules.
logger = logging.getLogger(__package__)

# Alipay resends an unanswered notification with the same notify_id 8 times over about
# 25 hours (4m, 10m, 10m, 1h, 2h, 6h, 15h). Every genuine delivery, retries included,
# falls inside this window; anything older is a replay and is refused. A lost
# notification is still recovered afterwards by sync_payments asking alipay.trade.query.
NOTIFICATION_MAX_AGE = timedelta(hours=26)
# Clocks differ a little; a notify_time further ahead than this is not genuine.
NOTIFICATION_MAX_AHEAD = timedelta(minutes=10)


def notification_events(request: HttpRequest) -> list[GatewayEvent]:
    """Check the notification's RSA2 signature, app, seller and age, then say what it reports.

    Raises NotificationRejected for anything not genuine.
    """
    fields = _notification_fields(request)
    signature = fields.pop("sign", "")
    if not signature or fields.get("sign_type") != "RSA2":
        raise NotificationRejected("unsigned or not RSA2")
    try:
        genuine = sdk_client().verify(dict(fields), signature)
    except GatewayError as error:
        raise NotificationRejected(str(error)) from error
    except (AliPayException, ValueError) as error:
        raise NotificationRejected(f"signature cannot be checked: {error}") from error
    if not genuine:
        raise NotificationRejected("bad signature")
    _notification_check(fields)
    return _events_from(fields)


def _notification_fields(request: HttpRequest) -> dict[str, str]:
    if request.method != "POST" or not request.POST:
        raise NotificationRejected("not a form POST")
    fields = {}
    for key in request.POST:
        values = request.POST.getlist(key)
        if len(values) != 1:
            raise NotificationRejected(f"field {key} repeated")
        fields[key] = values[0]
    return fields


def _notification_check(fields: Mapping[str, str]) -> None:
    """App, seller, ids and freshness of a notification whose signature is good."""
    if fields.get("app_id") != settings.ALIPAY_APP_ID:
        raise NotificationRejected("for another app_id")
    if settings.ALIPAY_SELLER_ID and fields.get("seller_id") != settings.ALIPAY_SELLER_ID:
        raise NotificationRejected("for another seller_id")
    if not fields.get("notify_id") or not fields.get("out_trade_no"):
        raise NotificationRejected("notify_id or out_trade_no missing")
    try:
        sent_at = beijing_parse(fields.get("notify_time", ""))
    except ValueError as error:
        raise NotificationRejected("notify_time missing or malformed") from error
    now = timezone.now()
    if sent_at < now - NOTIFICATION_MAX_AGE:
        raise NotificationRejected(f"stale: sent at {fields['notify_time']} (Beijing time)")
    if sent_at > now + NOTIFICATION_MAX_AHEAD:
        raise NotificationRejected(f"sent in the future: {fields['notify_time']} (Beijing time)")


def _events_from(fields: Mapping[str, str]) -> list[GatewayEvent]:
    """The event a verified notification reports; [] for statuses that change nothing."""
    status = fields.get("trade_status", "")
    common = {
        "reference": fields["out_trade_no"],
        "event_id": fields["notify_id"],
        "currency": "CNY",
        "gateway_reference": fields.get("trade_no", ""),
        "status": status,
        "payload": payload(fields),
    }
    if fields.get("out_biz_no") or fields.get("refund_fee") or fields.get("gmt_refund"):
        # A refund (partial: TRADE_SUCCESS, full: TRADE_CLOSED). Its refund_fee is the
        # trade's total refunded so far, not this refund's amount, so no amount is given.
        if not fields.get("out_biz_no"):
            raise NotificationRejected("refund notification without out_biz_no")
        return [
            GatewayEvent(kind=EventKind.REFUND_SUCCEEDED, refund_reference=fields["out_biz_no"], **common)
        ]
    if status in PAID_STATUSES:
        try:
            amount = amount_parse(fields.get("total_amount", ""))
        except ValueError as error:
            raise NotificationRejected("total_amount missing or malformed") from error
        return [GatewayEvent(kind=EventKind.PAID, amount=amount, **common)]
    if status == "TRADE_CLOSED":
        return [GatewayEvent(kind=EventKind.FAILED, **common)]
    if status != "WAIT_BUYER_PAY":
        logger.warning("Alipay notification with unknown trade_status %s ignored", status)
    return []
