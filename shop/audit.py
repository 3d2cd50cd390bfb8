"""The audit trail staff read in the admin: sign-ins, lockouts, two-factor, staff rights, exports, refunds.

Every app records its events with ``audit_record`` (the shop package is the lowest layer, so
every app may call it); the rows are append-only in the database (shop/migrations/
0007_auditevent.py), kept for AUDIT_RETENTION_DAYS and pruned by ``prune_audit_events``;
``send_audit_digest`` mails superusers a weekly summary. Each event also becomes one log
line on the "shop.audit" logger with the same fields.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone

from shop.logging import current_request_var
from shop.models import AuditEvent
from shop.ratelimit import client_ip

logger = logging.getLogger("shop.audit")

# Keys that never go into a row's detail, whatever a caller passes.
_SECRET_KEY_PARTS = ("password", "token", "secret", "key", "code")
TARGET_MAX_LENGTH = 200
PRUNE_BATCH_SIZE = 5000
# Rows listed by name in the digest (lockouts, refunds); the counts cover them all.
DIGEST_LIST_LIMIT = 50


def _detail_clean(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    return {
        key: value
        for key, value in (detail or {}).items()
        if not any(part in key.lower() for part in _SECRET_KEY_PARTS)
    }


def audit_record(
    *,
    action: str,
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
    ip: str = "",
    target: str = "",
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Write one audit event in the caller's transaction, and log it once that commits.

    ``actor`` defaults to the request's signed-in user and ``ip`` to the request's client IP
    (shop.ratelimit.client_ip); without ``request`` the one being served now is used, so a
    signal receiver records who acted too. Outside a request (a cron job, the worker) both stay
    empty unless given. Keys of ``detail`` naming a password, token, secret, key or code are
    dropped. Rolls back with the caller's transaction.
    """
    if request is None:
        request = current_request_var.get()
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not actor.is_authenticated:
        actor = None
    if not ip and request is not None:
        ip = client_ip(request)
    event = AuditEvent.objects.create(
        action=AuditEvent.Action(action),
        actor=actor,
        actor_email=actor.email if actor is not None else "",
        ip=ip[:64],
        target=target[:TARGET_MAX_LENGTH],
        detail=_detail_clean(detail),
    )
    extra = {
        "event": f"audit.{event.action}",
        "audit_id": event.pk,
        "actor_id": event.actor_id,
        "ip": event.ip,
        "target": event.target,
        **{f"detail_{key}": value for key, value in event.detail.items()},
    }
    # One line per committed row: a rolled-back change leaves no line.
    transaction.on_commit(partial(logger.info, event.get_action_display(), extra=extra))


def audit_events_prune(*, now: datetime | None = None) -> int:
    """Delete the audit events older than AUDIT_RETENTION_DAYS; returns how many went.

    One short transaction per batch. Each names its cut-off to the database
    (``shop.audit_prune_before``, local to the transaction), the only way the append-only
    trigger lets a row be deleted. Must not run inside a transaction.
    """
    cut_off = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted = 0
    while True:
        with transaction.atomic(durable=True):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('shop.audit_prune_before', %s, true)", [cut_off.isoformat()]
                )
            batch = list(
                AuditEvent.objects.filter(created_at__lt=cut_off)
                .order_by("pk")
                .values_list("pk", flat=True)[:PRUNE_BATCH_SIZE]
            )
            if not batch:
                return deleted
            deleted += AuditEvent.objects.filter(pk__in=batch).delete()[0]


@dataclass(frozen=True)
class AuditDigest:
    """What the weekly digest says: counts per action, and the lockouts and refunds by name."""

    since: datetime
    until: datetime
    counts: list[tuple[str, int]]
    lockouts: list[AuditEvent]
    lockouts_more: int
    refunds: list[AuditEvent]
    refunds_more: int


def audit_digest_get(*, since: datetime, until: datetime) -> AuditDigest:
    """The audit events of [since, until) summed up for the digest email."""
    events = AuditEvent.objects.filter(created_at__gte=since, created_at__lt=until)
    counted = dict(events.values_list("action").annotate(total=Count("pk")).order_by())
    counts = [(label, counted[value]) for value, label in AuditEvent.Action.choices if value in counted]
    refund_actions = [AuditEvent.Action.ORDER_REFUNDED, AuditEvent.Action.PAYMENT_REFUNDED]
    lockouts = list(events.filter(action=AuditEvent.Action.LOCKED_OUT)[:DIGEST_LIST_LIMIT])
    refunds = list(events.filter(action__in=refund_actions)[:DIGEST_LIST_LIMIT])
    return AuditDigest(
        since=since,
        until=until,
        counts=counts,
        lockouts=lockouts,
        lockouts_more=counted.get(AuditEvent.Action.LOCKED_OUT, 0) - len(lockouts),
        refunds=refunds,
        refunds_more=sum(counted.get(action, 0) for action in refund_actions) - len(refunds),
    )
