"""WSGI entry of the truly bare baseline (``benchmarks.bare_settings``), served by a second gunicorn."""

import os

# Set, not defaulted: the benchmark's environment names the shop's benchmark settings.
os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.bare_settings"

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
