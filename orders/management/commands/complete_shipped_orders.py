from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from orders.services import order_complete_shipped


class Command(BaseCommand):
    help = (
        "Complete shipped orders whose shopper has not confirmed receipt ORDER_AUTO_COMPLETE_DAYS "
        "after their last parcel; the completion is their receipt date. Safe to run from cron on "
        "several machines at once."
    )

    def handle(self, *args, **options) -> None:
        completed = order_complete_shipped(after=timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS))
        if completed:
            self.stdout.write(f"Completed {len(completed)} shipped order(s): {', '.join(completed)}")
        elif options["verbosity"] > 1:
            self.stdout.write("No shipped orders to complete.")
