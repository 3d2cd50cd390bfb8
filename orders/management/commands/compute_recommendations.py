"""``manage.py compute_recommendations``: recount "bought together" and bestsellers from paid orders.

Run it by hand after a big import, and nightly from cron, for example::

    30 3 * * * cd /path/to/shop && .venv/bin/python manage.py compute_recommendations

One run at a time: a second one started meanwhile stops at once with a message (exit status 1).
Each run builds fresh tables and swaps them in at its end, so shoppers see the old
recommendations until then and no dead rows are left.
"""

import argparse

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from catalog.exceptions import RecommendationsBusy, RecommendationsNotPermitted
from orders.recommendations import (
    DEFAULT_BESTSELLER_DAYS,
    DEFAULT_MIN_ORDERS,
    DEFAULT_TOP,
    recommendations_compute,
)


def _whole_number(maximum: int):
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = 0
        if not 1 <= number <= maximum:
            raise argparse.ArgumentTypeError(
                _('expected a whole number from 1 to %(maximum)s, got "%(value)s"')
                % {"maximum": maximum, "value": value}
            )
        return number

    return parse


class Command(BaseCommand):
    help = (
        "Count which products are bought together in paid orders, and the recent bestsellers, "
        "and replace the stored recommendations with freshly built tables. Run it nightly from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--top",
            type=_whole_number(100),
            default=DEFAULT_TOP,
            help="Recommendations kept per product (default: %(default)s).",
        )
        parser.add_argument(
            "--days",
            type=_whole_number(3650),
            default=DEFAULT_BESTSELLER_DAYS,
            help="Bestsellers count the paid orders of this many days (default: %(default)s).",
        )
        parser.add_argument(
            "--min-orders",
            type=_whole_number(1000),
            default=DEFAULT_MIN_ORDERS,
            help="Paid orders two products must share to recommend each other (default: %(default)s).",
        )

    def handle(self, *args, top: int, days: int, min_orders: int, **options) -> None:
        try:
            result = recommendations_compute(top=top, bestseller_days=days, min_orders=min_orders)
        except RecommendationsBusy as exc:
            raise CommandError(
                _("Another compute_recommendations run is at work; this one changed nothing.")
            ) from exc
        except RecommendationsNotPermitted as exc:
            raise CommandError(
                _(
                    "This role cannot give the new recommendation tables their owner, so nothing was "
                    "changed: %(detail)s"
                )
                % {"detail": exc}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Recommendations: %(pairs)s for %(products)s products; "
                    "bestsellers: %(popular)s products; in %(seconds).1f s."
                )
                % {
                    "pairs": result.pairs,
                    "products": result.products,
                    "popular": result.popular_products,
                    "seconds": result.seconds,
                }
            )
        )
