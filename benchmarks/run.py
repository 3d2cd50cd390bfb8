"""``make bench``: load-test the storefront, on its own database, with gunicorn and wrk.

1. The database ``<shop database>_bench`` on the same PostgreSQL server (see
   ``benchmarks/settings.py``) is created if missing, migrated, and seeded
   once with 100,000 demo products (``--products`` or BENCH_PRODUCTS).
2. Static files are collected into ``var/bench/static`` (DEBUG is off).
3. gunicorn runs with one sync worker per CPU (as ``make serve`` does) on a
   free 127.0.0.1 port, with DEBUG=0, HTTPS=0, a throwaway SECRET_KEY and
   ALLOWED_HOSTS=127.0.0.1. A second gunicorn with as many workers serves
   the truly bare baseline (``benchmarks/bare_settings.py``).
4. Each section measures against it and returns Markdown; the report is
   printed and written to ``benchmarks/results/latest.md``.

Sections: the recommendations precompute on paid demo orders
(``benchmarks/recommendations.py``; first, so the catalogue pages show
recommendations), catalogue pages warm (``benchmarks/catalogue.py``) and cold
(``benchmarks/cold.py``: every page kind with an empty cache, p50/p99), checkout
throughput (``benchmarks/checkout.py``, its shoppers in ``benchmarks/shopper.py``, its
open-loop runs in ``benchmarks/open_loop_section.py``)
and after-sales on the demo orders (``benchmarks/aftersales.py``: the returns
report, the staff queue, order pages with and without requests), then the admin's product
and order lists cold (``benchmarks/admin_lists.py``).
To add one, write a section function ``(BenchContext) -> str`` and add it in
``sections()``.
"""

import argparse
import gc
import os
import platform
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.base import Section

RESULTS = Path(__file__).resolve().parent / "results" / "latest.md"
SECTION_NAMES = ("recommendations", "catalogue", "cold", "checkout", "aftersales", "admin")
DEFAULT_PRODUCTS = 100_000


def cpus_available() -> int:
    """The CPUs this process may run on (what ``nproc`` prints, which ``make serve`` uses)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 2


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--products",
        type=int,
        default=int(os.environ.get("BENCH_PRODUCTS") or DEFAULT_PRODUCTS),
        help="demo products in the benchmark database (default: BENCH_PRODUCTS or %(default)s)",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per page")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument(
        "--workers", type=int, default=cpus_available(), help="gunicorn sync workers (default: one per CPU)"
    )
    parser.add_argument(
        "--shoppers",
        type=int,
        default=8,
        help="concurrent guest shoppers (processes) in the checkout section",
    )
    parser.add_argument(
        "--checkout-duration", type=int, default=60, help="seconds the shoppers loop through checkout"
    )
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=SECTION_NAMES,
        default=list(SECTION_NAMES),
        help="which sections to run (default: all)",
    )
    options = parser.parse_args(argv)
    for name in (
        "products",
        "duration",
        "threads",
        "connections",
        "workers",
        "shoppers",
        "checkout_duration",
    ):
        if getattr(options, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if options.warmup < 0:
        parser.error("--warmup must not be negative")
    return options


def _environment() -> dict[str, str]:
    """Production-like settings for this process and gunicorn alike."""
    environment = dict(os.environ)
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "DEBUG": "0",
            "HTTPS": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
    )
    return environment


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sections(options: argparse.Namespace | None = None) -> list["Section"]:
    """The report's sections, in order (those named by ``--sections``, all without options)."""
    # Imported here: they use models, which need django.setup() first.
    from benchmarks.admin_lists import admin_section
    from benchmarks.aftersales import aftersales_section
    from benchmarks.catalogue import catalogue_section
    from benchmarks.checkout import checkout_section_make
    from benchmarks.cold import cold_section
    from benchmarks.recommendations import recommendations_section

    if options is None:
        options = _arguments([])
    chosen = {
        "recommendations": recommendations_section,
        "catalogue": catalogue_section,
        "cold": cold_section,
        "checkout": checkout_section_make(shoppers=options.shoppers, duration=options.checkout_duration),
        "aftersales": aftersales_section,
        "admin": admin_section,
    }
    return [chosen[name] for name in SECTION_NAMES if name in options.sections]


def _prepare(products: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.server import database_ensure
    from catalog.demo import demo_catalog_seed
    from catalog.models import Product

    name = connection.settings_dict["NAME"]
    if database_ensure():
        _say(f"Created database {name}.")
    _say(f"Migrating {name}...")
    call_command("migrate", interactive=False, verbosity=0)
    if Product.objects.count() < products:
        _say(f"Seeding {products:,} demo products into {name} (once; about a minute per 100,000)...")
        result = demo_catalog_seed(products=products)
        _say(f"Seeded {result.products_created:,} products in {result.seconds:.1f} s.")
        # What autovacuum does minutes after a bulk load: without statistics the planner would
        # measure a freshly seeded catalogue no shop in production has.
        _say("Analyzing the new rows...")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    _say("Collecting static files...")
    call_command("collectstatic", interactive=False, verbosity=0)


def _header(options: argparse.Namespace) -> str:
    import django
    from django.db import connection

    from catalog.models import Product, Variant

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return "\n".join(
        [
            f"# Benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"- Machine: {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}; load, "
            "server and database share it.",
            f"- Python {platform.python_version()}, Django {django.get_version()}, PostgreSQL {postgres}.",
            f"- Data: {Product.objects.count():,} products, {Variant.objects.count():,} variants "
            f"in database `{connection.settings_dict['NAME']}`.",
            f"- Server: gunicorn, {options.workers} sync workers, DEBUG off, per-process local-memory cache; "
            f"the truly bare baseline on a second gunicorn with as many workers.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    options = _arguments(argv)
    environment = _environment()
    os.environ.update(environment)
    import django

    django.setup()
    from benchmarks.base import BenchContext
    from benchmarks.server import gunicorn_running
    from benchmarks.wrk import WrkError, WrkOptions, wrk_executable

    try:
        if {"catalogue", "aftersales"} & set(options.sections):
            wrk_executable()
    except WrkError as exc:
        _say(str(exc))
        return 1
    started = time.monotonic()
    _prepare(options.products)
    wrk = WrkOptions(options.threads, options.connections, options.duration, options.warmup)
    parts = [_header(options)]
    _say(f"Starting gunicorn ({options.workers} workers) and the truly bare baseline beside it...")
    with (
        gunicorn_running(environment=environment, workers=options.workers) as port,
        gunicorn_running(
            environment=environment,
            workers=options.workers,
            app="benchmarks.bare_wsgi:application",
            health_path="/",
        ) as bare_port,
    ):
        context = BenchContext(port=port, wrk=wrk, bare_port=bare_port)
        chosen = sections(options)
        # The in-process sections (cold pages, admin lists) measure requests as a server worker
        # serves them: shop/wsgi.py freezes what is loaded at start-up out of the garbage
        # collector's reach, so a full collection does not walk all of Django during a request.
        gc.freeze()
        for section in chosen:
            _say(f"Running {section.__name__}...")
            parts.append(section(context))
    report = "\n\n".join(parts) + "\n"
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    _say(f"Report written to {RESULTS} ({time.monotonic() - started:.0f} s in all).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
