from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from payments.services import payments_sync


class Command(BaseCommand):
    help = (
        "Ask each payment gateway about payments and refunds still pending after PAYMENT_SYNC_AFTER "
        "(a lost notification never leaves a paid order unpaid) and close unpaid attempts of "
        "cancelled orders. Safe to run every few minutes from cron, on several machines at once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=None,
            help="Check payments pending for longer than this (default: PAYMENT_SYNC_AFTER).",
        )

    def handle(self, *args, **options) -> None:
        minutes = options["older_than_minutes"]
        if minutes is not None and minutes < 0:
            raise CommandError("--older-than-minutes must be 0 or more.")
        older_than = settings.PAYMENT_SYNC_AFTER if minutes is None else timedelta(minutes=minutes)
        counts = payments_sync(older_than=older_than)
        if counts["checked"] or options["verbosity"] > 1:
            summary = ", ".join(f"{name} {count}" for name, count in counts.items() if count)
            self.stdout.write(f"Payments synced: {summary or 'nothing pending'}.")
