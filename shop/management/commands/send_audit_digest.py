"""Cron (weekly): enqueue the audit digest of the last 7 days for every active superuser."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from shop.models import User
from shop.tasks import audit_digest_send

DIGEST_PERIOD = timedelta(days=7)


class Command(BaseCommand):
    help = "Email every active superuser a summary of the audit events of the last 7 days."

    def handle(self, *args, **options) -> None:
        until = timezone.now()
        since = until - DIGEST_PERIOD
        with transaction.atomic(durable=True):
            user_ids = list(
                User.objects.filter(is_active=True, is_superuser=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for user_id in user_ids:
                audit_digest_send.enqueue(user_id=user_id, since=since.isoformat(), until=until.isoformat())
        self.stdout.write(f"Audit digest queued for {len(user_ids)} superuser(s).")
