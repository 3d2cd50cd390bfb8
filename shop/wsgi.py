"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

application = get_wsgi_application()


def _warm_up() -> None:
    """Load the payment gateways' SDKs as the worker starts, not in some shopper's first checkout."""
    from orders.payments import payment_provider_list  # needs the apps loaded above

    payment_provider_list()


_warm_up()
