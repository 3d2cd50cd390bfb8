"""WSGI entry point for gunicorn."""

import gc
import os

from django.apps import apps
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

application = get_wsgi_application()


def _warm_up() -> None:
    """Load now what a worker's first requests would, then keep the garbage collector off it."""
    # Each app that has something slow to load (the payment gateways' SDKs, imported lazily,
    # would otherwise load in some shopper's checkout) does it in its AppConfig.warm_up().
    for config in apps.get_app_configs():  # every app is ready: the application above is built
        if (warm_up := getattr(config, "warm_up", None)) is not None:
            warm_up()
    # What is loaded by now lives as long as the process. Frozen out of the collector's reach,
    # a full collection scans only what requests made: about 10 ms instead of 85 ms measured
    # with all of Django and the SDKs in it, a pause that lands on whichever request is running.
    gc.freeze()


_warm_up()
