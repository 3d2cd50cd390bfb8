import argparse
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from catalog.demo import DEFAULT_PRODUCTS, MAX_PRODUCTS, demo_catalog_seed

# A large seed says how far it is, every this many products.
PROGRESS_EVERY = 50_000


def _product_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        count = -1
    if not 0 <= count <= MAX_PRODUCTS:
        raise argparse.ArgumentTypeError(
            _('expected a whole number from 0 to %(maximum)s, got "%(value)s"')
            % {"maximum": MAX_PRODUCTS, "value": value}
        )
    return count


class Command(BaseCommand):
    help = (
        "Load a realistic demo catalogue (categories, products, variants and pictures). "
        "Deterministic and idempotent: running it again adds only what is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--products",
            type=_product_count,
            default=DEFAULT_PRODUCTS,
            help="How many demo products to have (default: %(default)s).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the catalogue already has any product.",
        )

    def handle(self, *args, products: int, if_empty: bool, **options) -> None:
        result = demo_catalog_seed(products=products, if_empty=if_empty, progress=self._progress(products))
        if result.skipped:
            self.stdout.write(_("Demo catalogue skipped: the catalogue already has products."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo catalogue: %(products)s products (%(products_created)s new), "
                    "%(variants_created)s new variants, %(images_created)s new pictures, "
                    "%(categories_created)s new categories in %(seconds).1f s."
                )
                % {
                    "products": result.products,
                    "products_created": result.products_created,
                    "variants_created": result.variants_created,
                    "images_created": result.images_created,
                    "categories_created": result.categories_created,
                    "seconds": result.seconds,
                }
            )
        )

    def _progress(self, total: int) -> Callable[[int], None]:
        reported = 0

        def report(done: int) -> None:
            nonlocal reported
            if done // PROGRESS_EVERY > reported // PROGRESS_EVERY and done < total:
                reported = done
                self.stdout.write(_("%(done)s of %(total)s products done…") % {"done": done, "total": total})
                self.stdout.flush()

        return report
