from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from orders.services import order_cancel_expired


class Command(BaseCommand):
    help = (
        "Cancel unpaid orders (except cash on delivery) older than ORDER_PAYMENT_TIMEOUT, and "
        "cash-on-delivery orders staff have not confirmed within COD_CONFIRM_HOURS, and return "
        "their stock. Safe to run every minute from cron, on several machines at once."
    )

    def handle(self, *args, **options) -> None:
        hours = settings.COD_CONFIRM_HOURS
        cancelled = order_cancel_expired(
            older_than=settings.ORDER_PAYMENT_TIMEOUT,
            unconfirmed_older_than=timedelta(hours=hours) if hours > 0 else None,
        )
        if cancelled:
            self.stdout.write(f"Cancelled {len(cancelled)} unpaid order(s): {', '.join(cancelled)}")
        elif options["verbosity"] > 1:
            self.stdout.write("No unpaid orders to cancel.")
