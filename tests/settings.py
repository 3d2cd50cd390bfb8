"""Settings for the test suite: the shop's own, in development mode (DEBUG=1).

The shop defaults to production, which needs a real SECRET_KEY, HTTPS and collected static
files; the tests run as on a developer's machine instead: the development key, plain HTTP,
media served by Django, static files from their folders. Set here, before the shop's settings
are read and whatever the shell or `.env` says, so `make test` runs the same everywhere.
Processes the tests start inherit it, unless they set their own environment (the
production-style ones set DEBUG=0 and a key of their own).
"""

import os

os.environ["DEBUG"] = "1"

from shop.settings import *  # noqa: F403

# A listener thread would hold a connection to the test database, which must be dropped at the
# end; the tests that need the listener turn it on and stop it (tests/catalog/test_revision_listener.py).
CATALOG_REVISION_LISTEN = False
