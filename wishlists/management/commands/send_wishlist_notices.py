from django.core.management.base import BaseCommand

from wishlists.notices import wishlist_notices_create


class Command(BaseCommand):
    help = (
        "Queue one email per customer whose wished-for products came back in stock or got cheaper "
        "(only for products they asked to hear about). The task worker sends them. Safe to run "
        "every few minutes from cron, on several machines at once: one run at a time decides."
    )

    def handle(self, *args, **options) -> None:
        run = wishlist_notices_create()
        if run.busy:
            self.stdout.write("Another run is deciding the wishlist emails; nothing done.")
        elif run.notices or options["verbosity"] > 1:
            self.stdout.write(f"Queued {run.notices} wishlist email(s) about {run.products} product(s).")
