"""Settings for the shop processes the resilience tests start (gunicorn, db_worker).

The shop's own settings, run production-style by the tests (DEBUG=0), with one
difference: static files are not collected. Pages link them through the plain
storage, so no manifest is needed and no test pays for collectstatic; no test
here fetches a static file.
"""

from shop.settings import *  # noqa: F403
from shop.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
