"""``manage.py seed_demo_orders``: paid demo orders over the demo catalogue, then the recommendations."""

import argparse

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from orders.demo_orders import DEFAULT_ORDERS, MAX_ORDERS, demo_orders_seed
from orders.demo_shipping import demo_shipping_seed
from orders.recommendations import recommendations_compute


def _order_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        count = -1
    if not 0 <= count <= MAX_ORDERS:
        raise argparse.ArgumentTypeError(
            _('expected a whole number from 0 to %(maximum)s, got "%(value)s"')
            % {"maximum": MAX_ORDERS, "value": value}
        )
    return count


class Command(BaseCommand):
    help = (
        "Add demo shipping zones and rates (when the shop has none) and deterministic paid demo "
        "orders over the catalogue (run seed_demo first), then compute the recommendations. "
        "Idempotent; takes no stock and sends no email."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--orders",
            type=_order_count,
            default=DEFAULT_ORDERS,
            help="How many demo orders to have (default: %(default)s).",
        )

    def handle(self, *args, orders: int, **options) -> None:
        if zones := demo_shipping_seed():
            self.stdout.write(_("Demo shipping: %(zones)s zones with their rates.") % {"zones": zones})
        seeded = demo_orders_seed(orders=orders)
        computed = recommendations_compute()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo orders: %(orders)s (%(created)s new, %(lines)s new lines) in %(seconds).1f s. "
                    "Recommendations: %(pairs)s for %(products)s products in %(compute_seconds).1f s."
                )
                % {
                    "orders": seeded.orders,
                    "created": seeded.orders_created,
                    "lines": seeded.lines_created,
                    "seconds": seeded.seconds,
                    "pairs": computed.pairs,
                    "products": computed.products,
                    "compute_seconds": computed.seconds,
                }
            )
        )
