"""Cron (daily): delete the audit events older than AUDIT_RETENTION_DAYS."""

from django.conf import settings
from django.core.management.base import BaseCommand

from shop.audit import audit_events_prune


class Command(BaseCommand):
    help = "Delete audit events older than AUDIT_RETENTION_DAYS (the only deletes the database allows)."

    def handle(self, *args, **options) -> None:
        deleted = audit_events_prune()
        self.stdout.write(
            f"Deleted {deleted} audit event(s) older than {settings.AUDIT_RETENTION_DAYS} days."
        )
